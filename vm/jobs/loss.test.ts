// Committed loss curves on the real vm with real training and the det referee (docs/jobs.md §1.1):
// an honest curve is committed and paid, a loss lied about (every hash honest) fails the committee's
// digests and loses the dispute at the referee, and loss leaves that do not match the root are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisputeKind, DisputeStage, DisputeWinner, JobStatus, decodeJob, decodeTx, encodeJob, encodeTx, signTx, memberSegments, type Job } from '../index.ts';
import { createDetReferee, lossLeaves, lossRoot, lossesOfBits } from '../../ml-runtime/index.ts';
import { TestChain, CHAIN_ID, FEE, type Acct } from '../../test/helpers/job-test-chain.ts';
import { submit, acceptAndTrain, openAndAttest, hasEnded } from '../../test/helpers/job-flow.ts';
import { K, T, useDet } from '../../test/helpers/job-work.ts';
import { supplyState } from '../../test/helpers/dispute-work.ts';
import { claimDigest, commitWithLoss, committedLosses, lossJobToReveal, replayClaims, revealWithLoss } from '../../test/helpers/loss-work.ts';
import { equalBytes } from '../../primitives/index.ts';

await useDet();
const referee = createDetReferee();

function chain(salt = ''): TestChain {
  return new TestChain(salt).withReferee(referee);
}
const members = (c: TestChain, j: Job): Acct[] => c.validators.filter((v) => j.committee.some((m) => equalBytes(m.address, v.address)));

const toReveal = (c: TestChain, lie?: (segments: number[]) => ReadonlyMap<number, number>) => lossJobToReveal(c, chain, lie);

test('an honest loss curve is committed under the TraceCommit (tx version 2), revealed with proofs and paid', () => {
  const c = chain('loss-honest');
  const { id, work, losses } = toReveal(c);
  let job = c.job(id);
  assert.ok(job.commitment!.lossRoot, 'the job keeps the loss root');
  assert.deepEqual(job.commitment!.lossRoot, lossRoot(work.trace.losses, T, K));
  assert.ok(work.trace.losses.every((l) => Number.isFinite(l) && l > 0), 'real batch losses');
  const raw = c.tx(c.solver, revealWithLoss(job, work, losses));
  assert.equal(decodeTx(raw, 1 << 20).body.payload.kind, 'job-reveal');
  assert.equal(raw[1], 2, 'a reveal with loss leaves is tx version 2');
  c.block([raw]);
  job = c.job(id);
  assert.equal(job.verdict, 'paid', 'every honest member recomputed the same losses');
  for (const j of job.segments) {
    const rv = job.reveals.find((x) => x.from === j * K)!;
    assert.deepEqual(lossesOfBits(rv.losses!), work.trace.losses.slice(j * K, Math.min((j + 1) * K, T)), `segment ${j}'s committed losses`);
  }
  c.until(id, hasEnded);
  assert.equal(c.job(id).status, JobStatus.Finalized);
  // the state keeps the loss root and the revealed leaves; without them the encoding is shorter by
  // exactly their bytes (bin 32 = 34, each leaf bin 8 + 2): nothing else in a job's encoding changed
  const end = c.job(id);
  assert.deepEqual(decodeJob(encodeJob(end)), end);
  const plain: Job = { ...end, commitment: { ...end.commitment!, lossRoot: null }, reveals: end.reveals.map((r) => ({ from: r.from, hashes: r.hashes })) };
  assert.equal(encodeJob(plain).length, encodeJob(end).length - 34 - end.reveals.filter((r) => r.losses).reduce((n, r) => n + r.losses!.length + 2, 0));
  assert.equal(decodeJob(encodeJob(plain)).commitment!.lossRoot, undefined);
});

test('loss leaves that do not match the committed root are refused with a typed error and change nothing', () => {
  const c = chain('loss-refused');
  const { id, work, losses } = toReveal(c);
  const job = c.job(id);
  const wrong = losses.map((l, t) => (t === job.segments[0]! * K ? l * 2 : l));
  assert.equal(c.rejection(c.solver, revealWithLoss(job, work, wrong)), 'JOB_PROOF_INVALID');
  // a reveal without its loss leaves cannot be judged: refused as well
  assert.equal(c.rejection(c.solver, work.reveal(job)), 'JOB_REVEAL_INVALID', 'a plain reveal of a loss-committed job gives no digest input');
  assert.equal(c.job(id).reveals.length, 0);
  assert.equal(c.job(id).status, JobStatus.Revealing);
  // a loss leaf for a job that committed none
  const legacy = chain('loss-legacy');
  const lid = submit(legacy);
  const lw = acceptAndTrain(legacy, lid);
  legacy.block([legacy.tx(legacy.solver, lw.commit())]);
  legacy.until(lid, (j) => j.status === JobStatus.Challenged);
  assert.equal(legacy.job(lid).commitment!.lossRoot ?? null, null, 'a version-1 TraceCommit commits no loss root');
  openAndAttest(legacy, lid, lw, (j) => members(legacy, j));
  assert.equal(legacy.rejection(legacy.solver, revealWithLoss(legacy.job(lid), lw, lw.trace.losses)), 'JOB_REVEAL_INVALID');
  legacy.block([legacy.tx(legacy.solver, lw.reveal(legacy.job(lid)))]);
  assert.equal(legacy.job(lid).verdict, 'paid', 'a job without a loss root is judged on hashes as before');
});

test('the tx envelope version follows the payload: a loss root in version 1 or none in version 2 is malformed', () => {
  const c = chain('loss-codec');
  const seed = c.solver.seed;
  const h = new Uint8Array(32).fill(3);
  const body = { chainId: CHAIN_ID, nonce: 0n, fee: FEE, payload: { kind: 'trace-commit' as const, jobId: h, traceRoot: h, checkpointsRoot: h, finalChunkRoot: h, finalStepHash: h, lossRoot: h } };
  const raw = encodeTx(signTx(body, seed));
  assert.equal(raw[1], 2);
  assert.deepEqual(decodeTx(raw, 4096).body.payload, body.payload);
  const v1 = raw.slice(); v1[1] = 1;
  assert.throws(() => decodeTx(v1, 4096), (e: { code?: string }) => e.code === 'TX_MALFORMED');
  const plain = encodeTx(signTx({ ...body, payload: { ...body.payload, lossRoot: null } }, seed));
  assert.equal(plain[1], 1, 'no loss root: the version-1 bytes of before');
  const v2 = plain.slice(); v2[1] = 2;
  assert.throws(() => decodeTx(v2, 4096), (e: { code?: string }) => e.code === 'TX_MALFORMED');
});

test('a solver that lies about one loss (every hash honest) fails the committee and loses the dispute at the referee', () => {
  const c = chain('loss-liar');
  const lieAt = (segments: number[]) => new Map([[segments[0]! * K + 1, 0.001]]);
  const { id, work, losses, replayed } = toReveal(c, lieAt);
  let job = c.job(id);
  const t = job.segments[0]! * K + 1;
  assert.notEqual(losses[t], work.trace.losses[t], 'the committed loss of step t is not the trained one');
  assert.deepEqual(losses.filter((_, i) => i !== t), work.trace.losses.filter((_, i) => i !== t));
  c.block([c.tx(c.solver, revealWithLoss(job, work, losses))]);
  job = c.job(id);
  assert.equal(job.verdict, 'mismatch', 'the members who replayed step t recomputed another loss: their attestations fail the revealed curve');
  // the solver disputes the attestation of the member that replayed step t; the member shows its preimage
  const m = members(c, job).find((v) => memberSegments(job, v.address).includes(job.segments[0]!))!;
  c.block([c.tx(c.solver, { kind: 'dispute-open', jobId: id, target: 'attestation', segment: 0, member: m.address, hashes: [] })]);
  c.block([c.tx(m, { kind: 'dispute-respond', jobId: id, dispute: 0, hashes: claimDigest(job, m.address, replayed).preimage, siblings: [] })]);
  job = c.job(id);
  const d = job.disputes[0]!;
  assert.equal(d.kind, DisputeKind.Attestation);
  assert.equal(d.stage, DisputeStage.Referee);
  assert.equal(d.step, t, 'located at the step whose loss differs (the hashes all agree)');
  supplyState(c, c.solver, job, 0, work.stateAt(t));
  job = c.job(id);
  assert.equal(job.disputes[0]!.winner, DisputeWinner.Other, 'the referee recomputed loss_t and ruled against the solver');
  assert.equal(job.disputes[0]!.reason, 'referee');
  assert.equal(job.status, JobStatus.Slashed);
  assert.equal(job.outcome, 'fraud');
});

test('a member that attests a wrong loss against an honest solver is proven wrong by the referee: the solver is paid, the member slashed', () => {
  let job: Job;
  const c2 = chain('loss-lying-member');
  const id2 = submit(c2);
  const w2 = acceptAndTrain(c2, id2);
  c2.block([c2.tx(c2.solver, commitWithLoss(w2, committedLosses(w2)))]);
  c2.until(id2, (j) => j.status === JobStatus.Challenged);
  c2.block([c2.tx(c2.solver, w2.open(c2.job(id2)))]);
  job = c2.job(id2);
  const ms = members(c2, job);
  const liar = ms.find((v) => memberSegments(job, v.address).length > 0)!;
  const t = memberSegments(job, liar.address)[0]! * K + 1;
  const honest = replayClaims(job, w2);
  const lie = replayClaims(job, w2, new Map([[t, 123.5]]));
  c2.block(ms.map((m) => c2.tx(m, { kind: 'job-attest', jobId: id2, digest: claimDigest(job, m.address, m === liar ? lie : honest).digest })));
  c2.until(id2, (j) => j.status === JobStatus.Revealing);
  c2.block([c2.tx(c2.solver, revealWithLoss(c2.job(id2), w2, committedLosses(w2)))]);
  assert.equal(c2.job(id2).verdict, 'mismatch', 'one member\'s claims differ from the revealed curve');
  c2.block([c2.tx(c2.solver, { kind: 'dispute-open', jobId: id2, target: 'attestation', segment: 0, member: liar.address, hashes: [] })]);
  c2.block([c2.tx(liar, { kind: 'dispute-respond', jobId: id2, dispute: 0, hashes: claimDigest(job, liar.address, lie).preimage, siblings: [] })]);
  assert.equal(c2.job(id2).disputes[0]!.step, t, 'located at the loss the member lied about');
  const stake = c2.state.getValidator(liar.address)!.stake;
  supplyState(c2, c2.solver, c2.job(id2), 0, w2.stateAt(t));
  job = c2.job(id2);
  assert.equal(job.disputes[0]!.winner, DisputeWinner.Solver, 'the referee\'s loss_t is the solver\'s');
  assert.equal(c2.state.getValidator(liar.address)!.stake, stake - (stake * 500n) / 10_000n, 'the lying member loses 5% of its stake');
  c2.until(id2, hasEnded);
  assert.equal(c2.job(id2).status, JobStatus.Finalized, 'judged again without the member proven wrong: paid');
});

test('the loss root is a Merkle root over one f32be leaf per segment', () => {
  const ls = Array.from({ length: T }, (_, i) => 1 / (i + 1));
  const leaves = lossLeaves(ls, T, K);
  assert.equal(leaves.length, Math.ceil(T / K));
  assert.deepEqual(lossesOfBits(leaves[1]!), ls.slice(K, 2 * K).map(Math.fround));
  assert.notDeepEqual(lossRoot(ls, T, K), lossRoot(ls.map((l, i) => (i === 5 ? l + 1e-3 : l)), T, K));
});
