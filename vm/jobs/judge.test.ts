// The verdict rule of docs/jobs.md §4 at its edges: any real disagreement not proven wrong is a
// mismatch (a dispute settles it), and each member's digest covers only its own segments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeJob, attestationDigest, memberSegments, UNAVAILABLE_DIGEST, JobStatus, type Job } from '../index.ts';
import { terms } from '../../test/helpers/job-work.ts';
import { sha256 } from '../../primitives/index.ts';

const h = (n: number) => sha256(Uint8Array.of(n));
const addr = (n: number) => h(100 + n).subarray(0, 20);
// T = 12, k = 3; segments 0 and 2 sampled: h_0..h_3 (segment 0), h_6..h_9 (segment 2), and h_12
const reveals = [{ from: 0, hashes: [h(0), h(1), h(2), h(3)] }, { from: 6, hashes: [h(6), h(7), h(8), h(9)] }, { from: 12, hashes: [h(12)] }];
const HASHES: Record<number, Uint8Array[]> = { 0: [h(1), h(2), h(3)], 2: [h(7), h(8), h(9)] };

/** Members 0..n-1 hold seats in order (seat s to member s mod n), so with 2 segments even seats replay segment 0. */
function job(digests: Array<'ok' | 'all' | 'bad' | 'unavailable' | null>, seats = digests.length): Job {
  const id = h(50);
  const n = digests.length;
  const base: Job = {
    id, submitter: addr(90), terms: terms(), status: JobStatus.Revealing, submitHeight: 1n, deadline: 9n, solver: addr(91), daPeer: '', daAddrs: [],
    acceptHeight: 2n, seed: h(1), commitment: null, challengeHeight: 5n, segments: [0, 2],
    pool: [], seats: Array.from({ length: seats }, (_, s) => addr(s % n)), committee: [], draws: 1, silent: [],
    openings: [], attestations: [], reveals, outcome: '', endHeight: 0n, verdict: '', windowEnd: 0n, divergedAt: 0, disputes: [], demands: [],
  };
  base.attestations = digests.flatMap((d, i) => {
    if (d === null) return [];
    const own = memberSegments(base, addr(i)).map((j) => HASHES[j]!);
    const digest = d === 'ok' ? attestationDigest(id, addr(i), h(0), own) : d === 'all' ? attestationDigest(id, addr(i), h(0), [HASHES[0]!, HASHES[2]!]) : d === 'bad' ? h(99) : UNAVAILABLE_DIGEST;
    return [{ address: addr(i), digest, height: 1n }];
  });
  return base;
}

test('any real disagreement is a mismatch; UNAVAILABLE and silence count for neither side; unchecked is never paid', () => {
  const v = (d: Array<'ok' | 'all' | 'bad' | 'unavailable' | null>) => judgeJob(job(d)).outcome;
  assert.equal(v(['ok', 'ok', 'ok', 'ok', 'ok']), 'paid');
  assert.equal(v(['ok', 'ok', 'ok', 'ok', 'bad']), 'mismatch', 'one disagreeing seat of five is enough (the 2/3 rule would pay)');
  assert.equal(v(['ok', 'ok', 'unavailable', null, 'ok']), 'paid', 'UNAVAILABLE and silence do not disagree');
  assert.equal(v(['unavailable', 'unavailable', null, null, null]), 'mismatch', 'a job nobody replayed is never paid');
  assert.equal(v([null, null, null, null, null]), 'mismatch');
});

test('a member digests only its own segments: a digest over every sampled segment disagrees', () => {
  const j = job(['ok', 'all', 'ok', 'ok', 'ok']);
  assert.deepEqual(memberSegments(j, addr(0)), [0], 'seat 0 of 5 with m = 2 covers item 0');
  assert.deepEqual(memberSegments(j, addr(1)), [2], 'seat 1 covers item 1');
  const r = judgeJob(j);
  assert.deepEqual(r.disagreeing, [addr(1)]);
  assert.equal(r.outcome, 'mismatch');
  // two seats, one member: it covers both segments, so the full digest is its own
  const solo = job(['all'], 2);
  assert.deepEqual(memberSegments(solo, addr(0)), [0, 2]);
  assert.equal(judgeJob(solo).outcome, 'paid');
});

test('the digest binds the attester: a copied digest disagrees', () => {
  const j = job(['ok', 'ok', 'ok', 'ok', 'ok']);
  j.attestations[1] = { ...j.attestations[1]!, digest: j.attestations[0]!.digest };
  const r = judgeJob(j);
  assert.equal(r.agreeing.length, 4);
  assert.deepEqual(r.disagreeing, [addr(1)]);
  assert.equal(r.outcome, 'mismatch');
});
