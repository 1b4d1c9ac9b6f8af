import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prfBlock, prfWords, PrfStream, PrfDomain, epochPermutation, batchIndices, dropoutMask, unitFromWord, signedUnitFromWord } from './index.ts';

import { MlError } from '../errors.ts';
import { sha256, utf8, bytesToHex, u64be, u32be } from '../../../primitives/index.ts';

const seed = sha256(utf8('prf-test-seed'));

test('prfBlock is SHA-256 over the documented layout', () => {
  const expect = sha256(utf8('polchain/prf/v1\u0000'), seed, u32be(2), u64be(7), u64be(3), u64be(11));
  assert.equal(bytesToHex(prfBlock(seed, 2, 7, 3, 11)), bytesToHex(expect));
});

test('prfWords: any window equals the same slice of a longer read (counter based, no state)', () => {
  const all = prfWords(seed, PrfDomain.INIT, 1, 0, 0, 100);
  assert.deepEqual(prfWords(seed, PrfDomain.INIT, 1, 0, 13, 40), all.subarray(13, 53));
  assert.notDeepEqual(prfWords(seed, PrfDomain.INIT, 2, 0, 0, 8), all.subarray(0, 8));
  assert.notDeepEqual(prfWords(seed, PrfDomain.DROPOUT, 1, 0, 0, 8), all.subarray(0, 8));
  const s = new PrfStream(seed, PrfDomain.INIT, 1, 0);
  for (let i = 0; i < 100; i++) assert.equal(s.next(), all[i]);
});

test('unit conversions are exact float32 grid values in range', () => {
  for (const u of [0, 1, 255, 256, 0x7fffffff, 0xffffffff]) {
    const a = unitFromWord(u); const b = signedUnitFromWord(u);
    assert.ok(a >= 0 && a < 1); assert.ok(b > -1 && b < 1);
    assert.equal(Math.fround(a), a); assert.equal(Math.fround(b), b);
  }
  assert.equal(signedUnitFromWord(0), -signedUnitFromWord(0xffffffff));
});

test('epoch permutations are permutations, differ by epoch, and are stable', () => {
  const p = epochPermutation(seed, 0, 1000);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual(p, epochPermutation(seed, 1, 1000));
  assert.deepEqual(p, epochPermutation(seed, 0, 1000));
  assert.deepEqual([...epochPermutation(seed, 0, 10)], [...epochPermutation(sha256(utf8('prf-test-seed')), 0, 10)]);
});

test('batches draw each epoch without replacement, straddling epoch boundaries', () => {
  const n = 100; const B = 32;
  const seen: number[] = [];
  for (let t = 0; t < 25; t++) seen.push(...batchIndices(seed, t, B, n)); // 800 = 8 epochs
  for (let e = 0; e < 8; e++) {
    const ep = seen.slice(e * n, (e + 1) * n);
    assert.equal(new Set(ep).size, n, `epoch ${e} repeats a sample`);
    assert.deepEqual(ep, [...epochPermutation(seed, e, n)]);
  }
});

test('dropout masks keep about 1 - rate and are reproducible', () => {
  const m = dropoutMask(seed, 5, 2, 20000, 0.25);
  const kept = m.reduce((a, b) => a + b, 0);
  assert.ok(kept > 14500 && kept < 15500, `kept ${kept}`);
  assert.deepEqual(m, dropoutMask(seed, 5, 2, 20000, 0.25));
  assert.notDeepEqual(m, dropoutMask(seed, 6, 2, 20000, 0.25));
  assert.equal(dropoutMask(seed, 5, 2, 1000, 0).reduce((a, b) => a + b, 0), 1000);
});

test('bad PRF inputs raise PRF_INVALID', () => {
  assert.throws(() => prfBlock(new Uint8Array(31), 1, 0, 0, 0), (e: unknown) => e instanceof MlError && e.code === 'PRF_INVALID' && /32 bytes/.test(e.message));
  assert.throws(() => new PrfStream(seed, 1, 0, 0).below(0), (e: unknown) => e instanceof MlError && e.code === 'PRF_INVALID');
  assert.throws(() => batchIndices(seed, 0, 4, 0), (e: unknown) => e instanceof MlError && /empty/.test(e.message));
});
