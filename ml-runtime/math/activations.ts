// tanh and sigmoid in double arithmetic from expD/expm1D, one final float32 rounding.
import { expD, expm1D } from './exp.ts';

/** Double-precision tanh: sign(x) * e/(e+2) with e = expm1(2|x|). */
export function tanhD(x: number): number {
  if (x !== x) return NaN;
  if (x === 0) return x; // keeps -0
  const a = x < 0 ? -x : x;
  let t: number;
  if (a > 22) t = 1;
  else {
    const e = expm1D(2 * a);
    t = e / (e + 2);
  }
  return x < 0 ? -t : t;
}

/** Double-precision logistic sigmoid 1/(1+exp(-x)). */
export function sigmoidD(x: number): number {
  if (x !== x) return NaN;
  if (x >= 0) {
    if (x > 40) return 1;
    return 1 / (1 + expD(-x));
  }
  if (x < -746) return 0;
  const e = expD(x);
  return e / (1 + e);
}

export function tanh32(x: number): number {
  return Math.fround(tanhD(x));
}

export function sigmoid32(x: number): number {
  return Math.fround(sigmoidD(x));
}
