// job_getLossCurve's statuses over jobs the real vm ran with real training (docs/jobs.md §1.1): the
// steps the committee's replays recomputed are confirmed on an honest job; on a solver that lied about
// one loss they are mismatch, and the step the referee decided is mismatch too; downsampling keeps
// every checked point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobStatus, memberSegments, segmentRange, type Job } from '../../vm/index.ts';
import { createDetReferee } from '../../ml-runtime/index.ts';
import { TestChain } from '../../test/helpers/job-test-chain.ts';
import { K, T, useDet } from '../../test/helpers/job-work.ts';
import { supplyState } from '../../test/helpers/dispute-work.ts';
import { claimDigest, lossJobToReveal, respondWithLoss, revealWithLoss, unsampledChain, watchClaims } from '../../test/helpers/loss-work.ts';
import { checkedSteps, downsample, lossCurveJson } from './loss-curve.ts';
import { lossBits } from '../../ml-runtime/index.ts';
import { concatBytes, equalBytes } from '../../primitives/index.ts';

const lossBitsOf = (ls: readonly number[]): Uint8Array => concatBytes(...ls.map(lossBits));

await useDet();
const referee = createDetReferee();
const chain = (salt: string): TestChain => {
  const c = new TestChain(salt);
  c.withReferee(referee);
  return c;
};
const stepsOfSegments = (job: Job, segs: Iterable<number>): number[] =>
  [...segs].flatMap((j) => { const r = segmentRange(job, j); return Array.from({ length: r.to - r.from }, (_, i) => r.from + i); }).sort((a, b) => a - b);

test('an honest job: the replayed steps are confirmed, the rest committed; the whole vector comes from the source', async () => {
  const c = chain('curve-honest');
  const { id, work, losses } = lossJobToReveal(c, chain);
  c.block([c.tx(c.solver, revealWithLoss(c.job(id), work, losses))]);
  const job = c.job(id);
  assert.equal(job.verdict, 'paid');
  const curve = await lossCurveJson(job, async () => ({ bits: lossBitsOf(losses) }));
  assert.equal(curve.available, true);
  assert.equal(curve.points.length, T);
  assert.deepEqual(curve.points.map((p) => p.loss), losses);
  const confirmed = stepsOfSegments(job, job.segments);
  assert.deepEqual(curve.points.map((p) => p.status), losses.map((_, x) => (confirmed.includes(x) ? 'confirmed' : 'committed')), 'unsampled steps stay the solver\'s word');
  assert.ok(!curve.points.some((p) => p.status === 'mismatch'));
});

test('a solver that lied about one loss: its segment is mismatch, and the step the referee decided is mismatch', async () => {
  const c = chain('curve-liar');
  const { id, work, losses, replayed } = lossJobToReveal(c, chain, (segs) => new Map([[segs[0]! * K + 1, 0.001]]));
  c.block([c.tx(c.solver, revealWithLoss(c.job(id), work, losses))]);
  let job = c.job(id);
  assert.equal(job.verdict, 'mismatch');
  const t = job.segments[0]! * K + 1;
  const liedSegment = job.segments[0]!;
  let status = checkedSteps(job);
  // every member replays a share of the segments; the one whose share holds the lie disagrees with its whole share
  const m = c.validators.find((v) => job.committee.some((x) => equalBytes(x.address, v.address)) && memberSegments(job, v.address).includes(liedSegment))!;
  // members whose share holds the lie disagree with their whole share; the others agree and confirm theirs
  const liars = job.attestations.filter((a) => memberSegments(job, a.address).includes(liedSegment));
  const honestShares = new Set(job.attestations.filter((a) => !liars.includes(a)).flatMap((a) => memberSegments(job, a.address)));
  const mismatched = stepsOfSegments(job, new Set(liars.flatMap((a) => memberSegments(job, a.address)).filter((j) => !honestShares.has(j))));
  assert.ok(mismatched.includes(t), 'the lied step is marked');
  assert.deepEqual([...status].filter(([, s]) => s === 'mismatch').map(([x]) => x).sort((a, b) => a - b), mismatched);
  assert.deepEqual([...status].filter(([, s]) => s === 'confirmed').map(([x]) => x).sort((a, b) => a - b), stepsOfSegments(job, honestShares));
  // the referee decides step t against the solver: that step is mismatch whatever the members said
  c.block([c.tx(c.solver, { kind: 'dispute-open', jobId: id, target: 'attestation', segment: 0, member: m.address, hashes: [] })]);
  c.block([c.tx(m, { kind: 'dispute-respond', jobId: id, dispute: 0, hashes: claimDigest(job, m.address, replayed).preimage, siblings: [] })]);
  supplyState(c, c.solver, c.job(id), 0, work.stateAt(t));
  job = c.job(id);
  assert.equal(job.status, JobStatus.Slashed);
  status = checkedSteps(job);
  assert.equal(status.get(t), 'mismatch');
  const curve = await lossCurveJson(job, async () => ({ reason: 'offline' }));
  assert.equal(curve.available, false);
  assert.equal(curve.points.find((p) => p.step === t)!.loss, Math.fround(0.001), 'the lie as committed');
  assert.equal(curve.points.find((p) => p.step === t)!.status, 'mismatch');
});

test('downsampling keeps at most the limit, evenly, and every checked point; non-finite losses are left out', () => {
  const points = Array.from({ length: 10_000 }, (_, step) => ({ step, loss: 1 / (step + 1), status: (step % 997 === 5 ? 'confirmed' : 'committed') as 'confirmed' | 'committed' }));
  points[3]!.loss = Number.NaN;
  const out = downsample(points, 100);
  assert.ok(out.length <= 100);
  assert.deepEqual(out.filter((p) => p.status === 'confirmed').map((p) => p.step), points.filter((p) => p.status === 'confirmed').map((p) => p.step));
  assert.ok(out.every((p) => Number.isFinite(p.loss)));
  assert.ok(out.some((p) => p.step > 9_000), 'spread over the whole run');
  assert.equal(downsample(points.slice(0, 50), 100).length, 49);
});

test('a segment dispute the referee decides marks its step: mismatch for a loss lie the sample missed, confirmed for an honest solver', () => {
  for (const honest of [false, true]) {
    const { salt, X } = unsampledChain(chain, honest ? 'curve-seg-honest' : 'curve-seg');
    const t = X * K + 1;
    const c = chain(salt);
    const { id, work, losses } = lossJobToReveal(c, chain, () => (honest ? new Map() : new Map([[t, 0.001]])));
    c.block([c.tx(c.solver, revealWithLoss(c.job(id), work, losses))]);
    const w = watchClaims(c.job(id), work, X, honest ? new Map([[t, 0.5]]) : new Map());
    c.block([c.tx(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: X, member: null, hashes: w.claim })]);
    c.block([c.tx(c.solver, respondWithLoss(c.job(id), work, losses, X))]);
    supplyState(c, honest ? c.solver : c.other, c.job(id), 0, work.stateAt(t));
    const job = c.job(id);
    assert.equal(job.disputes[0]!.step, t);
    assert.equal(job.disputes[0]!.reason, 'referee');
    assert.equal(checkedSteps(job).get(t), honest ? 'confirmed' : 'mismatch', honest ? 'the referee recomputed the committed loss' : 'the referee recomputed another loss');
    assert.equal(checkedSteps(job).get(t + 1), undefined, 'the steps after it stay the solver\'s word');
  }
});
