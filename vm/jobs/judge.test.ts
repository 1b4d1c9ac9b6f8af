// The verdict rule of docs/jobs.md §4 at its edges: stake-weighted, two thirds disagreeing slashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeJob, attestationDigest, UNAVAILABLE_DIGEST, JobStatus, type Job } from '../index.ts';
import { terms } from '../../test/helpers/job-work.ts';
import { sha256 } from '../../primitives/index.ts';

const h = (n: number) => sha256(Uint8Array.of(n));
const addr = (n: number) => h(100 + n).subarray(0, 20);
// T = 12, k = 3; segment 2 sampled: h_0 alone, h_6..h_9, and h_12
const reveals = [{ from: 0, hashes: [h(0)] }, { from: 6, hashes: [h(6), h(7), h(8), h(9)] }, { from: 12, hashes: [h(12)] }];

function job(stakes: bigint[], digests: Array<'ok' | 'bad' | 'unavailable' | null>): Job {
  const id = h(50);
  const committee = stakes.map((stake, i) => ({ address: addr(i), stake }));
  const attestations = digests.flatMap((d, i) => {
    if (d === null) return [];
    const digest = d === 'ok' ? attestationDigest(id, addr(i), h(0), [[h(7), h(8), h(9)]]) : d === 'bad' ? h(99) : UNAVAILABLE_DIGEST;
    return [{ address: addr(i), digest, height: 1n }];
  });
  return {
    id, submitter: addr(90), terms: terms(), status: JobStatus.Revealing, submitHeight: 1n, deadline: 9n, solver: addr(91), daPeer: '', daAddrs: [],
    acceptHeight: 2n, seed: h(1), commitment: null, challengeHeight: 5n, segments: [2], committee, openings: [], attestations, reveals, outcome: '', endHeight: 0n,
    verdict: '', windowEnd: 0n, divergedAt: 0, disputes: [], demands: [],
  };
}

test('paid below two thirds of committee stake disagreeing, slashed from two thirds on', () => {
  const v = (stakes: bigint[], d: Array<'ok' | 'bad' | 'unavailable' | null>) => judgeJob(job(stakes, d)).outcome;
  assert.equal(v([100n, 200n], ['ok', 'ok']), 'paid');
  assert.equal(v([100n, 200n], ['ok', 'bad']), 'mismatch', 'exactly 2/3 of the stake disagrees');
  assert.equal(v([101n, 200n], ['ok', 'bad']), 'paid', 'just under 2/3');
  assert.equal(v([100n, 200n], ['ok', 'unavailable']), 'paid', 'UNAVAILABLE counts for neither side');
  assert.equal(v([100n, 200n], ['unavailable', 'unavailable']), 'mismatch', 'but a job nobody replayed is never paid');
  assert.equal(v([100n, 200n], ['unavailable', null]), 'mismatch');
  assert.equal(v([100n, 200n], ['unavailable', 'bad']), 'mismatch');
  assert.equal(v([100n, 200n], [null, 'ok']), 'paid', 'silent members do not disagree');
  assert.equal(v([100n, 200n], [null, null]), 'mismatch', 'a silent committee checked nothing');
  assert.equal(v([100n, 200n, 300n], ['bad', null, 'ok']), 'paid');
  assert.equal(v([], []), 'mismatch', 'an empty committee checks nothing, so it never pays');
});

test('the digest binds the attester: a copied digest disagrees', () => {
  const j = job([100n, 200n], ['ok', 'ok']);
  j.attestations[1] = { ...j.attestations[1]!, digest: j.attestations[0]!.digest };
  const r = judgeJob(j);
  assert.deepEqual(r.agreeing, [addr(0)]);
  assert.deepEqual(r.disagreeing, [addr(1)]);
  assert.equal(r.outcome, 'mismatch');
});
