// Which unsampled segments a watchtower replays: deterministic per (key, job, sample), never a
// sampled one, ceil(fraction · m) of them, and spread across watchtowers with different keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatchError, chooseSegments, checkFraction, segmentRank } from './index.ts';
import { sha256, utf8 } from '../../primitives/index.ts';

const key = (s: string) => sha256(utf8(`watcher ${s}`)).subarray(0, 20);
const JOB = sha256(utf8('job'));

test('the choice is deterministic, skips sampled segments and takes ceil(fraction · unsampled)', () => {
  const sampled = [3, 17, 40];
  for (const f of [0, 0.01, 0.25, 0.5, 0.99, 1]) {
    const a = chooseSegments(key('a'), JOB, 64, sampled, f);
    assert.deepEqual(chooseSegments(key('a'), JOB, 64, sampled, f), a, 'same inputs, same segments');
    assert.equal(a.length, Math.ceil(f * 61), `fraction ${f}`);
    assert.ok(a.every((j) => j >= 0 && j < 64 && !sampled.includes(j)), 'never a sampled segment');
    assert.deepEqual(a, [...a].sort((x, y) => x - y), 'ascending');
    assert.equal(new Set(a).size, a.length);
  }
  assert.deepEqual(chooseSegments(key('a'), JOB, 64, sampled, 1), Array.from({ length: 64 }, (_, j) => j).filter((j) => !sampled.includes(j)));
  assert.deepEqual(chooseSegments(key('a'), JOB, 4, [0, 1, 2, 3], 1), [], 'nothing left when every segment was sampled');
  // a larger fraction extends the smaller one's choice (the lowest ranks first)
  const quarter = chooseSegments(key('a'), JOB, 64, sampled, 0.25);
  const half = chooseSegments(key('a'), JOB, 64, sampled, 0.5);
  assert.ok(quarter.every((j) => half.includes(j)));
});

test('watchtowers with different keys, jobs with different ids or samples choose different segments', () => {
  const a = chooseSegments(key('a'), JOB, 64, [1], 0.25);
  const b = chooseSegments(key('b'), JOB, 64, [1], 0.25);
  assert.notDeepEqual(a, b);
  // two independent quarters overlap in about a quarter of their segments, not in all
  const overlap = a.filter((j) => b.includes(j)).length;
  assert.ok(overlap < a.length / 2, `overlap ${overlap} of ${a.length}`);
  assert.notDeepEqual(chooseSegments(key('a'), sha256(utf8('another job')), 64, [1], 0.25), a);
  // the sample (drawn after the commit) is part of the rank: a solver cannot know the choice when it commits
  assert.notDeepEqual(segmentRank(key('a'), JOB, [1], 5), segmentRank(key('a'), JOB, [2], 5));
  assert.notDeepEqual(chooseSegments(key('a'), JOB, 64, [2], 0.25), a);
  // over many keys every unsampled segment gets chosen by someone
  const covered = new Set<number>();
  for (let i = 0; i < 40; i++) for (const j of chooseSegments(key(`w${i}`), JOB, 16, [0], 0.25)) covered.add(j);
  assert.equal(covered.size, 15);
});

test('a fraction outside [0, 1] is WATCH_BAD_OPTIONS', () => {
  for (const f of [-0.1, 1.01, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => chooseSegments(key('a'), JOB, 8, [], f), (e: unknown) => e instanceof WatchError && e.code === 'WATCH_BAD_OPTIONS', String(f));
    assert.throws(() => checkFraction(f), WatchError);
  }
});
