// The solver's side of the dispute game (JobDefence) against the real vm (TestChain: every block is
// built, re-applied from its bytes by a replica and must be accepted whole), with a real det training
// run recorded by the artifact writer, as the solver's training writes it. The job reaches JobDefence
// as job_get shows it (dispute progress as counts). Where a dispute reaches the referee, it is the
// chain's real det referee (ml-runtime/referee), recorded so the test can check what it was given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createTrainer, encodeSample, segmentBounds, stepHash, stepHashOfEncoding, trainStep, validateSpec } from '../../ml-runtime/index.ts';
import { attestationDigest, batchNeeded, memberHashes, decodeTx, DisputeKind, DisputeStage, DisputeWinner, JobOutcome, JobStatus, type Job } from '../../vm/index.ts';
import { JobDefence, disputeEarnings, formatEvent, parseJobView, trainJob, type SolverEvent } from './index.ts';
import { SolverArtifacts, solverStateAt, statePieces } from '../jobs/index.ts';
import { TestChain, PARAMS, CHAIN_ID } from '../../test/helpers/job-test-chain.ts';
import { DATA, SPEC, specBytes, terms, useDet } from '../../test/helpers/job-work.ts';
import { disputeTermsFor } from '../../vm/index.ts';
import { Outbox, digestInput, installReferee, jobView, reveal, solverChain, toAttesting } from '../../test/helpers/dispute-parties.ts';
import { encodeAddress, equalBytes } from '../../primitives/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'polchain-defence-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;

// 20 segments: with the protocol's q = 16 draws some segment is always left unsampled, for a dispute to reach
const WIDE = validateSpec({ ...SPEC, steps: 40, checkpointInterval: 2 });
const TERMS = () => terms({
  spec: specBytes(WIDE), windows: { accept: 3, commit: 5, challengeDelay: 2, open: 3, attest: 6, reveal: 4 },
  dispute: disputeTermsFor(WIDE, { window: 8, move: 3, bond: 700n, demandFee: 30n }),
});

function defence(c: TestChain, o: Outbox, art: SolverArtifacts, over: { maxTxBytes?: number; events?: SolverEvent[] } = {}): JobDefence {
  return new JobDefence({
    chain: solverChain(o, c.solver), address: encodeAddress(c.solver.address), chainId: CHAIN_ID, maxTxBytes: over.maxTxBytes ?? PARAMS.maxTxBytes, fee: 1n,
    log: pino({ level: 'silent' }), emit: (e) => over.events?.push(e), artifacts: art, dataset: DATA,
    parentState: () => Promise.reject(new Error('no parent')), disputeMembers: true, onSent: () => undefined,
  });
}

/** A job whose committee attested honestly and whose solver revealed: returns with it provisional. */
async function provisional(c: TestChain, o: Outbox): Promise<{ id: Uint8Array; art: SolverArtifacts }> {
  const { id, art } = await toAttesting(c, o, { terms: TERMS(), spec: WIDE, data: DATA, dir: join(tmp, `s${dirs++}`) });
  const job = c.job(id);
  const input = await digestInput(art, job);
  for (const m of job.committee) {
    const v = c.validators.find((x) => equalBytes(x.address, m.address))!;
    o.send(v, { kind: 'job-attest', jobId: id, digest: attestationDigest(id, v.address, input.h0, memberHashes(job, v.address, input)) });
  }
  o.block();
  while (c.job(id).status !== JobStatus.Revealing) o.block();
  await reveal(c, o, id, art);
  o.block();
  assert.equal(c.job(id).status, JobStatus.Provisional);
  assert.equal(c.job(id).verdict, JobOutcome.Paid);
  return { id, art };
}

const unsampled = (job: Job) => Array.from({ length: WIDE.steps / WIDE.checkpointInterval }, (_, j) => j).find((j) => j > 0 && !job.segments.includes(j))!;

/** A challenger's false claim over segment j: the solver's hashes with h_{from + at} changed. */
async function falseClaim(art: SolverArtifacts, job: Job, j: number, at: number): Promise<Uint8Array[]> {
  const r = segmentBounds(art.T, art.k, j);
  const hs = (await art.stepHashes(r.from, r.to)).map((h) => h.slice());
  hs[at]![0]! ^= 1;
  return hs;
}

test('a disputed segment: the solver answers with a range proof the vm accepts, then puts state_t and the batch on chain in pieces; the challenger\'s bond is the solver\'s', async () => {
  await useDet();
  const c = new TestChain('defence-respond');
  const o = new Outbox(c);
  const ref = await installReferee(c);
  const { id, art } = await provisional(c, o);
  const job = c.job(id);
  const j = unsampled(job);
  const r = segmentBounds(art.T, art.k, j);
  o.send(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: j, member: null, hashes: await falseClaim(art, job, j, 2) });
  o.block();
  assert.equal(c.job(id).disputes[0]!.stage, DisputeStage.Respond, 'an unsampled segment waits for the solver\'s hashes');

  // a small transaction limit: the state and the batch take several transactions each, all in one block
  const events: SolverEvent[] = [];
  const d = defence(c, o, art, { maxTxBytes: 700, events });
  await d.step(jobView(c, id));
  assert.deepEqual(o.kinds((raw) => decodeTx(raw, 1 << 20).body.payload.kind), ['dispute-respond']);
  o.block(); // TestChain: every transaction accepted, the replica agrees
  const located = c.job(id).disputes[0]!;
  assert.equal(located.stage, DisputeStage.Referee, 'the range proof under traceRoot was accepted');
  assert.equal(located.step, r.from + 1, 'the first differing hash is h_{from+2}: the referee runs step from+1');
  assert.deepEqual(located.agreed, (await art.stepHashes(r.from + 1, r.from + 1))[0]);

  await d.step(jobView(c, id));
  const kinds = o.kinds((raw) => decodeTx(raw, 1 << 20).body.payload.kind);
  const pieces = kinds.filter((k) => k === 'state-supply').length;
  const batches = kinds.filter((k) => k === 'sample-supply').length;
  assert.ok(pieces >= 2 && batches >= 2, `state in ${pieces} pieces, batch in ${batches} transactions`);
  assert.equal(pieces, statePieces(CHAIN_ID, id, 0, new Uint8Array(await art.checkpointBytes(0)).fill(0), 700).length);
  assert.deepEqual(kinds, [...Array(pieces).fill('state-supply'), ...Array(batches).fill('sample-supply')], 'the state in order, then the batch');
  const before = c.balance(c.solver);
  o.block();

  // the block applied every piece in order (the last one is accepted only if the state hashes to the
  // agreed h_t); with the batch complete the referee ran in the same block's tick (on the chain and its replica)
  assert.equal(ref.calls.length, 2);
  const call = ref.calls[0]!;
  assert.deepEqual(ref.calls[1], call);
  assert.equal(call.t, r.from + 1);
  assert.deepEqual(stepHashOfEncoding(id, r.from + 1, call.state), located.agreed, 'the state on chain is state_t');
  assert.deepEqual([...call.samples.keys()].sort((a, b) => a - b), batchNeeded(job, r.from + 1), 'the whole batch');
  for (const [i, bytes] of call.samples) assert.deepEqual(bytes, encodeSample(DATA, i));
  const done = c.job(id).disputes[0]!;
  assert.deepEqual([done.stage, done.winner, done.reason], [DisputeStage.Resolved, DisputeWinner.Solver, 'referee']);
  assert.equal(c.balance(c.solver) - before, job.terms.dispute.bond - BigInt(pieces + batches), 'the challenger\'s bond, less the fees of the moves');

  await d.step(jobView(c, id));
  assert.equal(o.size, 0, 'nothing more to send');
  const moves = events.filter((e) => e.type === 'dispute-move').map((e) => (e as Extract<SolverEvent, { type: 'dispute-move' }>).move);
  assert.deepEqual(moves, ['respond', 'state', 'samples']);
  const resolved = events.find((e) => e.type === 'dispute-resolved') as Extract<SolverEvent, { type: 'dispute-resolved' }>;
  assert.deepEqual([resolved.won, resolved.reason, resolved.bond], [true, 'referee', job.terms.dispute.bond]);
  while (c.job(id).status === JobStatus.Provisional) o.block();
  assert.deepEqual([c.job(id).status, c.job(id).outcome], [JobStatus.Finalized, JobOutcome.Paid]);
});

test('an availability demand is answered with the chunk and both proofs; the demander pays the fee, the job is not slashed', async () => {
  await useDet();
  const c = new TestChain('defence-demand');
  const o = new Outbox(c);
  const { id, art } = await provisional(c, o);
  const job = c.job(id);
  o.send(c.other, { kind: 'da-demand', jobId: id, checkpoint: 2, chunk: 0 });
  o.send(c.validators[1]!, { kind: 'da-demand', jobId: id, checkpoint: 2, chunk: 0 });
  o.block();
  const events: SolverEvent[] = [];
  const d = defence(c, o, art, { events });
  const before = c.balance(c.solver);
  await d.step(jobView(c, id));
  assert.deepEqual(o.kinds((raw) => decodeTx(raw, 1 << 20).body.payload.kind), ['da-chunk'], 'one transaction answers both demands');
  o.block();
  const answered = c.job(id).demands;
  assert.ok(answered.every((x) => x.answer.length === 32 && equalBytes(x.answer, answered[0]!.answer)));
  assert.equal(c.balance(c.solver) - before, 2n * job.terms.dispute.demandFee - 1n, 'two demand fees, less the fee of the answer');
  await d.step(jobView(c, id));
  assert.equal(o.size, 0, 'an answered demand is not answered again');
  const ev = events.find((e) => e.type === 'demand-answered') as Extract<SolverEvent, { type: 'demand-answered' }>;
  assert.deepEqual([ev.checkpoint, ev.chunk, ev.demands], [2, 0, 2]);
  while (c.job(id).status === JobStatus.Provisional) o.block();
  assert.deepEqual([c.job(id).status, c.job(id).outcome], [JobStatus.Finalized, JobOutcome.Paid]);
});

test('a run that becomes non-finite is recorded as its prefix, committed with JobDiverge, and the solver supplies state_t for the proof; the job ends diverged', async () => {
  await useDet();
  // lr 30 overflows this regression model within a few steps for any seed
  const hot = validateSpec({ ...SPEC, optimizer: { type: 'sgd', learningRate: 30 } });
  const c = new TestChain('defence-diverge');
  const o = new Outbox(c);
  const ref = await installReferee(c);
  o.send(c.submitter, { kind: 'job-submit', terms: { ...TERMS(), spec: specBytes(hot) } });
  const id = o.block().txHashes[0]!;
  o.send(c.solver, { kind: 'job-accept', jobId: id, daPeer: '12D3KooWtestpeer', daAddrs: [] });
  o.block();
  while (c.job(id).status !== JobStatus.Training) o.block();
  const job = c.job(id);

  // the solver's own training path: trainJob streaming into the artifact writer
  const w = SolverArtifacts.create(join(tmp, `s${dirs++}`), { jobId: id, specJson: new TextDecoder().decode(job.terms.spec), datasetRoot: job.terms.datasetRoot, seed: job.seed! });
  const res = await trainJob({ spec: hot, dataset: DATA, jobId: id, seed: job.seed!, sink: w });
  const art = await w.finish();
  const t = res.divergedAt!;
  assert.ok(t >= 1 && t < hot.steps, `diverged after step ${t}`);
  assert.match(res.divergence!, /non-finite/);
  assert.deepEqual([art.T, art.divergedAt], [t, t]);
  assert.deepEqual(art.checkpoints.map((x) => x.step), [...Array(Math.ceil(t / hot.checkpointInterval)).keys()].map((i) => i * hot.checkpointInterval).concat(t), 'checkpoints at min(i·k, t)');
  assert.deepEqual(art.commitment().traceRoot, res.traceRoot);
  assert.deepEqual(art.commitment().checkpointsRoot, res.checkpointsRoot);
  // state_t is really where the run stops: one more step is non-finite
  const last = await solverStateAt(art, DATA, t);
  assert.deepEqual(stepHash(id, last.state), art.commitment().finalStepHash);
  assert.throws(() => trainStep(createTrainer(hot, DATA, job.seed!), last.state), /non-finite/);

  o.send(c.solver, { kind: 'job-diverge', jobId: id, step: t, ...art.commitment() });
  o.block();
  assert.equal(c.job(id).status, JobStatus.Diverging);
  const d = defence(c, o, art);
  await d.step(jobView(c, id));
  o.block();
  assert.equal(ref.calls.length, 2, 'state_t and the batch were on chain: the referee ran (chain and replica)');
  assert.deepEqual(stepHashOfEncoding(id, t, ref.calls[0]!.state), art.commitment().finalStepHash);
  assert.deepEqual([c.job(id).status, c.job(id).verdict], [JobStatus.Provisional, JobOutcome.Diverged]);
  assert.equal(c.job(id).disputes[0]!.winner, DisputeWinner.Solver);
  // a demand against the diverged prefix is answered from the cut record
  o.send(c.other, { kind: 'da-demand', jobId: id, checkpoint: art.checkpoints.length - 1, chunk: 0 });
  o.block();
  await d.step(jobView(c, id));
  o.block();
  assert.equal(c.job(id).demands[0]!.answer.length, 32);
  const before = c.balance(c.solver);
  while (c.job(id).status === JobStatus.Provisional) o.block();
  assert.deepEqual([c.job(id).status, c.job(id).outcome], [JobStatus.Diverged, JobOutcome.Diverged]);
  const fee = (job.terms.bounty * BigInt(t)) / (2n * BigInt(hot.steps));
  assert.equal(c.balance(c.solver) - before, job.terms.solverStake + fee, 'bond back and floor(bounty·t / 2T)');
});

test('a respond move that cannot fit a transaction is reported once, not retried', async () => {
  await useDet();
  const c = new TestChain('defence-too-large');
  const o = new Outbox(c);
  const { id, art } = await provisional(c, o);
  const job = c.job(id);
  const j = unsampled(job);
  o.send(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: j, member: null, hashes: await falseClaim(art, job, j, 1) });
  o.block();
  const events: SolverEvent[] = [];
  const d = defence(c, o, art, { maxTxBytes: 200, events });
  await d.step(jobView(c, id));
  await d.step(jobView(c, id));
  assert.equal(o.size, 0);
  const errors = events.filter((e) => e.type === 'error');
  assert.equal(errors.length, 1);
  assert.match((errors[0] as { message: string }).message, /dispute-respond transaction is \d+ bytes; the limit is 200/);
});

test('job_get\'s disputes and demands (names or tags, counts or indices) parse into the views the defence plays from; earnings count what the game moved', () => {
  const solver = encodeAddress(new Uint8Array(20).fill(2));
  const other = encodeAddress(new Uint8Array(20).fill(3));
  const raw = {
    id: '0x' + '11'.repeat(32), status: 'provisional', submitter: other, solver, deadline: '40', height: '30', verdict: 'paid', windowEnd: '40', divergedAt: null,
    terms: { specJson: JSON.stringify(SPEC), runtime: 'det-1', datasetRoot: '0x' + '22'.repeat(32), datasetSize: 800, solverStake: '5000', bounty: '10000', dispute: { window: 8, move: 3, bond: '700', demandFee: '30' } },
    disputes: [
      { index: 0, kind: 'solver', by: other, member: null, segment: 2, bond: '700', stage: 'resolved', deadline: null, step: 7, winner: 'solver', reason: 'referee', supplies: [], samples: { received: 0, needed: null } },
      { index: 1, kind: 2, by: solver, member: '0x' + '44'.repeat(20), segment: null, bond: '700', stage: 2, deadline: '33', step: 4, winner: null, reason: null,
        supplies: [{ party: solver, total: 709, received: 300 }], samples: { received: 5, needed: 20 } },
      { index: 2, kind: 'attestation', by: solver, member: other, segment: null, bond: '700', stage: 'resolved', deadline: null, step: -1, winner: 'other', reason: 'referee', supplies: [], samples: { received: 0, needed: null } },
    ],
    demands: [
      { index: 0, by: other, checkpoint: 2, chunk: 0, fee: '30', height: '20', deadline: '23', answer: '0x' + 'ab'.repeat(32) },
      { index: 1, by: other, checkpoint: 3, chunk: 0, fee: '30', height: '20', deadline: '23', answer: null },
    ],
  };
  const v = parseJobView(raw);
  assert.deepEqual([v.status, v.verdict, v.windowEnd, v.divergedAt, v.terms.dispute?.bond], ['provisional', 'paid', 40n, 0, 700n]);
  const [a, b] = v.disputes;
  assert.deepEqual([a!.kind, a!.stage, a!.winner, a!.deadline, a!.samples], ['solver', 'resolved', 'solver', 0n, null]);
  assert.deepEqual([b!.kind, b!.stage, b!.winner, b!.step, b!.member, b!.samplesReceived, b!.samplesNeeded], ['attestation', 'referee', 'none', 4, encodeAddress(new Uint8Array(20).fill(0x44)), 5, 20]);
  assert.deepEqual(b!.supplies, [{ party: solver, total: 709, received: 300 }]);
  assert.deepEqual(v.demands.map((x) => [x.checkpoint, x.answer === null]), [[2, false], [3, true]]);
  assert.throws(() => parseJobView({ ...raw, disputes: [{ ...raw.disputes[0], kind: 'bogus' }] }), /disputes\[0\]\.kind: unknown value "bogus"/);
  const e = disputeEarnings(v, solver, new Set(['0x' + 'ab'.repeat(32)]));
  assert.deepEqual(e, { won: 1, lost: 1, bondsWon: 700n, bondsLost: 700n, membersSlashed: 0, demandsAnswered: 1, demandFees: 30n });
  assert.equal(formatEvent({ type: 'dispute-resolved', jobId: v.idHex, dispute: 0, kind: 'solver', won: true, reason: 'referee', bond: 700n }), 'dispute 0 (solver) won (referee), bond 700');
  assert.equal(formatEvent({ type: 'dispute-move', jobId: v.idHex, dispute: 1, kind: 'attestation', move: 'state', step: 4, txs: 2, bytes: 900 }), 'dispute 1 (attestation): put state_4 on chain in 2 transactions (900 bytes)');
});
