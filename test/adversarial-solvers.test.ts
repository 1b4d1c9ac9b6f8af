// Adversarial solvers against the real vm job protocol (docs/jobs.md) and real committee replay
// (DESIGN.md §4): every cheat ends with the solver slashed (bond burned, bounty refunded to the
// submitter, the solver's balance never sees the bounty) while an honest solver on the same setup
// is finalized and paid, with every balance checked exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JobStatus, JobOutcome, EventKind, type Job, jobSeed, sampleSegments, drawSeats, UNAVAILABLE_DIGEST } from '../vm/index.ts';
import { segmentCount, parseSpec, validateSpec, loadDataset, selectBackend, type ModelSpec, tf } from '../ml-runtime/index.ts';
import {
  JobSim, Solver, plan, expectedDigest, openingsOf, revealOf, produceRun, Prng,
  type JobPlan, type Strategy, type Withhold, type MemberBehaviour, type SolverRun,
} from './helpers/job-sim/index.ts';
import { equalBytes, bytesToHex, sha256, utf8 } from '../primitives/index.ts';

await selectBackend('det');

const base = parseSpec(readFileSync(new URL('../ml-runtime/specs/regression.json', import.meta.url), 'utf8'));
/** synthetic regression MLP 8-16-1, SGD, batch 32 */
const specWith = (steps: number, k: number, extra: Partial<ModelSpec> = {}): ModelSpec => validateSpec({ ...base, steps, checkpointInterval: k, ...extra });
const SPEC = specWith(8, 2); // n = 4 segments
const DS = loadDataset('synthetic-regression').train;
const BOUNTY = 100_000n;
const STAKE = 100_000n; // = BOUNTY: the chain's floor ceil(bounty / q) at q = 1 (the foreign-init duel)
const REWARD = 1_200n; // divisible by 1..4 attesters

interface Duel {
  sim: JobSim;
  honest: { plan: JobPlan; job: Job; solver: Solver };
  cheat: { plan: JobPlan; job: Job; solver: Solver };
  maxCheatBalance: bigint;
}

/** A simulator with `count` jobs of the same terms (this file's defaults unless given) submitted in one block. */
function submitted(salt: string, count: number, o: { spec?: ModelSpec; q?: number; committeeSize?: number } = {}) {
  const sim = new JobSim({ salt });
  const terms = sim.terms(o.spec ?? SPEC, DS, { q: o.q ?? 6, committeeSize: o.committeeSize ?? 3, bounty: BOUNTY, solverStake: STAKE, attestReward: REWARD });
  const subs = Array.from({ length: count }, () => sim.submitTx(terms));
  sim.next(subs.map((x) => x.tx));
  return { sim, terms, subs };
}

/**
 * One honest job and one cheating job with the same terms on one chain (solvers are not
 * validators: the committee is drawn from the 4 validators).
 */
async function duel(strategy: Strategy, o: {
  withhold?: Withhold; q?: number; committeeSize?: number; spec?: ModelSpec; salt?: string;
  members?: (a: Uint8Array) => MemberBehaviour; cheatPlan?: Partial<JobPlan>; allowRejected?: boolean;
} = {}): Promise<Duel> {
  const { sim, subs: [a, b] } = submitted(o.salt ?? JSON.stringify(strategy.kind), 2, o);
  const hs = new Solver(sim.solvers[0]!);
  const cs = new Solver(sim.solvers[1]!);
  const hp = plan(a.jobId, hs);
  const cp = { ...plan(b.jobId, cs, strategy, { withhold: o.withhold ?? 'none', members: o.members }), ...o.cheatPlan };
  let maxCheatBalance = 0n;
  await sim.drive([hp, cp], {
    allowRejected: o.allowRejected,
    onBlock: () => { const x = sim.balance(cs.account.address); if (x > maxCheatBalance) maxCheatBalance = x; },
  });
  return { sim, honest: { plan: hp, job: sim.job(a.jobId), solver: hs }, cheat: { plan: cp, job: sim.job(b.jobId), solver: cs }, maxCheatBalance };
}

const inSet = (list: readonly Uint8Array[], a: Uint8Array) => list.some((x) => equalBytes(x, a));

/**
 * The honest job is finalized with every replaying member matching; the cheat is slashed with
 * `outcome`; every balance is exact and the bond left the supply.
 */
function assertSettled(d: Duel, outcome: string): void {
  const { sim, honest, cheat } = d;
  assert.equal(honest.job.status, JobStatus.Finalized, 'honest job finalized');
  assert.equal(honest.job.outcome, JobOutcome.Paid);
  assert.equal(cheat.job.status, JobStatus.Slashed, `cheat slashed (got status ${cheat.job.status}, outcome ${cheat.job.outcome})`);
  assert.equal(cheat.job.outcome, outcome);
  assert.ok(sim.replicaChecks > 5, 'blocks were re-applied on a replica with equal roots');

  // who matched: the honest job's attesters all agree with the revealed leaves
  const hRun = honest.solver.run(honest.job.id);
  const hAgree = honest.job.attestations.filter((a) => equalBytes(a.digest, expectedDigest(hRun, honest.job, a.address))).map((a) => a.address);
  assert.equal(hAgree.length, honest.job.attestations.length, 'every honest-job attester matched');
  assert.equal(honest.job.attestations.length, honest.job.committee.length);
  // the cheat's attesters (when it got that far) all disagree with what it revealed
  let cDisagree: Uint8Array[] = [];
  if (outcome === JobOutcome.Mismatch) {
    const cRun = cheat.solver.run(cheat.job.id);
    const wrong = cheat.job.attestations.filter((a) => !equalBytes(a.digest, expectedDigest(cRun, cheat.job, a.address)));
    assert.equal(wrong.length, cheat.job.attestations.length, 'every attester of the cheat disagreed');
    // those that replayed and found other hashes caught it; UNAVAILABLE claims nothing
    cDisagree = wrong.filter((a) => !equalBytes(a.digest, UNAVAILABLE_DIGEST)).map((a) => a.address);
  }
  // who proved the cheat (docs/disputes.md §8): the members whose replay disagreed, those that attested
  // before a withheld reveal, or the demanders left unanswered; they share half the bond
  const real = cheat.job.attestations.filter((a) => !equalBytes(a.digest, UNAVAILABLE_DIGEST)).map((a) => a.address);
  const catchers = outcome === JobOutcome.Mismatch ? cDisagree : outcome === JobOutcome.NoReveal ? real
    : outcome === JobOutcome.NoData ? cheat.job.demands.filter((x) => !x.answer.length).map((x) => x.by) : [];
  const rewarded = outcome === JobOutcome.NoData ? [] : catchers;
  const share = catchers.length ? STAKE / 2n / BigInt(catchers.length) : 0n;

  const each = (n: number) => (n ? REWARD / BigInt(n) : 0n);
  // solvers
  assert.equal(sim.balance(honest.solver.account.address), sim.feeAdjusted(honest.solver.account.address) + BOUNTY, 'honest solver: bounty paid, bond back');
  assert.equal(sim.balance(cheat.solver.account.address), sim.feeAdjusted(cheat.solver.account.address) - STAKE, 'cheat: bond lost, no bounty');
  assert.ok(d.maxCheatBalance < sim.genesisBalance.get(bytesToHex(cheat.solver.account.address))!, 'the cheat never held the bounty');
  // submitter: paid the honest bounty; got the cheat's bounty back and the unspent rewards
  const honestLeft = REWARD - each(hAgree.length) * BigInt(hAgree.length);
  const cheatLeft = REWARD - each(rewarded.length) * BigInt(rewarded.length);
  assert.equal(sim.balance(sim.submitter.address), sim.feeAdjusted(sim.submitter.address) - 2n * (BOUNTY + REWARD) + honestLeft + BOUNTY + cheatLeft, 'submitter');
  // validators: rewards for matching the honest trace, for catching the cheat, and their share of its bond
  for (const v of sim.validators) {
    const r = (inSet(hAgree, v.address) ? each(hAgree.length) : 0n) + (inSet(rewarded, v.address) ? each(rewarded.length) : 0n) + (inSet(catchers, v.address) ? share : 0n);
    assert.equal(sim.balance(v.address), sim.feeAdjusted(v.address) + r, `${v.name} balance`);
  }
  // the rest of the bond was burned
  assert.equal(sim.supply(), sim.genesisSupply - STAKE + share * BigInt(catchers.length));
  // and the vm reported both endings
  const ends = sim.updates.filter((u) => u.status === JobStatus.Slashed || u.status === JobStatus.Finalized);
  assert.deepEqual(ends.map((u) => [u.jobId, u.outcome]).sort(), [[bytesToHex(honest.job.id), 'paid'], [bytesToHex(cheat.job.id), outcome]].sort());
}

/** The cheat was caught by sampling: some sampled segment is one it faked. */
function assertSampledFake(d: Duel): void {
  const faked = new Set(d.cheat.solver.run(d.cheat.job.id).faked);
  assert.ok(d.cheat.job.segments.some((j) => faked.has(j)), `sampled ${d.cheat.job.segments} include a faked segment of ${[...faked]}`);
}

test('honest job: the full lifecycle, the vm draws the documented challenge, everyone is paid exactly', async () => {
  const sim = new JobSim({ salt: 'lifecycle' });
  sim.keepResults = true;
  const terms = sim.terms(SPEC, DS, { q: 6, committeeSize: 3, bounty: BOUNTY, solverStake: STAKE, attestReward: REWARD });
  const { tx, jobId } = sim.submitTx(terms);
  sim.next([tx]);
  assert.equal(sim.job(jobId).status, JobStatus.Open);
  const solver = new Solver(sim.solvers[0]!);
  const p = plan(jobId, solver);
  const seen: number[] = [];
  await sim.drive([p], { onBlock: () => { const s = sim.job(jobId).status; if (seen.at(-1) !== s) seen.push(s); } });
  assert.deepEqual(seen, [JobStatus.Accepted, JobStatus.Training, JobStatus.Committed, JobStatus.Challenged, JobStatus.Attesting, JobStatus.Revealing, JobStatus.Provisional, JobStatus.Finalized]);
  const job = sim.job(jobId);
  // the challenge is the documented function of the beacon before challengeHeight and the pool fixed at the commit
  const beacon = sim.beacons.get(job.challengeHeight - 1n)!;
  assert.deepEqual(job.segments, sampleSegments(jobId, beacon, terms.q, segmentCount(SPEC.steps, SPEC.checkpointInterval)));
  const { committee, seats } = drawSeats(jobId, beacon, 0, job.pool, terms.committeeSize);
  assert.deepEqual(job.committee.map((m) => bytesToHex(m.address)), committee.map((m) => bytesToHex(m.address)));
  assert.deepEqual(job.seats.map(bytesToHex), seats.map(bytesToHex));
  assert.equal(job.seats.length, terms.committeeSize);
  assert.ok(!inSet(job.committee.map((m) => m.address), solver.account.address));
  // the seed is the documented function of the beacon of the block after the accept
  const seedBeacon = sim.beacons.get(job.acceptHeight + 1n)!;
  assert.ok(equalBytes(job.seed!, jobSeed(jobId, seedBeacon)));
  // the commitment is the solver's run
  const run = solver.run(jobId);
  assert.ok(equalBytes(job.commitment!.traceRoot, run.traceRoot));
  assert.ok(equalBytes(job.commitment!.finalChunkRoot, run.finalChunkRoot));
  assert.equal(job.attestations.length, 3);
  for (const a of job.attestations) assert.ok(equalBytes(a.digest, expectedDigest(run, job, a.address)));
  assert.ok(p.replayedSteps > 0);
  // money: bounty to the solver, the reward split 3 ways, exact
  assert.equal(sim.balance(solver.account.address), sim.feeAdjusted(solver.account.address) + BOUNTY);
  assert.equal(sim.balance(sim.submitter.address), sim.feeAdjusted(sim.submitter.address) - BOUNTY - REWARD);
  for (const v of sim.validators) {
    const member = inSet(job.committee.map((m) => m.address), v.address);
    assert.equal(sim.balance(v.address), sim.feeAdjusted(v.address) + (member ? REWARD / 3n : 0n));
  }
  assert.equal(sim.supply(), sim.genesisSupply);
  // the money events of the verdict block
  const events = sim.results.flatMap((r) => [...r.blockEvents, ...r.receipts.flatMap((x) => x.events)]);
  const payout = events.filter((e) => e.kind === EventKind.JobPayout);
  assert.equal(payout.length, 1);
  assert.equal(payout[0]!.amount, BOUNTY);
  assert.ok(equalBytes(payout[0]!.address, solver.account.address));
  assert.equal(events.filter((e) => e.kind === EventKind.JobReward).length, 3);
  assert.equal(events.filter((e) => e.kind === EventKind.JobSlash).length, 0);
});

test('skipped updates in every segment (f = 1) are slashed', async () => {
  const d = await duel({ kind: 'skip', segments: [0, 1, 2, 3] });
  assertSampledFake(d);
  assertSettled(d, JobOutcome.Mismatch);
});

test('skipped updates in a fraction 0 < f < 1 of segments: slashed exactly when a faked segment is sampled', async () => {
  // n = 8 segments, 2 faked (f = 0.25), q = 2: escape probability 0.75^2 = 0.56 per job
  const spec = specWith(16, 2);
  const { sim, subs } = submitted('fractional', 10, { spec, q: 2 });
  const plans: Array<{ p: JobPlan; faked: number[] }> = [];
  const solver = new Solver(sim.solvers[1]!);
  for (const s of subs) {
    const faked = new Prng(s.jobId).choose(2, 8);
    plans.push({ p: plan(s.jobId, solver, { kind: 'skip', segments: faked }), faked });
  }
  await sim.drive(plans.map((x) => x.p));
  let caught = 0;
  for (const { p, faked } of plans) {
    const job = sim.job(p.jobId);
    const sampledFake = job.segments.some((j) => faked.includes(j));
    assert.equal(job.status, sampledFake ? JobStatus.Slashed : JobStatus.Finalized, `job with faked ${faked}, sampled ${job.segments}`);
    assert.equal(job.outcome, sampledFake ? JobOutcome.Mismatch : JobOutcome.Paid);
    // replay catches a faked segment and only a faked one: every member agrees iff nothing faked was sampled
    const run = solver.run(p.jobId);
    for (const a of job.attestations) assert.equal(equalBytes(a.digest, expectedDigest(run, job, a.address)), !sampledFake);
    if (sampledFake) caught++;
  }
  assert.ok(caught > 0 && caught < plans.length, `both outcomes occur (${caught}/${plans.length} caught)`);
  const escaped = BigInt(plans.length - caught);
  assert.equal(sim.balance(solver.account.address), sim.feeAdjusted(solver.account.address) + escaped * BOUNTY - BigInt(caught) * STAKE);
  // half of each slashed bond went to the three members that caught it (docs/disputes.md §8)
  assert.equal(sim.supply(), sim.genesisSupply - BigInt(caught) * (STAKE - (STAKE / 2n / 3n) * 3n));
});

test('weights interpolated between the initial and the final state are slashed', async () => {
  const d = await duel({ kind: 'interpolate' });
  // the final weights are the honest ones: only the path is fake
  const hRun = d.honest.solver.run(d.honest.job.id);
  const cRun = d.cheat.solver.run(d.cheat.job.id);
  assert.ok(!equalBytes(hRun.finalChunkRoot, cRun.finalChunkRoot), 'different jobs, different seeds');
  assertSampledFake(d);
  assertSettled(d, JobOutcome.Mismatch);
});

test('batches in another order (indices from another seed) are slashed', async () => {
  const d = await duel({ kind: 'batch-order', seed: sha256(utf8('other batch seed')) });
  assertSettled(d, JobOutcome.Mismatch);
});

test('training on other data (the dataset in another order) is slashed', async () => {
  const d = await duel({ kind: 'other-data' });
  assertSettled(d, JobOutcome.Mismatch);
});

test('another learning rate is slashed', async () => {
  const d = await duel({ kind: 'other-lr', factor: 2 });
  assertSettled(d, JobOutcome.Mismatch);
});

test('openings withheld: no JobOpen is slashed no-open', async () => {
  const d = await duel({ kind: 'honest' }, { withhold: 'open' });
  assert.equal(d.cheat.job.openings.length, 0);
  assert.equal(d.cheat.job.attestations.length, 0);
  assertSettled(d, JobOutcome.NoOpen);
});

test('openings on chain but the state is withheld: the committee demands the chunk on chain and the solver is slashed no-data', async () => {
  const d = await duel({ kind: 'honest' }, { withhold: 'data' });
  assert.ok(d.cheat.job.segments.some((j) => j > 0), 'a segment that needs an opened state was sampled');
  assert.equal(d.cheat.job.openings.length > 0, true);
  assert.equal(d.cheat.job.demands.length, 3, 'each member demanded the chunk it could not fetch');
  assert.ok(d.cheat.job.demands.every((x) => x.answer.length === 0), 'the solver never posted it');
  assertSettled(d, JobOutcome.NoData);
});

test('hashes with no training behind them (random step hashes, garbage checkpoints) are slashed', async () => {
  const d = await duel({ kind: 'random-hashes' });
  // members either replayed segment 0 from the seed or could not decode the garbage state
  assertSettled(d, JobOutcome.Mismatch);
});

test("training on tfjs's own 'cpu' backend instead of det is slashed (its bits differ)", async () => {
  const d = await duel({ kind: 'cpu-backend' });
  assert.equal(tf.getBackend(), 'det', 'det is restored after the cheat');
  assertSampledFake(d);
  assertSettled(d, JobOutcome.Mismatch);
});

test('initial weights not derived from the seed are slashed even when segment 0 is not sampled (h0 is in every digest)', async () => {
  // q = 1: one sampled segment; take the first chain (salt) whose draw is not segment 0 (P = 3/4 each)
  let d: Duel | null = null;
  for (let i = 0; i < 10 && !d; i++) {
    const x = await duel({ kind: 'foreign-init', seed: sha256(utf8('my own init')) }, { q: 1, salt: `foreign-init-${i}` });
    if (x.cheat.job.segments[0] !== 0) d = x;
  }
  assert.ok(d, 'some draw avoided segment 0');
  assert.equal(d.cheat.job.segments.length, 1);
  assert.notEqual(d.cheat.job.segments[0], 0, 'segment 0 not sampled: only h0 can catch it');
  assertSettled(d, JobOutcome.Mismatch);
});

test('early stop (trace shorter than T, padded with the last state) is slashed', async () => {
  const d = await duel({ kind: 'early-stop', at: 2 });
  assert.deepEqual(d.cheat.solver.run(d.cheat.job.id).faked, [1, 2, 3]);
  assertSampledFake(d);
  assertSettled(d, JobOutcome.Mismatch);
});

test('reveals withheld after the committee attested are slashed no-reveal', async () => {
  const d = await duel({ kind: 'honest' }, { withhold: 'reveal' });
  assert.equal(d.cheat.job.attestations.length, 3);
  assertSettled(d, JobOutcome.NoReveal);
});

test('a second TraceCommit is rejected, in the same block and after the challenge is known', async () => {
  const { sim, subs: [a, b] } = submitted('double-commit', 2);
  const hs = new Solver(sim.solvers[0]!);
  const cs = new Solver(sim.solvers[1]!);
  const hp = plan(a.jobId, hs);
  const cp = plan(b.jobId, cs, { kind: 'random-hashes' });
  // advance both to training
  while (sim.job(a.jobId).status !== JobStatus.Training) {
    const txs: Uint8Array[] = [];
    for (const p of [hp, cp]) if (sim.job(p.jobId).status === JobStatus.Open && !p.sent.accept) {
      p.sent.accept = true;
      txs.push(sim.tx(p.solver.account, { kind: 'job-accept', jobId: p.jobId, daPeer: 'sim', daAddrs: [] }));
    }
    sim.next(txs);
  }
  // honest solver: two different commits in one block, the second is rejected
  const hRun = await hs.train(sim, sim.job(a.jobId), { kind: 'honest' });
  const other = await produceRun(SPEC, DS, a.jobId, sim.job(a.jobId).seed!, { kind: 'skip', segments: [1] });
  const cRun = await cs.train(sim, sim.job(b.jobId), { kind: 'random-hashes' });
  hp.run = hRun; cp.run = cRun; hp.sent.commit = true; cp.sent.commit = true;
  const r = sim.next([sim.tx(hs.account, hs.commitPayload(hRun)), sim.tx(hs.account, hs.commitPayload(other)), sim.tx(cs.account, cs.commitPayload(cRun))], { allowRejected: true });
  assert.deepEqual(r.rejected.map((x) => x.error.code), ['JOB_WRONG_STATUS']);
  assert.ok(equalBytes(sim.job(a.jobId).commitment!.traceRoot, hRun.traceRoot), 'the first commit stands');
  // the cheat committed garbage; once it sees the challenge it tries to commit a run tailored to it
  let lateCode = '';
  await sim.drive([hp, cp], {
    onBlock: () => {
      const j = sim.job(b.jobId);
      if (j.status === JobStatus.Challenged && !lateCode) {
        const tailored = { ...cs.commitPayload(hRun), jobId: b.jobId };
        lateCode = sim.judge(sim.tx(cs.account, tailored));
      }
    },
  });
  assert.equal(lateCode, 'JOB_WRONG_STATUS');
  const cheat = sim.job(b.jobId);
  assert.ok(equalBytes(cheat.commitment!.traceRoot, cRun.traceRoot));
  assert.equal(sim.job(a.jobId).status, JobStatus.Finalized);
  assert.equal(cheat.status, JobStatus.Slashed);
  // members that cannot get the data of the rejected second commitment demand it on chain
  assert.ok(cheat.outcome === JobOutcome.Mismatch || cheat.outcome === JobOutcome.NoData, cheat.outcome);
  assert.equal(sim.balance(cs.account.address), sim.feeAdjusted(cs.account.address) - STAKE);
  assert.equal(sim.balance(hs.account.address), sim.feeAdjusted(hs.account.address) + BOUNTY);
});

test('one run claimed for two jobs: the copy (re-hashed under the second job id) is slashed, the original paid', async () => {
  const { sim, subs: [a, b] } = submitted('two-jobs', 2);
  const solver = new Solver(sim.solvers[0]!);
  const pa = plan(a.jobId, solver);
  const pb = plan(b.jobId, solver, { kind: 'reuse-job', of: a.jobId });
  await sim.drive([pa, pb]);
  const ja = sim.job(a.jobId);
  const jb = sim.job(b.jobId);
  assert.ok(equalBytes(jb.commitment!.finalChunkRoot, ja.commitment!.finalChunkRoot), 'the same final weights were claimed twice');
  assert.ok(!equalBytes(ja.seed!, jb.seed!));
  assert.equal(ja.status, JobStatus.Finalized);
  assert.equal(jb.status, JobStatus.Slashed);
  assert.equal(jb.outcome, JobOutcome.Mismatch);
  assert.equal(sim.balance(solver.account.address), sim.feeAdjusted(solver.account.address) + BOUNTY - STAKE);
  // both rewards went to the committees (3 matching on A, 3 catching B): the submitter paid one bounty
  assert.equal(ja.attestations.length + jb.attestations.length, 6);
  assert.equal(sim.balance(sim.submitter.address), sim.feeAdjusted(sim.submitter.address) - BOUNTY - 2n * REWARD);
  assert.equal(sim.supply(), sim.genesisSupply - STAKE + (STAKE / 2n / 3n) * 3n, 'half the bond to the three catchers');
});

test('a stale checkpoint in the openings is rejected (JOB_PROOF_INVALID) and the silent solver is slashed no-open', async () => {
  const d = await duel({ kind: 'skip', segments: [1, 2, 3] }, {
    allowRejected: true,
    cheatPlan: {
      // opens the honest states (not the committed fake ones) at the sampled segments, with the committed proofs
      openPayload: async (job: Job, run: SolverRun) => {
        const honest = await produceRun(SPEC, DS, job.id, job.seed!, { kind: 'honest' });
        const real = openingsOf(run, job.segments);
        const forged = openingsOf(honest, job.segments);
        return { ...real, openings: real.openings.map((o, i) => (o.index > 0 && o.index < run.checkpoints.length - 1 ? { ...forged.openings[i]!, siblings: o.siblings } : o)) };
      },
    },
  });
  assert.ok(d.cheat.job.segments.some((j) => j > 0 && j < 4));
  assert.deepEqual(d.sim.rejections.map((r) => [r.kind, r.code]), [['job-open', 'JOB_PROOF_INVALID']]);
  assertSettled(d, JobOutcome.NoOpen);
});

test('reveals that differ from the committed leaves are rejected and the solver is slashed no-reveal', async () => {
  // the cheat faked every segment; after the attestations it reveals the honest hashes instead
  const d = await duel({ kind: 'skip', segments: [0, 1, 2, 3] }, {
    allowRejected: true,
    cheatPlan: {
      revealPayload: async (job: Job, run: SolverRun) => {
        const honest = await produceRun(SPEC, DS, job.id, job.seed!, { kind: 'honest' });
        const forged = revealOf(honest, job.segments);
        const real = revealOf(run, job.segments);
        return { ...forged, items: forged.items.map((it, i) => ({ ...it, siblings: real.items[i]!.siblings })) };
      },
    },
  });
  assert.equal(d.cheat.job.attestations.length, 3);
  // the range proofs of the honest leaves do not verify under the committed trace root
  assert.deepEqual(d.sim.rejections.map((r) => [r.kind, r.code]), [['job-reveal', 'JOB_PROOF_INVALID']]);
  assertSettled(d, JobOutcome.NoReveal);
});

test('committee: a copying attester and a lazy one earn nothing; the replaying majority is paid', async () => {
  const { sim, subs: [{ jobId }] } = submitted('copy-lazy', 1, { committeeSize: 4 });
  const solver = new Solver(sim.solvers[0]!);
  const roles = new Map<string, MemberBehaviour>();
  const p = plan(jobId, solver, { kind: 'honest' }, {
    members: (a) => {
      if (!roles.size) sim.job(jobId).committee.forEach((m, i) => roles.set(bytesToHex(m.address), (['lazy', 'copy', 'replay', 'replay'] as const)[i]!));
      return roles.get(bytesToHex(a))!;
    },
  });
  await sim.drive([p]);
  const job = sim.job(jobId);
  assert.equal(job.committee.length, 4);
  assert.equal(job.status, JobStatus.Finalized);
  assert.equal(job.attestations.length, 3, 'the lazy member never attested');
  const run = solver.run(jobId);
  const copier = [...roles].find(([, r]) => r === 'copy')![0];
  const copied = job.attestations.find((a) => bytesToHex(a.address) === copier)!;
  assert.ok(job.attestations.some((a) => bytesToHex(a.address) !== copier && equalBytes(a.digest, copied.digest)), 'the copier posted another member\'s digest');
  assert.ok(!equalBytes(copied.digest, expectedDigest(run, job, copied.address)), 'a copied digest does not match: it binds the attester');
  for (const v of sim.validators) {
    const role = roles.get(bytesToHex(v.address));
    assert.equal(sim.balance(v.address), sim.feeAdjusted(v.address) + (role === 'replay' ? REWARD / 2n : 0n), `${v.name} (${role})`);
  }
  assert.equal(sim.balance(solver.account.address), sim.feeAdjusted(solver.account.address) + BOUNTY);
});

test('UNAVAILABLE counts for neither side: an honest solver is paid while one member replays, and a job nobody replayed is never paid', async () => {
  // documents the trust assumption of §4 (3·disagree ≥ 2·committeeStake), with equal stakes
  const { sim, subs } = submitted('unavailable-majority', 3);
  const solver = new Solver(sim.solvers[0]!);
  /** the first `bad` members (ascending address) post UNAVAILABLE, the rest replay */
  const liars = (jobId: Uint8Array, bad: number) => (a: Uint8Array): MemberBehaviour =>
    sim.job(jobId).committee.findIndex((m) => equalBytes(m.address, a)) < bad ? 'unavailable' : 'replay';
  const plans = subs.map((x, i) => plan(x.jobId, solver, { kind: 'honest' }, { members: liars(x.jobId, i + 1) }));
  await sim.drive(plans);
  const [one, two, three] = subs.map((x) => sim.job(x.jobId));
  // before v4, two thirds of the stake reporting UNAVAILABLE slashed an honest solver; network
  // trouble at members can no longer do that (docs/disputes.md §5-§6)
  assert.equal(one!.status, JobStatus.Finalized);
  assert.equal(two!.status, JobStatus.Finalized, 'two of three UNAVAILABLE: the third member replayed');
  assert.equal(three!.status, JobStatus.Slashed, 'nobody replayed: never paid');
  assert.equal(three!.outcome, JobOutcome.Mismatch);
  for (const [i, j] of [one!, two!, three!].entries()) {
    assert.equal(j.attestations.filter((a) => equalBytes(a.digest, UNAVAILABLE_DIGEST)).length, i + 1);
  }
  // paid twice, slashed once (no catchers: all of the bond burned)
  assert.equal(sim.balance(solver.account.address), sim.feeAdjusted(solver.account.address) + 2n * BOUNTY - STAKE);
});

test('a solver that accepts and never commits is slashed no-commit', async () => {
  const d = await duel({ kind: 'honest' }, { withhold: 'commit' });
  assert.equal(d.cheat.job.commitment, null);
  assertSettled(d, JobOutcome.NoCommit);
});

test('T not a multiple of k: the short last segment is checked like any other (and T mod k = 1 is refused)', async () => {
  // T = 11, k = 3: segments [0,3] [3,6] [6,9] [9,11]; the cheat skips the two-step last segment
  const spec = specWith(11, 3);
  let d: Duel | null = null;
  for (let i = 0; i < 10 && !d; i++) {
    const x = await duel({ kind: 'skip', segments: [3] }, { spec, q: 4, salt: `short-last-${i}` });
    if (x.cheat.job.segments.includes(3)) d = x;
  }
  assert.ok(d, 'some draw sampled the last segment');
  assert.ok(d.cheat.job.reveals.some((r) => r.from === 9 && r.hashes.length === 3));
  // a one-step last segment would have no secret hash (its only inner hash is the public h_T)
  const sim = new JobSim();
  assert.equal(sim.judge(sim.submitTx(sim.terms(specWith(10, 3), DS)).tx), 'JOB_INVALID');
  assertSampledFake(d);
  assertSettled(d, JobOutcome.Mismatch);
});

test('reveals split over two JobReveal transactions finalize; an item revealed twice is rejected', async () => {
  const { sim, subs: [{ jobId }] } = submitted('split-reveal', 1);
  const solver = new Solver(sim.solvers[0]!);
  let half = 0;
  const p = plan(jobId, solver, { kind: 'honest' }, {
    revealPayload: (job, run) => {
      const all = revealOf(run, job.segments);
      half = Math.ceil(all.items.length / 2);
      return { ...all, items: all.items.slice(0, half) };
    },
  });
  let second = false;
  let dupCode = '';
  await sim.drive([p], {
    onBlock: () => {
      const job = sim.job(jobId);
      if (job.status === JobStatus.Revealing && job.reveals.length > 0 && !second) {
        second = true;
        const all = revealOf(solver.run(jobId), job.segments);
        assert.ok(half > 0);
        assert.equal(job.reveals.length, half, 'the first half is on chain, the verdict waits');
        dupCode = sim.judge(sim.tx(solver.account, { ...all, items: all.items.slice(0, 1) }));
        p.sent.reveal = false;
        p.revealPayload = () => ({ ...all, items: all.items.slice(half) });
      }
    },
  });
  assert.ok(second);
  assert.equal(dupCode, 'JOB_REVEAL_INVALID');
  const job = sim.job(jobId);
  assert.equal(job.status, JobStatus.Finalized);
  assert.equal(job.reveals.length, revealOf(solver.run(jobId), job.segments).items.length);
  assert.equal(sim.balance(solver.account.address), sim.feeAdjusted(solver.account.address) + BOUNTY);
});

test('checkpoints from one run and trace leaves from another: the reveal is inconsistent with the openings and the solver is slashed', async () => {
  // commits the honest checkpoints (so the openings verify) over a trace whose leaves skip segment 1
  class MixedSolver extends Solver {
    override async train(sim: JobSim, job: Job, _s: Strategy): Promise<SolverRun> {
      const honest = await super.train(sim, job, { kind: 'honest' });
      const fake = await produceRun(SPEC, DS, job.id, job.seed!, { kind: 'skip', segments: [1] });
      const run: SolverRun = { ...honest, stepHashes: fake.stepHashes, traceRoot: fake.traceRoot, faked: [1], leafHashCache: undefined };
      this.adopt(run);
      return run;
    }
  }
  const { sim, subs: [a, b] } = submitted('mixed', 2);
  const hs = new Solver(sim.solvers[0]!);
  const cs = new MixedSolver(sim.solvers[1]!);
  const hp = plan(a.jobId, hs);
  const cp = plan(b.jobId, cs);
  await sim.drive([hp, cp], { allowRejected: true });
  const cheat = sim.job(b.jobId);
  assert.equal(cheat.openings.length > 0, true, 'the openings matched the committed checkpoints');
  assert.deepEqual(sim.rejections.map((r) => [r.kind, r.code]), [['job-reveal', 'JOB_REVEAL_INCONSISTENT']]);
  assert.equal(sim.job(a.jobId).status, JobStatus.Finalized);
  assert.equal(cheat.status, JobStatus.Slashed);
  assert.equal(cheat.outcome, JobOutcome.NoReveal);
  assert.equal(sim.balance(cs.account.address), sim.feeAdjusted(cs.account.address) - STAKE);
  // the members that attested real digests share half the bond (docs/disputes.md §8); the rest is burned
  const real = cheat.attestations.filter((x) => !equalBytes(x.digest, UNAVAILABLE_DIGEST)).length;
  assert.ok(real > 0);
  assert.equal(sim.supply(), sim.genesisSupply - STAKE + (STAKE / 2n / BigInt(real)) * BigInt(real));
});
