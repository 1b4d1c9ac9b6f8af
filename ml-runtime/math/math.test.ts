// Accuracy of the deterministic transcendentals against Math.* (the reference, allowed in tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exp32, log32, tanh32, sigmoid32, expm132, softmax, logSoftmax, stripedSum, stripedDot } from './index.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function bitsToF32(b: number): number { u32[0] = b >>> 0; return f32[0]; }
/** Ordered integer for ulp distance between float32 values. */
function ord(x: number): number { f32[0] = x; const b = u32[0]; return b & 0x80000000 ? -(b & 0x7fffffff) : b; }
function ulpDiff(a: number, b: number): number {
  if (a !== a && b !== b) return 0;
  if (a !== a || b !== b) return Infinity;
  if (a === b) return Object.is(a, b) ? 0 : 1; // +0 vs -0 counts as 1
  return Math.abs(ord(a) - ord(b));
}

function hash32(i: number): number {
  let x = (i ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

const SPECIALS = [0, -0, NaN, Infinity, -Infinity, 1, -1, 1e-45, -1e-45, 1.1754942e-38, 1.1754944e-38, -1.1754944e-38,
  3.4028235e38, -3.4028235e38, 88.72283, 88.72284, 89, -87.33654, -103.27893, -103.97208, -104, -150, 0.5, 2, 9, 9.1, 10, 20, -20, 40, -40, 1e-8, -1e-8,
  0.34657359, -0.34657359, 0.69314718, 709, -745];

/** Inputs: all specials, random bit patterns, and a dense grid over the interesting range. */
function inputs(range: number): number[] {
  const xs: number[] = SPECIALS.map(Math.fround);
  for (let i = 0; i < 200000; i++) xs.push(bitsToF32(hash32(i)));
  for (let i = 0; i < 200000; i++) xs.push(Math.fround(-range + (2 * range * i) / 200000));
  for (let e = -149; e < 128; e++) for (const s of [1, -1]) xs.push(Math.fround(s * 2 ** e));
  return xs;
}

function maxUlp(f: (x: number) => number, ref: (x: number) => number, xs: number[]): { max: number; at: number } {
  let max = 0, at = NaN;
  for (const x of xs) {
    const d = ulpDiff(f(x), Math.fround(ref(x)));
    if (d > max) { max = d; at = x; }
  }
  return { max, at };
}

// Documented bound (docs/det-backend.md): 0 ulp against the correctly rounded float32 of
// Math.* over this sweep. Math.* itself is only ~1 double ulp accurate, which can only matter
// within 2^-29 relative of a float32 midpoint; none of the inputs here hits that.
test('exp32 matches Math.fround(Math.exp) (0 ulp) incl. subnormal results, saturation, specials', () => {
  const r = maxUlp(exp32, Math.exp, inputs(110));
  assert.equal(r.max, 0, `exp32 off by ${r.max} ulp at ${r.at}`);
  assert.equal(exp32(-Infinity), 0);
  assert.equal(exp32(Infinity), Infinity);
  assert.ok(Number.isNaN(exp32(NaN)));
  assert.equal(exp32(0), 1);
  assert.equal(exp32(-0), 1);
  assert.equal(exp32(89), Infinity);
  assert.ok(exp32(-103.5) > 0 && exp32(-103.5) < 1.2e-38); // subnormal float32 result
});

test('log32 matches Math.fround(Math.log) (0 ulp) incl. subnormal inputs and specials', () => {
  const xs = inputs(100).map((x) => Math.abs(x));
  for (let i = 0; i < 100000; i++) xs.push(Math.fround(0.5 + i / 100000)); // around 1
  const r = maxUlp(log32, Math.log, xs);
  assert.equal(r.max, 0, `log32 off by ${r.max} ulp at ${r.at}`);
  assert.equal(log32(0), -Infinity);
  assert.equal(log32(-0), -Infinity);
  assert.ok(Number.isNaN(log32(-1)));
  assert.ok(Number.isNaN(log32(NaN)));
  assert.equal(log32(Infinity), Infinity);
  assert.ok(Object.is(log32(1), 0));
});

test('tanh32 matches Math.fround(Math.tanh) (0 ulp), odd, saturates, keeps -0', () => {
  const r = maxUlp(tanh32, Math.tanh, inputs(12));
  assert.equal(r.max, 0, `tanh32 off by ${r.max} ulp at ${r.at}`);
  assert.ok(Object.is(tanh32(-0), -0));
  assert.equal(tanh32(Infinity), 1);
  assert.equal(tanh32(-Infinity), -1);
  assert.equal(tanh32(10), 1);
});

test('sigmoid32 matches Math.fround(1/(1+Math.exp(-x))) within the documented bound', () => {
  const r = maxUlp(sigmoid32, (x) => 1 / (1 + Math.exp(-x)), inputs(110));
  assert.ok(r.max <= 1, `sigmoid32 off by ${r.max} ulp at ${r.at}`);
  assert.equal(sigmoid32(Infinity), 1);
  assert.equal(sigmoid32(-Infinity), 0);
  assert.equal(sigmoid32(0), 0.5);
  assert.ok(Number.isNaN(sigmoid32(NaN)));
});

test('expm132 matches Math.fround(Math.expm1) (0 ulp)', () => {
  const r = maxUlp(expm132, Math.expm1, inputs(20));
  assert.equal(r.max, 0, `expm132 off by ${r.max} ulp at ${r.at}`);
});

test('softmax / logSoftmax: stable for huge logits, sums to ~1, match a double reference', () => {
  const x = [1000, 1001, 1002, -1e30];
  const s = softmax(x);
  const ls = logSoftmax(x);
  const ref = [Math.exp(-2), Math.exp(-1), 1, 0];
  const z = ref.reduce((a, b) => a + b, 0);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(s[i] - ref[i] / z) < 1e-7);
    if (i < 3) assert.ok(Math.abs(ls[i] - Math.log(ref[i] / z)) < 1e-6);
  }
  assert.equal(ls[3], Math.fround(-1e30));
  assert.ok(Number.isNaN(softmax([1, NaN, 2])[0]));
});

test('striped reductions follow the documented order exactly', () => {
  const a = Float32Array.from([1e8, 1, -1e8, 1, 3, 0.5]);
  // stripes: s0 = 1e8 + 3, s1 = 1 + 0.5, s2 = -1e8, s3 = 1
  const fr = Math.fround;
  const expect = fr(fr(fr(fr(1e8) + 3) + fr(1 + 0.5)) + fr(fr(-1e8) + 1));
  assert.equal(stripedSum(a, 0, 6), expect);
  assert.equal(stripedDot(a, 0, Float32Array.from([1, 1, 1, 1, 1, 1]), 0, 6), expect);
  assert.equal(stripedSum(a, 0, 3, 2), fr(fr(fr(1e8) + fr(-1e8)) + 3));
});
