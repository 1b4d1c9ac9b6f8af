// Adversarial solvers against the real vm job protocol (docs/jobs.md) and real committee replay
// (DESIGN.md §4) under the v5 committee rules (docs/committee.md: 5 seats drawn with replacement,
// each sampled segment replayed by one seat, any disagreeing real digest a mismatch, silence
// penalised): every cheat ends with the solver slashed (bond burned, bounty refunded to the
// submitter, the solver's balance never sees the bounty) while an honest solver on the same setup
// is finalized and paid, with every balance and stake checked exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JobStatus, JobOutcome, EventKind, DisputeWinner, type Job, jobSeed, sampleSegments, drawSeats, memberSegments, termFloors, UNAVAILABLE_DIGEST } from '../vm/index.ts';
import { segmentCount, parseSpec, validateSpec, loadDataset, selectBackend, type ModelSpec, tf } from '../ml-runtime/index.ts';
import {
  JobSim, Solver, plan, expectedDigest, openingsOf, revealOf, produceRun, Prng, SIM_VALIDATOR_STAKE,
  type JobPlan, type Strategy, type Withhold, type MemberBehaviour, type SolverRun,
} from './helpers/job-sim/index.ts';
import { compareBytes, equalBytes, bytesToHex, sha256, utf8 } from '../primitives/index.ts';

await selectBackend('det');

const base = parseSpec(readFileSync(new URL('../ml-runtime/specs/regression.json', import.meta.url), 'utf8'));
/** synthetic regression MLP 8-16-1, SGD, batch 32 */
const specWith = (steps: number, k: number, extra: Partial<ModelSpec> = {}): ModelSpec => validateSpec({ ...base, steps, checkpointInterval: k, ...extra });
const SPEC = specWith(8, 2); // n = 4 segments: q = 16 draws sample every one of them almost surely
/** n = 20 segments: q = 16 draws leave some unsampled (the foreign-init duel needs segment 0 unsampled) */
const SPEC20 = specWith(40, 2);
const DS = loadDataset('synthetic-regression').train;
const BOUNTY = 100_000n;
const STAKE = 100_000n; // above the chain's floor ceil(bounty / q) = 6,250 at q = 16
const REWARD = 1_200n; // 240 per seat of 5; the floor (termFloors) is 7 for SPEC and 25 for SPEC20
assert.ok(REWARD >= termFloors(SPEC20, { q: 16, committeeSize: 5, bounty: BOUNTY }).attestReward);
assert.ok(STAKE >= termFloors(SPEC20, { q: 16, committeeSize: 5, bounty: BOUNTY }).solverStake);

/** Seats `a` holds in the job's (last) committee, counted from job.seats. */
const seatsOf = (job: Job, a: Uint8Array): number => job.seats.filter((x) => equalBytes(x, a)).length;
/** What confirmed members in `to` earn: ⌊attestReward / c⌋ per seat each holds (docs/committee.md §7). */
const seatPay = (job: Job, to: readonly Uint8Array[]): bigint =>
  to.reduce((n, a) => n + (job.terms.attestReward / BigInt(job.seats.length)) * BigInt(seatsOf(job, a)), 0n);
/** Liveness penalty per seat: 2·⌈attestReward / c⌉. */
const penaltyPerSeat = (job: Job): bigint => 2n * ((job.terms.attestReward + BigInt(job.seats.length) - 1n) / BigInt(job.seats.length));
const stakeOf = (sim: JobSim, a: Uint8Array): bigint => sim.state.getValidator(a)!.stake;

interface Duel {
  sim: JobSim;
  honest: { plan: JobPlan; job: Job; solver: Solver };
  cheat: { plan: JobPlan; job: Job; solver: Solver };
  maxCheatBalance: bigint;
}

/** A simulator with `count` jobs of the same terms (this file's defaults unless given) submitted in one block. */
function submitted(salt: string, count: number, o: { spec?: ModelSpec; q?: number; committeeSize?: number } = {}) {
  const sim = new JobSim({ salt });
  const terms = sim.terms(o.spec ?? SPEC, DS, { q: o.q ?? 16, committeeSize: o.committeeSize ?? 5, bounty: BOUNTY, solverStake: STAKE, attestReward: REWARD });
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
 * The honest job is finalized with every member matching; the cheat is slashed with `outcome`;
 * every balance and stake is exact and the burned part of the bond left the supply.
 */
function assertSettled(d: Duel, outcome: string): void {
  const { sim, honest, cheat } = d;
  assert.equal(honest.job.status, JobStatus.Finalized, 'honest job finalized');
  assert.equal(honest.job.outcome, JobOutcome.Paid);
  assert.equal(cheat.job.status, JobStatus.Slashed, `cheat slashed (got status ${cheat.job.status}, outcome ${cheat.job.outcome})`);
  assert.equal(cheat.job.outcome, outcome);
  assert.ok(sim.replicaChecks > 5, 'blocks were re-applied on a replica with equal roots');

  // who matched: the honest job's first committee attested, all of it in agreement with the revealed leaves
  const hRun = honest.solver.run(honest.job.id);
  assert.equal(honest.job.draws, 1);
  assert.equal(honest.job.seats.length, 5);
  const hAgree = honest.job.attestations.filter((a) => equalBytes(a.digest, expectedDigest(hRun, honest.job, a.address))).map((a) => a.address);
  assert.equal(hAgree.length, honest.job.attestations.length, 'every honest-job attester matched');
  assert.equal(honest.job.attestations.length, honest.job.committee.length);
  // nobody was silent: no liveness penalty anywhere
  assert.equal(honest.job.silent.length + cheat.job.silent.length, 0);
  let cDisagree: Uint8Array[] = [];
  if (outcome === JobOutcome.Mismatch) {
    // split checking: a member disagrees exactly when one of its own segments was faked (h0 is in every digest)
    const cRun = cheat.solver.run(cheat.job.id);
    const faked = new Set(cRun.faked);
    for (const a of cheat.job.attestations) {
      assert.ok(!equalBytes(a.digest, UNAVAILABLE_DIGEST), 'data was there: nobody attested UNAVAILABLE');
      const mine = memberSegments(cheat.job, a.address);
      assert.equal(!equalBytes(a.digest, expectedDigest(cRun, cheat.job, a.address)), mine.some((j) => faked.has(j)), `member with segments ${mine} of faked ${[...faked]}`);
    }
    cDisagree = cheat.job.attestations.filter((a) => !equalBytes(a.digest, expectedDigest(cRun, cheat.job, a.address))).map((a) => a.address);
    assert.ok(cDisagree.length > 0);
  }
  // who proved the cheat (docs/disputes.md §8): the members whose replay disagreed, those that attested
  // before a withheld reveal, or the demanders left unanswered; they share half the bond
  const real = cheat.job.attestations.filter((a) => !equalBytes(a.digest, UNAVAILABLE_DIGEST)).map((a) => a.address);
  const catchers = outcome === JobOutcome.Mismatch ? cDisagree : outcome === JobOutcome.NoReveal ? real
    // no-data: the demanders whose demand lapsed unanswered (a later demand, of a redrawn committee, still had time: its fee comes back)
    : outcome === JobOutcome.NoData ? cheat.job.demands.filter((x) => !x.answer.length && x.deadline <= cheat.job.endHeight).map((x) => x.by) : [];
  const rewarded = outcome === JobOutcome.NoData ? [] : catchers;
  const share = catchers.length ? STAKE / 2n / BigInt(catchers.length) : 0n;

  // solvers
  assert.equal(sim.balance(honest.solver.account.address), sim.feeAdjusted(honest.solver.account.address) + BOUNTY, 'honest solver: bounty paid, bond back');
  assert.equal(sim.balance(cheat.solver.account.address), sim.feeAdjusted(cheat.solver.account.address) - STAKE, 'cheat: bond lost, no bounty');
  assert.ok(d.maxCheatBalance < sim.genesisBalance.get(bytesToHex(cheat.solver.account.address))!, 'the cheat never held the bounty');
  // submitter: paid the honest bounty; got the cheat's bounty back and the reward of every seat not confirmed
  const honestLeft = REWARD - seatPay(honest.job, hAgree);
  const cheatLeft = REWARD - seatPay(cheat.job, rewarded);
  assert.equal(honestLeft, 0n, 'every seat of the honest job was confirmed');
  assert.equal(sim.balance(sim.submitter.address), sim.feeAdjusted(sim.submitter.address) - 2n * (BOUNTY + REWARD) + honestLeft + BOUNTY + cheatLeft, 'submitter');
  // validators: per seat for matching the honest trace, per seat for catching the cheat, and their share of its bond
  for (const v of sim.validators) {
    const r = (inSet(hAgree, v.address) ? seatPay(honest.job, [v.address]) : 0n) + (inSet(rewarded, v.address) ? seatPay(cheat.job, [v.address]) : 0n) + (inSet(catchers, v.address) ? share : 0n);
    assert.equal(sim.balance(v.address), sim.feeAdjusted(v.address) + r, `${v.name} balance`);
    assert.equal(stakeOf(sim, v.address), SIM_VALIDATOR_STAKE, `${v.name} stake untouched`);
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
  const terms = sim.terms(SPEC, DS, { q: 16, committeeSize: 5, bounty: BOUNTY, solverStake: STAKE, attestReward: REWARD });
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
  assert.equal(job.attestations.length, job.committee.length);
  for (const a of job.attestations) assert.ok(equalBytes(a.digest, expectedDigest(run, job, a.address)));
  // split checking: each sampled segment replayed by one seat (5 seats over m ≤ 4 segments: one seat
  // doubles up), not by every member
  const m = job.segments.length;
  assert.equal(p.replayedSteps, job.committee.reduce((n, c) => n + memberSegments(job, c.address).length, 0) * SPEC.checkpointInterval);
  assert.ok(p.replayedSteps < job.committee.length * m * SPEC.checkpointInterval || job.committee.length === 1);
  // money: bounty to the solver, the reward per seat (240 each), exact
  assert.equal(sim.balance(solver.account.address), sim.feeAdjusted(solver.account.address) + BOUNTY);
  assert.equal(sim.balance(sim.submitter.address), sim.feeAdjusted(sim.submitter.address) - BOUNTY - REWARD);
  for (const v of sim.validators) {
    assert.equal(sim.balance(v.address), sim.feeAdjusted(v.address) + (REWARD / 5n) * BigInt(seatsOf(job, v.address)));
  }
  assert.equal(sim.supply(), sim.genesisSupply);
  // the money events of the verdict block
  const events = sim.results.flatMap((r) => [...r.blockEvents, ...r.receipts.flatMap((x) => x.events)]);
  const payout = events.filter((e) => e.kind === EventKind.JobPayout);
  assert.equal(payout.length, 1);
  assert.equal(payout[0]!.amount, BOUNTY);
  assert.ok(equalBytes(payout[0]!.address, solver.account.address));
  assert.deepEqual(events.filter((e) => e.kind === EventKind.JobReward).map((e) => [bytesToHex(e.address), e.amount]).sort(),
    job.committee.map((c) => [bytesToHex(c.address), (REWARD / 5n) * BigInt(seatsOf(job, c.address))]).sort());
  assert.equal(events.filter((e) => e.kind === EventKind.JobSlash).length, 0);
});

test('skipped updates in every segment (f = 1) are slashed', async () => {
  const d = await duel({ kind: 'skip', segments: [0, 1, 2, 3] });
  assertSampledFake(d);
  assertSettled(d, JobOutcome.Mismatch);
});

test('skipped updates in a fraction 0 < f < 1 of segments: slashed exactly when a faked segment is sampled', async () => {
  // n = 40 segments, 2 faked (f = 0.05), q = 16: escape probability 0.95^16 = 0.44 per job
  const spec = specWith(80, 2);
  const { sim, subs } = submitted('fractional', 10, { spec });
  const plans: Array<{ p: JobPlan; faked: number[] }> = [];
  const solver = new Solver(sim.solvers[1]!);
  for (const s of subs) {
    const faked = new Prng(s.jobId).choose(2, 40);
    plans.push({ p: plan(s.jobId, solver, { kind: 'skip', segments: faked }), faked });
  }
  await sim.drive(plans.map((x) => x.p));
  let caught = 0;
  let burned = 0n;
  let submitterBack = 0n;
  const earned = new Map<string, bigint>();
  const earn = (a: Uint8Array, x: bigint) => earned.set(bytesToHex(a), (earned.get(bytesToHex(a)) ?? 0n) + x);
  for (const { p, faked } of plans) {
    const job = sim.job(p.jobId);
    const sampledFake = job.segments.some((j) => faked.includes(j));
    assert.equal(job.status, sampledFake ? JobStatus.Slashed : JobStatus.Finalized, `job with faked ${faked}, sampled ${job.segments}`);
    assert.equal(job.outcome, sampledFake ? JobOutcome.Mismatch : JobOutcome.Paid);
    assert.equal(job.attestations.length, job.committee.length);
    // replay catches a faked segment and only a faked one: a member disagrees iff one of its own segments is faked
    const run = solver.run(p.jobId);
    const disagree: Uint8Array[] = [];
    const agree: Uint8Array[] = [];
    for (const a of job.attestations) {
      const ok = equalBytes(a.digest, expectedDigest(run, job, a.address));
      assert.equal(ok, !memberSegments(job, a.address).some((j) => faked.includes(j)));
      (ok ? agree : disagree).push(a.address);
    }
    // paid: every seat confirmed; slashed: the disagreeing members' seats and half the bond among them
    const confirmed = sampledFake ? disagree : agree;
    for (const a of confirmed) earn(a, seatPay(job, [a]));
    submitterBack += REWARD - seatPay(job, confirmed) + (sampledFake ? BOUNTY : 0n);
    if (sampledFake) {
      caught++;
      const share = STAKE / 2n / BigInt(disagree.length);
      for (const a of disagree) earn(a, share);
      burned += STAKE - share * BigInt(disagree.length);
    }
  }
  assert.ok(caught > 0 && caught < plans.length, `both outcomes occur (${caught}/${plans.length} caught)`);
  const escaped = BigInt(plans.length - caught);
  assert.equal(sim.balance(solver.account.address), sim.feeAdjusted(solver.account.address) + escaped * BOUNTY - BigInt(caught) * STAKE);
  assert.equal(sim.balance(sim.submitter.address), sim.feeAdjusted(sim.submitter.address) - 10n * (BOUNTY + REWARD) + submitterBack);
  for (const v of sim.validators) assert.equal(sim.balance(v.address), sim.feeAdjusted(v.address) + (earned.get(bytesToHex(v.address)) ?? 0n), v.name);
  // half of each slashed bond went to the members that caught it (docs/disputes.md §8), the rest burned
  assert.equal(sim.supply(), sim.genesisSupply - burned);
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
  // each member of the last committee that replays a segment > 0 demanded a checkpoint of its own
  // segments (and attested UNAVAILABLE on that demand, so nobody was silent); no committee could
  // reach a quorum without the data, and the first demand to lapse ended the job
  const job = d.cheat.job;
  for (const m of job.committee) {
    const mine = memberSegments(job, m.address);
    if (!mine.some((j) => j > 0)) continue;
    assert.ok(job.demands.some((x) => equalBytes(x.by, m.address)), 'a member that could not fetch demanded');
  }
  assert.ok(job.demands.length > 0 && job.demands.every((x) => x.checkpoint > 0 && job.segments.includes(x.checkpoint)), 'only sampled checkpoints were demanded');
  assert.ok(job.demands.every((x) => x.answer.length === 0), 'the solver never posted it');
  assert.ok(job.draws >= 2, `no committee could reach a quorum without the data: redrawn (${job.draws} committees)`);
  assert.ok(job.attestations.every((a) => equalBytes(a.digest, UNAVAILABLE_DIGEST) || memberSegments(job, a.address).every((j) => j === 0)), 'only segment-0 replays are real');
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
  // n = 20 segments, q = 16 draws: take the first chain (salt) whose draw misses segment 0 (P = 0.95^16 = 0.44 each)
  let d: Duel | null = null;
  for (let i = 0; i < 10 && !d; i++) {
    const x = await duel({ kind: 'foreign-init', seed: sha256(utf8('my own init')) }, { spec: SPEC20, salt: `foreign-init-${i}` });
    if (!x.cheat.job.segments.includes(0)) d = x;
  }
  assert.ok(d, 'some draw avoided segment 0');
  assert.ok(d.cheat.job.segments.length > 1 && !d.cheat.job.segments.includes(0), 'segment 0 not sampled: only h0 can catch it');
  // every member disagrees, whichever segments it replayed
  const cRun = d.cheat.solver.run(d.cheat.job.id);
  assert.ok(d.cheat.job.attestations.every((a) => !equalBytes(a.digest, expectedDigest(cRun, d.cheat.job, a.address))));
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
  assert.equal(d.cheat.job.attestations.length, d.cheat.job.committee.length);
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
  // both rewards went to the committees (every seat matching on A, every seat catching B): the submitter paid one bounty
  const runA = solver.run(a.jobId);
  const runB = solver.run(b.jobId);
  assert.ok(ja.attestations.every((x) => equalBytes(x.digest, expectedDigest(runA, ja, x.address))));
  assert.ok(jb.attestations.every((x) => !equalBytes(x.digest, expectedDigest(runB, jb, x.address))));
  assert.equal(ja.attestations.length, ja.committee.length);
  assert.equal(jb.attestations.length, jb.committee.length);
  assert.equal(seatPay(ja, ja.committee.map((m) => m.address)) + seatPay(jb, jb.committee.map((m) => m.address)), 2n * REWARD);
  assert.equal(sim.balance(sim.submitter.address), sim.feeAdjusted(sim.submitter.address) - BOUNTY - 2n * REWARD);
  const nb = BigInt(jb.committee.length);
  for (const v of sim.validators) {
    const r = seatPay(ja, [v.address]) + seatPay(jb, [v.address]) + (inSet(jb.committee.map((m) => m.address), v.address) ? STAKE / 2n / nb : 0n);
    assert.equal(sim.balance(v.address), sim.feeAdjusted(v.address) + r, v.name);
  }
  assert.equal(sim.supply(), sim.genesisSupply - STAKE + (STAKE / 2n / nb) * nb, 'half the bond to the catchers');
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
  assert.equal(d.cheat.job.attestations.length, d.cheat.job.committee.length);
  // the range proofs of the honest leaves do not verify under the committed trace root
  assert.deepEqual(d.sim.rejections.map((r) => [r.kind, r.code]), [['job-reveal', 'JOB_PROOF_INVALID']]);
  assertSettled(d, JobOutcome.NoReveal);
});

/** Items (positions in job.segments) seat s of c covers among m sampled segments (docs/committee.md §4), written out here. */
function itemsOfSeat(s: number, c: number, m: number): number[] {
  const out: number[] = [];
  for (let x = s; x < Math.max(m, c); x += c) out.push(x % m);
  return out;
}

/** The quorum rule of docs/committee.md §6, written out here: `real` hold ≥ 2/3 of the seats and cover every sampled segment. */
function quorumOf(seats: readonly Uint8Array[], m: number, real: readonly Uint8Array[]): boolean {
  const covered = new Set<number>();
  let held = 0;
  seats.forEach((a, s) => {
    if (!inSet(real, a)) return;
    held++;
    for (const x of itemsOfSeat(s, seats.length, m)) covered.add(x);
  });
  return covered.size === m && 3 * held >= 2 * seats.length;
}

test('committee: a lazy member pays the liveness penalty, a copying member is disputed and slashed, the replaying members are paid per seat', async (t) => {
  // v5 (docs/committee.md §5-§7): silence costs 2·⌈attestReward / c⌉ per seat from the validator stake;
  // a copied digest binds its attester, so it disagrees and makes the provisional verdict a mismatch
  // until the honest solver disputes it and the member, having no preimage, loses (no-response):
  // slashed slashFractionBps of its stake and jailed, half to the solver. Then the job is paid.
  // The draw must leave a quorum without the lazy member (it holds one seat whose segment another
  // seat covers) and at least one replayer: take the first chain (salt) where it does.
  for (let i = 0; i < 12; i++) {
    const { sim, subs: [{ jobId }] } = submitted(`copy-lazy-${i}`, 1);
    const solver = new Solver(sim.solvers[0]!);
    const roles = new Map<string, MemberBehaviour>();
    let fits = false;
    const assign = () => {
      const job = sim.job(jobId);
      const c = job.seats.length;
      const m = job.segments.length;
      const members = job.committee.map((x) => x.address);
      const lazy = members.find((a) => {
        if (seatsOf(job, a) !== 1) return false;
        const others = job.seats.filter((x) => !equalBytes(x, a));
        return others.length > 0 && quorumOf(job.seats, m, others);
      });
      fits = members.length >= 3 && lazy !== undefined && c === 5;
      for (const a of members) roles.set(bytesToHex(a), 'replay');
      if (!fits) return;
      const rest = members.filter((a) => !equalBytes(a, lazy!));
      roles.set(bytesToHex(lazy!), 'lazy');
      roles.set(bytesToHex(rest[0]!), 'copy');
    };
    const p = plan(jobId, solver, { kind: 'honest' }, {
      members: (a) => {
        if (!roles.size) assign();
        return roles.get(bytesToHex(a)) ?? 'replay';
      },
    });
    await sim.drive([p]);
    if (!fits) continue;

    const job = sim.job(jobId);
    t.diagnostic(`chain ${i}: seats ${job.seats.map((a) => roles.get(bytesToHex(a))).join(', ')} over ${job.segments.length} segments`);
    const who = (r: MemberBehaviour) => sim.validators.filter((v) => roles.get(bytesToHex(v.address)) === r).map((v) => v.address);
    const [lazy] = who('lazy');
    const [copier] = who('copy');
    const replayers = who('replay').filter((a) => inSet(job.committee.map((x) => x.address), a));
    assert.ok(lazy && copier && replayers.length >= 1);
    assert.equal(job.draws, 1, 'the committee had a quorum without the lazy member');
    assert.equal(job.status, JobStatus.Finalized);
    assert.equal(job.outcome, JobOutcome.Paid);
    assert.equal(job.attestations.length, job.committee.length - 1, 'the lazy member never attested');
    assert.deepEqual(job.silent.map(bytesToHex), [bytesToHex(lazy)]);
    const run = solver.run(jobId);
    const copied = job.attestations.find((a) => equalBytes(a.address, copier))!;
    assert.ok(job.attestations.some((a) => !equalBytes(a.address, copier) && equalBytes(a.digest, copied.digest)), 'the copier posted another member\'s digest');
    assert.ok(!equalBytes(copied.digest, expectedDigest(run, job, copier)), 'a copied digest does not match: it binds the attester');
    // one real digest disagreed: the committee's verdict was a mismatch until the dispute
    assert.equal(job.verdict, JobOutcome.Mismatch);
    assert.equal(job.disputes.length, 1);
    const dispute = job.disputes[0]!;
    assert.ok(equalBytes(dispute.by, solver.account.address) && equalBytes(dispute.member!, copier));
    assert.equal(dispute.winner, DisputeWinner.Solver);
    assert.equal(dispute.reason, 'no-response');

    // money, exact: the lazy seat's penalty is burned, the copier loses 5% of its stake (half to the solver)
    const penalty = penaltyPerSeat(job) * BigInt(seatsOf(job, lazy));
    assert.equal(penalty, 480n);
    const slash = (SIM_VALIDATOR_STAKE * BigInt(sim.state.params.slashFractionBps)) / 10_000n;
    assert.equal(slash, 50_000n);
    assert.equal(stakeOf(sim, lazy), SIM_VALIDATOR_STAKE - penalty);
    assert.equal(stakeOf(sim, copier), SIM_VALIDATOR_STAKE - slash);
    assert.ok(sim.state.getValidator(copier)!.jailed, 'a member proven wrong is jailed');
    for (const v of sim.validators) {
      const paid = inSet(replayers, v.address) ? seatPay(job, [v.address]) : 0n;
      assert.equal(sim.balance(v.address), sim.feeAdjusted(v.address) + paid, `${v.name} (${roles.get(bytesToHex(v.address)) ?? 'not drawn'})`);
      if (!equalBytes(v.address, lazy) && !equalBytes(v.address, copier)) assert.equal(stakeOf(sim, v.address), SIM_VALIDATOR_STAKE);
    }
    assert.equal(sim.balance(solver.account.address), sim.feeAdjusted(solver.account.address) + BOUNTY + slash / 2n, 'bounty, dispute bond back, half the slash');
    assert.equal(sim.balance(sim.submitter.address), sim.feeAdjusted(sim.submitter.address) - BOUNTY - seatPay(job, replayers), 'the lazy and the copied seats are refunded');
    assert.equal(sim.supply(), sim.genesisSupply - penalty - (slash - slash / 2n));
    return;
  }
  assert.fail('no draw in 12 chains had a lazy single seat covered by others and three members');
});

test('UNAVAILABLE without a demand is silence: the member pays per seat and the replaying members get the job paid; a job nobody replays is never paid (no-quorum)', async (t) => {
  // v5 (docs/committee.md §6): UNAVAILABLE counts for neither side, and without a DaDemand of the
  // member's own it is silence. (UNAVAILABLE standing on a demand costs nothing: the no-data duel.)
  const { sim, subs } = submitted('unavailable-silent', 2);
  const solver = new Solver(sim.solvers[0]!);
  /** each committee's seats, by draw */
  const drawn = subs.map(() => new Map<number, Uint8Array[]>());
  const record = (i: number) => { const j = sim.job(subs[i]!.jobId); if (!drawn[i]!.has(j.draws)) drawn[i]!.set(j.draws, j.seats); return j; };
  // job 0: the lowest member of the first committee posts UNAVAILABLE, everyone else (and every later committee) replays
  const one = plan(subs[0]!.jobId, solver, { kind: 'honest' }, {
    members: (a) => { const j = record(0); return j.draws === 1 && equalBytes(j.committee[0]!.address, a) ? 'unavailable' : 'replay'; },
  });
  // job 1: every member of every committee posts UNAVAILABLE
  const none = plan(subs[1]!.jobId, solver, { kind: 'honest' }, { members: () => { record(1); return 'unavailable'; } });
  await sim.drive([one, none]);
  const [j0, j1] = subs.map((x) => sim.job(x.jobId));
  const penalties = new Map<string, bigint>();
  const penalise = (job: Job, seats: readonly Uint8Array[], who: Uint8Array) =>
    penalties.set(bytesToHex(who), (penalties.get(bytesToHex(who)) ?? 0n) + penaltyPerSeat(job) * BigInt(seats.filter((x) => equalBytes(x, who)).length));

  // job 0: paid; the UNAVAILABLE member is silent and pays for its seats; redrawn iff the rest lacked a quorum
  const first0 = drawn[0]!.get(1)!;
  const quiet = [...first0].sort(compareBytes)[0]!;
  const quorum = quorumOf(first0, j0!.segments.length, first0.filter((x) => !equalBytes(x, quiet)));
  assert.equal(j0!.status, JobStatus.Finalized);
  assert.equal(j0!.outcome, JobOutcome.Paid);
  assert.equal(j0!.draws, quorum ? 1 : 2, `first committee ${quorum ? 'had' : 'lacked'} a quorum without the UNAVAILABLE member`);
  assert.deepEqual(j0!.silent.map(bytesToHex), [bytesToHex(quiet)]);
  if (!quorum) assert.ok(!inSet(j0!.seats, quiet), 'a silent member is not drawn again');
  penalise(j0!, first0, quiet);
  const agree0 = j0!.attestations.filter((a) => !equalBytes(a.digest, UNAVAILABLE_DIGEST)).map((a) => a.address);
  assert.equal(agree0.length, j0!.attestations.length - (quorum ? 1 : 0));

  // job 1: committee after committee is silent, each from the pool without the silent ones, until
  // the third or an empty pool: expired no-quorum, the bond back, bounty and reward to the submitter
  assert.equal(j1!.status, JobStatus.Expired);
  assert.equal(j1!.outcome, JobOutcome.NoQuorum);
  assert.equal(j1!.draws, drawn[1]!.size);
  const ever: Uint8Array[] = [];
  for (const [draw, seats] of drawn[1]!) {
    for (const a of seats) assert.ok(!inSet(ever, a), `draw ${draw}: nobody silent before is drawn again`);
    for (const a of new Set(seats.map(bytesToHex))) { const x = seats.find((y) => bytesToHex(y) === a)!; penalise(j1!, seats, x); ever.push(x); }
  }
  assert.ok(j1!.draws === 3 || ever.length === sim.validators.length, `${j1!.draws} committees: three, or the pool ran out`);
  assert.deepEqual(j1!.silent.map(bytesToHex), [...new Set(ever.map(bytesToHex))].sort());

  // money, exact
  assert.equal(sim.balance(solver.account.address), sim.feeAdjusted(solver.account.address) + BOUNTY, 'job 0 paid; job 1 bond back, no bounty');
  assert.equal(sim.balance(sim.submitter.address), sim.feeAdjusted(sim.submitter.address) - BOUNTY - seatPay(j0!, agree0), 'job 1 refunded whole');
  let burned = 0n;
  for (const v of sim.validators) {
    const pen = penalties.get(bytesToHex(v.address)) ?? 0n;
    burned += pen;
    assert.equal(stakeOf(sim, v.address), SIM_VALIDATOR_STAKE - pen, `${v.name} stake`);
    assert.equal(sim.balance(v.address), sim.feeAdjusted(v.address) + (inSet(agree0, v.address) ? seatPay(j0!, [v.address]) : 0n), `${v.name} balance`);
  }
  t.diagnostic(`job 0: ${j0!.draws} committee(s); job 1: ${j1!.draws} committees of ${[...drawn[1]!.values()].map((x) => new Set(x.map(bytesToHex)).size).join(', ')} members`);
  assert.ok(burned >= 480n * 5n, 'the silent seats of job 1 alone cost at least 5 penalties');
  assert.equal(sim.supply(), sim.genesisSupply - burned);
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
    const x = await duel({ kind: 'skip', segments: [3] }, { spec, salt: `short-last-${i}` });
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
