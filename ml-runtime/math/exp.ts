// Deterministic exponential built only from + - * / (IEEE-754, never fused in JavaScript).
// expD(x) is a double-precision exp accurate to a few double ulps; exp32(x) rounds it once to
// float32. No engine-provided transcendental is called, so the bits are the same everywhere.

// ln2 split: LN2_HI has its low 32 bits zero (fdlibm's ln2_hi), so k * LN2_HI is exact for |k| < 2^20.
const LN2_HI = 6.93147180369123816490e-01;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700e+00;

// 1/n! for n = 2..13 (exact decimal literals of the double nearest each value).
const C2 = 1 / 2;
const C3 = 1 / 6;
const C4 = 1 / 24;
const C5 = 1 / 120;
const C6 = 1 / 720;
const C7 = 1 / 5040;
const C8 = 1 / 40320;
const C9 = 1 / 362880;
const C10 = 1 / 3628800;
const C11 = 1 / 39916800;
const C12 = 1 / 479001600;
const C13 = 1 / 6227020800;

const scaleF64 = new Float64Array(1);
const scaleU32 = new Uint32Array(scaleF64.buffer);
// Little-endian hosts store the high word at index 1; detect once (pure, no IO).
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** 2^k as a double, exactly, for -1022 <= k <= 1023. */
export function pow2i(k: number): number {
  scaleU32[LO] = 0;
  scaleU32[HI] = (k + 1023) << 20;
  return scaleF64[0];
}

/** exp(r) - 1 for |r| <= ~0.35 by a degree-13 Taylor polynomial (Horner, fixed order). */
export function expm1Small(r: number): number {
  return r * (1 + r * (C2 + r * (C3 + r * (C4 + r * (C5 + r * (C6 + r * (C7 + r * (C8 + r * (C9 + r * (C10 + r * (C11 + r * (C12 + r * C13))))))))))));
}

/** Double-precision exp. exp(x) = 2^k * exp(r), x = k ln2 + r, |r| <= ln2/2. */
export function expD(x: number): number {
  if (x !== x) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.2) return 0;
  const kf = x * INV_LN2;
  // round half away from zero via truncation (exact integer arithmetic on doubles)
  const k = kf >= 0 ? (kf + 0.5) | 0 : -((-kf + 0.5) | 0);
  const r = (x - k * LN2_HI) - k * LN2_LO;
  const p = 1 + expm1Small(r);
  if (k >= -1022) {
    if (k <= 1023) return p * pow2i(k);
    return p * pow2i(k - 1) * 2;
  }
  // double-subnormal result: two exact-power scalings, the second one rounds once
  return (p * pow2i(k + 600)) * pow2i(-600);
}

/** Double-precision exp(x) - 1, accurate also near 0. */
export function expm1D(x: number): number {
  if (x !== x) return NaN;
  if (x === 0) return x; // keeps -0
  if (x > -0.34657359 && x < 0.34657359) return expm1Small(x);
  if (x < -40) return -1;
  return expD(x) - 1;
}

/** float32 exp: one rounding of the double result. */
export function exp32(x: number): number {
  return Math.fround(expD(x));
}

/** float32 exp(x) - 1. */
export function expm132(x: number): number {
  return Math.fround(expm1D(x));
}
