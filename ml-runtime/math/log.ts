// Deterministic natural logarithm from + - * / only. x = 2^e * m with m in [sqrt(1/2), sqrt(2)),
// log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716, by a fixed odd series.

const LN2_HI = 6.93147180369123816490e-01;
const LN2_LO = 1.90821492927058770002e-10;
const SQRT_HALF = 0.70710678118654752440;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

// 1/(2n+1) for n = 1..12
const L3 = 1 / 3, L5 = 1 / 5, L7 = 1 / 7, L9 = 1 / 9, L11 = 1 / 11, L13 = 1 / 13;
const L15 = 1 / 15, L17 = 1 / 17, L19 = 1 / 19, L21 = 1 / 21, L23 = 1 / 23, L25 = 1 / 25;

/** Double-precision log. */
export function logD(x: number): number {
  if (x !== x || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let e = 0;
  let m = x;
  if (m < 2.2250738585072014e-308) { m *= 18014398509481984; e = -54; } // 2^54, exact
  f64[0] = m;
  const hi = u32[HI];
  e += ((hi >>> 20) & 0x7ff) - 1023;
  u32[HI] = (hi & 0x000fffff) | 0x3ff00000; // m in [1, 2)
  m = f64[0];
  if (m > 1.4142135623730951) { m *= 0.5; e += 1; }
  if (m < SQRT_HALF) { m *= 2; e -= 1; }
  const s = (m - 1) / (m + 1);
  const z = s * s;
  const t = z * (L3 + z * (L5 + z * (L7 + z * (L9 + z * (L11 + z * (L13 + z * (L15 + z * (L17 + z * (L19 + z * (L21 + z * (L23 + z * L25)))))))))));
  // log(m) = 2s + 2s*t ; keep the small part separate from e*ln2
  const lm = 2 * s + 2 * s * t;
  if (e === 0) return lm;
  return e * LN2_HI + (e * LN2_LO + lm);
}

/** float32 log: one rounding of the double result. */
export function log32(x: number): number {
  return Math.fround(logD(x));
}
