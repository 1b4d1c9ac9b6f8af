// The committee member's side of the dispute game, with the VerifierService running against the real
// vm (TestChain: every block built, re-applied from its bytes by a replica, every transaction must be
// accepted), real libp2p hosts, a real det training run recorded as the solver records it, the real
// replay worker and the chain's real det referee. The solver's moves come from its own JobDefence.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { chunkBytes, decodeState, encodeState, stepHashOfEncoding, validateSpec, type SyncTraceSink } from '../../ml-runtime/index.ts';
import { attestationDigest, DisputeKind, DisputeStage, DisputeWinner, disputeTermsFor, EventKind, JobOutcome, JobStatus, memberHashes, memberSegments, seatCount, segmentRange, UNAVAILABLE_DIGEST, type Job } from '../../vm/index.ts';
import { createP2pHost, type P2pHost } from '../p2p/index.ts';
import { DatasetRegistry, layoutOfSpec, registerJobChunkServer, type SolverArtifacts } from '../jobs/index.ts';
import { JobDefence } from '../solver/index.ts';
import { VerifierService, type VerifierOptions } from './index.ts';
import { loadAttestationRecord } from './attestation-records.ts';
import { daChunkFits } from './chain-chunks.ts';
import { TestChain, CHAIN_ID, PARAMS, type Acct } from '../../test/helpers/job-test-chain.ts';
import { DATA, SPEC, specBytes, terms, useDet } from '../../test/helpers/job-work.ts';
import { fakeStep } from '../../test/helpers/dispute-work.ts';
import { Outbox, digestInput, installReferee, jobView, reveal, solverChain, toAttesting } from '../../test/helpers/dispute-parties.ts';
import { bytesToHex, encodeAddress, equalBytes, merkleRoot } from '../../primitives/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'polchain-member-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// at the protocol floors: q = 16 draws (all 4 segments of SPEC sampled unless the beacon misses one), 5 seats
const TERMS = terms({
  q: 16, committeeSize: 5, windows: { accept: 3, commit: 5, challengeDelay: 2, open: 3, attest: 30, reveal: 4 },
  dispute: disputeTermsFor(SPEC, { window: 6, move: 4, bond: 700n, demandFee: 30n }),
});

/** The validators on the job's current committee, in the chain's validator order. */
const committeeOf = (c: TestChain, job: Job): Acct[] => c.validators.filter((v) => job.committee.some((m) => equalBytes(m.address, v.address)));

async function mkHost(t: TestContext): Promise<P2pHost> {
  const h = await createP2pHost({ chainId: CHAIN_ID, listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 100, redialMs: 0 });
  t.after(() => h.stop());
  return h;
}

/** A validator's verifier service whose transactions go into the outbox and which reads committed transactions back from it. */
function member(t: TestContext, c: TestChain, o: Outbox, v: Acct, host: P2pHost, workDir: string, over: Partial<VerifierOptions> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); cb(); } });
  const svc = new VerifierService({
    state: c.state, validatorAddress: v.address, validatorSeed: v.seed, host, logger: pino({ level: 'debug' }, sink), datasets: new DatasetRegistry(), workDir,
    submit: (raw) => o.push(raw, v.address), nextNonce: (a) => o.nonce(a), isPending: (h) => o.pending(h),
    getTx: (h) => o.committed.get(bytesToHex(h)), blockIntervalMs: 100, ...over,
  });
  t.after(() => svc.stop());
  return { svc, lines };
}

function solverDefence(c: TestChain, o: Outbox, art: SolverArtifacts): JobDefence {
  return new JobDefence({
    chain: solverChain(o, c.solver), address: encodeAddress(c.solver.address), chainId: CHAIN_ID, maxTxBytes: PARAMS.maxTxBytes, fee: 1n,
    log: pino({ level: 'silent' }), emit: () => undefined, artifacts: art, dataset: DATA,
    parentState: () => Promise.reject(new Error('no parent')), disputeMembers: false, onSent: () => undefined,
  });
}

/** Blocks every `ms` (each handed to the service as node.onBlock would), with the solver's defence between them, until `done`. */
async function run(c: TestChain, o: Outbox, svc: VerifierService, done: () => boolean, o2: { defence?: JobDefence; id?: Uint8Array; ms?: number; max?: number } = {}): Promise<number> {
  for (let n = 0; ; n++) {
    if (done()) return n;
    assert.ok(n < (o2.max ?? 60), 'the chain did not reach the wanted state in time');
    const r = o.block();
    svc.onBlock(r);
    if (o2.defence) await o2.defence.step(jobView(c, o2.id!));
    await sleep(o2.ms ?? 250);
  }
}

test('a member whose fetches from the solver fail demands the chunks on chain, takes them from the solver\'s DaChunk and attests the true digest; the job is paid', async (t) => {
  await useDet();
  const c = new TestChain('member-da-cut-1');
  const o = new Outbox(c);
  // the solver announced an address where nothing listens any more: every fetch is refused
  const gone = await createP2pHost({ chainId: CHAIN_ID, listen: ['/ip4/127.0.0.1/tcp/0'] });
  const daPeer = gone.peerId;
  const daAddrs = gone.multiaddrs();
  await gone.stop();
  const { id, art } = await toAttesting(c, o, { terms: TERMS, spec: SPEC, data: DATA, dir: join(tmp, `s${dirs++}`), daPeer, daAddrs });
  const job = c.job(id);
  // the member under test: one whose own segments (its seats' share) need an opened checkpoint
  const v = committeeOf(c, job).find((m) => memberSegments(job, m.address).some((j) => j > 0));
  assert.ok(v, `a committee member replays a segment > 0 of [${job.segments}] (the salt fixes them)`);
  const needed = memberSegments(job, v.address).filter((j) => j > 0);
  const others = committeeOf(c, job).filter((m) => m !== v);
  const input = await digestInput(art, job);
  for (const m of others) o.send(m, { kind: 'job-attest', jobId: id, digest: attestationDigest(id, m.address, input.h0, memberHashes(job, m.address, input)) });

  const workDir = join(tmp, `m${dirs++}`);
  const { svc, lines } = member(t, c, o, v, await mkHost(t), workDir);
  svc.start();
  const defence = solverDefence(c, o, art);
  await run(c, o, svc, () => c.job(id).attestations.some((a) => equalBytes(a.address, v.address)), { defence, id });

  const mine = c.job(id).attestations.find((a) => equalBytes(a.address, v.address))!;
  assert.deepEqual(mine.digest, attestationDigest(id, v.address, input.h0, memberHashes(job, v.address, input)), 'the replayed digest of its own segments, not UNAVAILABLE');
  const demands = c.job(id).demands;
  assert.deepEqual(demands.map((d) => [d.checkpoint, d.chunk]).sort(), needed.map((j) => [j, 0]).sort(), 'one demand per missing chunk');
  assert.ok(demands.every((d) => equalBytes(d.by, v.address) && d.answer.length === 32), 'each answered by the solver\'s DaChunk');
  const st = svc.stats();
  assert.deepEqual([st.verified, st.unavailable, st.demanded, st.chunksFromChain], [1, 0, needed.length, needed.length]);
  assert.ok(lines.some((l) => l.msg === 'verifier: demanded checkpoint chunks on chain'));
  assert.ok(lines.some((l) => l.msg === 'verifier: chunk taken from the solver\'s DaChunk on chain'));
  assert.ok(lines.some((l) => l.msg === 'verifier: checkpoint not fetched yet; retrying the solver and watching the chain' && l.code === 'DA_UNREACHABLE'));
  // the preimage is on disk for the dispute window
  const rec = await loadAttestationRecord(workDir, id, 1);
  assert.ok(rec && equalBytes(rec.digest, mine.digest));

  while (c.job(id).status === JobStatus.Attesting) o.block();
  await reveal(c, o, id, art);
  o.block();
  while (c.job(id).status === JobStatus.Provisional) o.block();
  const end = c.job(id);
  assert.deepEqual([end.status, end.outcome], [JobStatus.Finalized, JobOutcome.Paid], 'network trouble on the member\'s side cost the solver nothing');
  // nothing can dispute an ended job: its record goes at the next look (every 32 blocks)
  for (let i = 0; i < 32; i++) svc.onBlock(o.block());
  await svc.idle();
  assert.equal(await loadAttestationRecord(workDir, id, 1), null);
});

test('a member disputed by a solver that faked a step answers from its record after a restart, puts state_t and the batch on chain, and the referee proves it right', async (t) => {
  await useDet();
  const c = new TestChain('member-dispute-2');
  const o = new Outbox(c);
  const ref = await installReferee(c);
  const host = await mkHost(t);
  // the solver fakes state_1 and commits honestly to what it then trains from there
  const served: { art?: SolverArtifacts } = {};
  const solverHost = await mkHost(t);
  await registerJobChunkServer(solverHost, () => served.art, { access: 'public' });
  const { id, art } = await toAttesting(c, o, {
    terms: TERMS, spec: SPEC, data: DATA, dir: join(tmp, `s${dirs++}`), hooks: [fakeStep(0)],
    daPeer: solverHost.peerId, daAddrs: solverHost.multiaddrs().filter((a) => a.startsWith('/ip4/127.0.0.1/')),
  });
  served.art = art;
  const job = c.job(id);
  assert.ok(job.segments.includes(0), `segments [${job.segments}] include 0, where the fake is (the salt fixes them)`);
  // the member under test replays segment 0 (its seats' share covers it), so it catches the fake
  const v = committeeOf(c, job).find((m) => memberSegments(job, m.address).includes(0));
  assert.ok(v, 'a committee member replays segment 0');
  const workDir = join(tmp, `m${dirs++}`);
  const first = member(t, c, o, v, host, workDir);
  first.svc.start();
  await run(c, o, first.svc, () => c.job(id).attestations.length > 0);
  await first.svc.stop();
  const attested = c.job(id).attestations[0]!;
  assert.notDeepEqual(attested.digest, UNAVAILABLE_DIGEST);
  // the other members replay their own segments honestly: segment 0 from state_0 as v did (v's record),
  // any other from its opened checkpoint, from which the solver trained honestly (its hashes)
  const kept = (await loadAttestationRecord(workDir, id, 1))!;
  assert.deepEqual(kept.segments, memberSegments(job, v.address));
  const solverInput = await digestInput(art, job);
  const honest = { segments: job.segments.map((j, x) => (kept.segments.includes(j) ? kept.segmentHashes[kept.segments.indexOf(j)]! : solverInput.segments[x]!)) };
  for (const m of committeeOf(c, job).filter((x) => x !== v)) {
    o.send(m, { kind: 'job-attest', jobId: id, digest: attestationDigest(id, m.address, kept.h0, memberHashes(job, m.address, honest)) });
  }
  o.block();
  while (c.job(id).status === JobStatus.Attesting) o.block();
  await reveal(c, o, id, art);
  o.block();
  assert.deepEqual([c.job(id).status, c.job(id).verdict], [JobStatus.Provisional, JobOutcome.Mismatch]);

  // the cheat disputes the member that caught it; the node restarted meanwhile: a new service on the same data dir
  o.send(c.solver, { kind: 'dispute-open', jobId: id, target: 'attestation', segment: 0, member: v.address, hashes: [] });
  o.block();
  const again = member(t, c, o, v, host, workDir);
  again.svc.start();
  const balance = c.balance(v);
  await run(c, o, again.svc, () => c.job(id).disputes[0]!.stage !== DisputeStage.Respond);
  const d = c.job(id).disputes[0]!;
  assert.equal(d.kind, DisputeKind.Attestation);
  assert.equal(d.stage, DisputeStage.Referee, 'the preimage gave the attested digest (the vm checked it) and located the step');
  const rec = (await loadAttestationRecord(workDir, id, 1))!;
  assert.deepEqual(d.claim, [rec.h0, ...rec.segmentHashes.flat()]);
  assert.equal(d.step, 0, 'the fake is state_1: both agree on h_0');

  await run(c, o, again.svc, () => c.job(id).status !== JobStatus.Provisional);
  const end = c.job(id);
  assert.deepEqual([end.status, end.outcome], [JobStatus.Slashed, JobOutcome.Fraud]);
  const decided = end.disputes[0]!;
  assert.deepEqual([decided.winner, decided.reason], [DisputeWinner.Other, 'referee'], 'the referee ran: it had state_0 and the batch from the member');
  assert.equal(ref.calls.length, 2, 'once on the chain, once on its replica');
  assert.deepEqual(stepHashOfEncoding(id, 0, ref.calls[0]!.state), d.agreed, 'the member put state_t on chain');
  assert.deepEqual(ref.calls[0]!.samples.size, new Set(ref.calls[0]!.samples.keys()).size);
  const moves = again.svc.stats().disputeMoves;
  assert.ok(moves >= 3, `respond, state, samples: ${moves} transactions`);
  const got = c.balance(v) - balance;
  const award = o.blocks.flatMap((b) => b.blockEvents).filter((e) => e.kind === EventKind.DisputeAward && equalBytes(e.address, v.address));
  assert.ok(award.some((e) => e.amount === job.terms.dispute.bond), 'the cheat\'s bond');
  // fraud: half the solver's bond split among the members whose digest disagreed (those replaying
  // segment 0, all honest here), and the attest reward per seat to them (docs/committee.md)
  const caught = committeeOf(c, job).filter((m) => memberSegments(job, m.address).includes(0));
  const paidTo = (kind: number) => o.blocks.flatMap((b) => b.blockEvents).filter((e) => e.kind === kind && equalBytes(e.address, v.address)).map((e) => e.amount);
  assert.deepEqual(paidTo(EventKind.JobSlashShare), [job.terms.solverStake / 2n / BigInt(caught.length)]);
  assert.deepEqual(paidTo(EventKind.JobReward), [(job.terms.attestReward / BigInt(job.seats.length)) * BigInt(seatCount(job, v.address))]);
  assert.ok(got > job.terms.dispute.bond - BigInt(moves), `the member gained the bond and its share of the slash: ${got}`);
});

test('a solver that opens checkpoints whose chunks prove but hold no usable state: the members claim no hashes there (a real digest, not silence), the solver cannot win the dispute even with the true state, and is slashed', async (t) => {
  await useDet();
  const c = new TestChain('member-unusable-1');
  const o = new Outbox(c);
  const ref = await installReferee(c);
  const served: { art?: SolverArtifacts } = {};
  const solverHost = await mkHost(t);
  await registerJobChunkServer(solverHost, () => served.art, { access: 'public' });
  // The solver trains honestly and commits the true step hashes, but records other data under the chunk
  // roots of checkpoints 1 and 2: for 1 a state of the right step with one weight nudged (it decodes, and
  // hashes to something else than the opened h_3), for 2 the true encoding with its magic zeroed (it does
  // not decode). Every chunk it serves proves under what it opened.
  const truth = new Map<number, Uint8Array>();
  const garble = (w: SyncTraceSink): SyncTraceSink => ({
    addStepHash: (at, h) => w.addStepHash(at, h),
    addCheckpoint: (cp) => {
      const i = cp.step / SPEC.checkpointInterval;
      if (i !== 1 && i !== 2) return w.addCheckpoint(cp);
      truth.set(i, cp.bytes.slice());
      let bytes: Uint8Array = cp.bytes.slice();
      if (i === 1) {
        const s = decodeState(bytes, layoutOfSpec(SPEC));
        s.params[0]![0] = s.params[0]![0]! + 0.01;
        bytes = encodeState(s);
      } else bytes.fill(0, 0, 4);
      w.addCheckpoint({ ...cp, bytes, chunkRoot: merkleRoot(chunkBytes(bytes)) });
    },
  });
  const { id, art } = await toAttesting(c, o, {
    terms: TERMS, spec: SPEC, data: DATA, dir: join(tmp, `s${dirs++}`), sink: garble,
    daPeer: solverHost.peerId, daAddrs: solverHost.multiaddrs().filter((a) => a.startsWith('/ip4/127.0.0.1/')),
  });
  served.art = art;
  const job = c.job(id);
  assert.ok(job.segments.includes(1) && job.segments.includes(2), `segments [${job.segments}] include 1 and 2 (the salt fixes them)`);
  const opened1 = job.openings.find((x) => x.index === 1)!;
  assert.deepEqual(opened1.stepHash, stepHashOfEncoding(id, 3, truth.get(1)!), 'the opening names the true h_3');
  assert.notDeepEqual(opened1.chunkRoot, merkleRoot(chunkBytes(truth.get(1)!)), 'and a chunk root over other data');

  // every member whose segments start from checkpoint 1 or 2 runs the real verifier; the others attest the honest digest
  const input = await digestInput(art, job);
  const bad = (m: Acct) => memberSegments(job, m.address).some((j) => j === 1 || j === 2);
  const replaying = committeeOf(c, job).filter(bad);
  for (const m of committeeOf(c, job).filter((x) => !bad(x))) {
    o.send(m, { kind: 'job-attest', jobId: id, digest: attestationDigest(id, m.address, input.h0, memberHashes(job, m.address, input)) });
  }
  const members = await Promise.all(replaying.map(async (m) => ({ m, ...member(t, c, o, m, await mkHost(t), join(tmp, `m${dirs++}`)) })));
  for (const x of members) x.svc.start();
  const attested = (m: Acct) => c.job(id).attestations.some((a) => equalBytes(a.address, m.address));
  for (let n = 0; !replaying.every(attested); n++) {
    assert.ok(n < 60, 'the replaying members attested in time');
    const r = o.block();
    for (const x of members) x.svc.onBlock(r);
    await sleep(250);
  }

  // each claims 32 zero bytes for every step of a segment from an unusable checkpoint (as the job simulator does)
  const noHash = (j: number) => { const r = segmentRange(job, j); return Array.from({ length: r.to - r.from }, () => new Uint8Array(32)); };
  for (const x of members) {
    const claim = memberSegments(job, x.m.address).map((j) => (j === 1 || j === 2 ? noHash(j) : input.segments[job.segments.indexOf(j)]!));
    const got = c.job(id).attestations.find((a) => equalBytes(a.address, x.m.address))!.digest;
    assert.notDeepEqual(got, UNAVAILABLE_DIGEST, 'available data is never UNAVAILABLE');
    assert.deepEqual(got, attestationDigest(id, x.m.address, input.h0, claim), 'h0 and its segments, no hashes for the unusable ones');
    const st = x.svc.stats();
    assert.deepEqual([st.verified, st.unavailable, st.demanded, st.unusable], [1, 0, 0, memberSegments(job, x.m.address).filter((j) => j === 1 || j === 2).length]);
    assert.ok(x.lines.some((l) => l.msg === 'verifier: the opened checkpoint is proven under its chunk root but is not a usable state; claiming no hashes for its segment'));
  }
  assert.equal(c.job(id).demands.length, 0, 'nothing to demand: the data was served and proven');

  while (c.job(id).status === JobStatus.Attesting) o.block();
  const events = () => o.blocks.flatMap((b) => b.blockEvents);
  assert.equal(c.job(id).status, JobStatus.Revealing, 'a quorum of real digests');
  assert.deepEqual(events().filter((e) => e.kind === EventKind.LivenessPenalty), [], 'nobody was silent');
  await reveal(c, o, id, art);
  o.block();
  assert.deepEqual([c.job(id).status, c.job(id).verdict], [JobStatus.Provisional, JobOutcome.Mismatch]);

  // the solver disputes the member that claimed no hashes from checkpoint 1, and answers the referee with
  // the true state_3, which hashes to the opening: the chain refuses it, it is not the state the chunks hold
  const v = members.find((x) => memberSegments(job, x.m.address).includes(1))!;
  o.send(c.solver, { kind: 'dispute-open', jobId: id, target: 'attestation', segment: 0, member: v.m.address, hashes: [] });
  o.block();
  for (let n = 0; c.job(id).disputes[0]!.stage === DisputeStage.Respond; n++) {
    assert.ok(n < 20, 'the member answered');
    const r = o.block();
    for (const x of members) x.svc.onBlock(r);
    await sleep(250);
  }
  const d = c.job(id).disputes[0]!;
  const first = memberSegments(job, v.m.address).find((j) => j === 1 || j === 2)!;
  assert.equal(d.stage, DisputeStage.Referee, 'the member answered with its preimage, zeros included');
  assert.equal(d.step, segmentRange(job, first).from, 'the parties part at the first step of the unusable segment');
  const supply = (bytes: Uint8Array) => ({ kind: 'state-supply' as const, jobId: id, dispute: 0, offset: 0, total: bytes.length, bytes });
  assert.equal(c.rejection(c.solver, supply(truth.get(first)!)), 'DISPUTE_SUPPLY_INVALID', 'the true state is not under the opened chunk root');
  const garbage = await art.checkpointBytes(first);
  assert.equal(c.rejection(c.solver, supply(garbage)), 'DISPUTE_SUPPLY_INVALID', 'the opened data does not hash to the opening');

  for (let n = 0; c.job(id).status === JobStatus.Provisional; n++) {
    assert.ok(n < 20, 'the dispute ended');
    const r = o.block();
    for (const x of members) x.svc.onBlock(r);
    await sleep(100);
  }
  const end = c.job(id);
  assert.deepEqual([end.status, end.outcome], [JobStatus.Slashed, JobOutcome.Fraud]);
  assert.deepEqual([end.disputes[0]!.winner, end.disputes[0]!.reason], [DisputeWinner.Other, 'no-state']);
  assert.equal(ref.calls.length, 0, 'nobody could put a state on chain: no referee step ran');
  assert.equal(v.svc.stats().disputeMoves, 1, 'the member answered and sent nothing it cannot prove');
  assert.ok(v.lines.some((l) => l.msg === 'verifier: the disputed step starts a checkpoint that was no usable state; nothing to supply, the solver side loses at the deadline'));
  // fraud: the solver's dispute bond to the member, half the solver's stake split among the members whose
  // digest disagreed (those replaying from checkpoint 1 or 2), and the attest reward per seat to them
  const to = (kind: number, a: Acct) => events().filter((e) => e.kind === kind && equalBytes(e.address, a.address)).map((e) => e.amount);
  assert.deepEqual(to(EventKind.DisputeAward, v.m), [job.terms.dispute.bond]);
  for (const m of committeeOf(c, job)) {
    const caught = replaying.includes(m);
    assert.deepEqual(to(EventKind.JobSlashShare, m), caught ? [job.terms.solverStake / 2n / BigInt(replaying.length)] : [], 'slash share');
    assert.deepEqual(to(EventKind.JobReward, m), caught ? [(job.terms.attestReward / BigInt(job.seats.length)) * BigInt(seatCount(job, m.address))] : [], 'reward per seat');
  }
  assert.deepEqual(events().filter((e) => e.kind === EventKind.LivenessPenalty), []);
});

test('a chunk whose DaChunk answer cannot fit the transaction limit is not demanded (it would slash an honest solver)', () => {
  const big = validateSpec({ ...SPEC, inputShape: [784], layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }], loss: 'categorical_crossentropy' });
  const job = (spec: typeof SPEC) => ({ id: new Uint8Array(32), terms: terms({ spec: specBytes(spec) }), divergedAt: 0 });
  assert.equal(daChunkFits(job(SPEC), 1, 0, PARAMS.maxTxBytes, CHAIN_ID), true, 'a small state is one short chunk');
  assert.equal(daChunkFits(job(big), 1, 0, PARAMS.maxTxBytes, CHAIN_ID), false, 'a full 64 KiB chunk and its proofs exceed 64 KiB');
  assert.equal(daChunkFits(job(big), 1, 0, 70_000, CHAIN_ID), true);
});
