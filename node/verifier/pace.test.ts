import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockPace } from './pace.ts';

test('block pace: fallback until two blocks, then the median interval; budgets keep the margin', () => {
  const p = new BlockPace(1000);
  assert.equal(p.msPerBlock(), 1000);
  p.record(10n, 100_000n);
  assert.equal(p.msPerBlock(), 1000);
  p.record(11n, 100_500n);
  p.record(13n, 101_500n); // a gap of two blocks: 500 ms each
  p.record(14n, 109_500n); // one slow round does not move the median
  p.record(15n, 110_000n);
  assert.equal(p.msPerBlock(), 500);
  p.record(15n, 200_000n); // a repeated or older height is ignored
  assert.equal(p.msPerBlock(), 500);
  // deadline 25 at height 15 with 2 blocks kept free: 8 blocks of 500 ms
  assert.equal(p.budgetMs(15n, 25n, 2), 4000);
  assert.equal(p.budgetMs(15n, 17n, 2), 0);
  assert.equal(p.budgetMs(15n, 14n, 2), 0);
});
