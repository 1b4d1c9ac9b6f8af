// Stable softmax / log-softmax over one contiguous row, float32 in and out.
// Order: m = max (NaN propagates); d_i = fround(x_i - m); e_i = exp32(d_i);
// s = stripedSum(e); softmax_i = fround(e_i / s); logSoftmax_i = fround(d_i - log32(s)).
import { exp32 } from './exp.ts';
import { log32 } from './log.ts';
import { stripedSum } from './reduce.ts';

const fr = Math.fround;

function rowMax(x: ArrayLike<number>, off: number, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = x[off + i];
    if (v > m || v !== v) m = v;
    if (m !== m) break;
  }
  return m;
}

/** out[oo..oo+n) = softmax(x[off..off+n)); out may alias x. */
export function softmaxRow(x: ArrayLike<number>, off: number, n: number, out: Float32Array, oo: number): void {
  const m = rowMax(x, off, n);
  for (let i = 0; i < n; i++) out[oo + i] = exp32(fr(x[off + i] - m));
  const s = stripedSum(out, oo, n);
  for (let i = 0; i < n; i++) out[oo + i] = fr(out[oo + i] / s);
}

/** out[oo..oo+n) = logSoftmax(x[off..off+n)); out must not alias x. */
export function logSoftmaxRow(x: ArrayLike<number>, off: number, n: number, out: Float32Array, oo: number): void {
  const m = rowMax(x, off, n);
  for (let i = 0; i < n; i++) out[oo + i] = exp32(fr(x[off + i] - m));
  const ls = log32(stripedSum(out, oo, n));
  for (let i = 0; i < n; i++) out[oo + i] = fr(fr(x[off + i] - m) - ls);
}

/** Convenience: softmax of a whole array (one row). */
export function softmax(x: ArrayLike<number>): Float32Array {
  const out = new Float32Array(x.length);
  softmaxRow(x, 0, x.length, out, 0);
  return out;
}

/** Convenience: log-softmax of a whole array (one row). */
export function logSoftmax(x: ArrayLike<number>): Float32Array {
  const out = new Float32Array(x.length);
  logSoftmaxRow(x, 0, x.length, out, 0);
  return out;
}
