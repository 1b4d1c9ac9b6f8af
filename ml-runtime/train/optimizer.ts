// Optimisers as fixed-order scalar arithmetic over float32 arrays. Each element's update is
// computed in IEEE double from float32 inputs and rounded once to float32 per stored value
// (m, v, w), in the order given below. sqrt is correctly rounded, so every engine agrees.
import type { OptimizerSpec } from '../commitment/spec/index.ts';

/** Each new state array owns its buffer, so a finished state can be transferred (not copied) to the hash worker. */
function alloc(n: number): Float32Array {
  return new Float32Array(n);
}

export { slotsPerParam } from '../commitment/state-layout.ts';

/** x^n for integer n >= 0 by binary exponentiation in double (fixed multiplication order). */
export function powi(x: number, n: number): number {
  let r = 1;
  let b = x;
  let e = n;
  while (e > 0) {
    if (e & 1) r *= b;
    e = Math.floor(e / 2);
    if (e > 0) b *= b;
  }
  return r;
}

/**
 * One update at step t (0-based; the update makes state t+1). `slots` holds, for adam, all first
 * moments then all second moments; for momentum, all velocities. Returns new arrays.
 *   sgd:      w' = w - lr*g
 *   momentum: v' = mu*v + g;  w' = w - lr*v'
 *   adam:     m' = b1*m + (1-b1)*g;  v' = b2*v + (1-b2)*g*g;
 *             a = lr * sqrt(1 - b2^(t+1)) / (1 - b1^(t+1));  w' = w - a*m' / (sqrt(v') + eps)
 */
export function applyUpdate(opt: OptimizerSpec, t: number, params: Float32Array[], slots: Float32Array[], grads: Float32Array[]): { params: Float32Array[]; slots: Float32Array[]; finite: boolean } {
  // z stays 0 unless some stored value is NaN or +-Inf (x * 0 is NaN for those): a cheap finiteness check.
  let z = 0;
  const P = params.length;
  const newParams: Float32Array[] = [];
  const newSlots: Float32Array[] = [];
  if (opt.type === 'sgd') {
    const lr = opt.learningRate;
    for (let p = 0; p < P; p++) {
      const w = params[p]!; const g = grads[p]!; const n = w.length;
      const o = alloc(n);
      for (let i = 0; i < n; i++) { o[i] = w[i]! - lr * g[i]!; z += o[i]! * 0; }
      newParams.push(o);
    }
  } else if (opt.type === 'momentum') {
    const lr = opt.learningRate; const mu = opt.momentum;
    for (let p = 0; p < P; p++) {
      const w = params[p]!; const g = grads[p]!; const v = slots[p]!; const n = w.length;
      const o = alloc(n); const vo = alloc(n);
      for (let i = 0; i < n; i++) { vo[i] = mu * v[i]! + g[i]!; o[i] = w[i]! - lr * vo[i]!; z += (o[i]! + vo[i]!) * 0; }
      newParams.push(o); newSlots.push(vo);
    }
  } else {
    const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps } = opt;
    const c1 = 1 - b1; const c2 = 1 - b2;
    const a = (lr * Math.sqrt(1 - powi(b2, t + 1))) / (1 - powi(b1, t + 1));
    const ms: Float32Array[] = []; const vs: Float32Array[] = [];
    for (let p = 0; p < P; p++) {
      const w = params[p]!; const g = grads[p]!; const m = slots[p]!; const v = slots[P + p]!; const n = w.length;
      const o = alloc(n); const mo = alloc(n); const vo = alloc(n);
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const mi = Math.fround(b1 * m[i]! + c1 * gi);
        const vi = Math.fround(b2 * v[i]! + c2 * (gi * gi));
        const wi = Math.fround(w[i]! - (a * mi) / (Math.sqrt(vi) + eps));
        mo[i] = mi; vo[i] = vi; o[i] = wi;
        z += (wi + mi + vi) * 0;
      }
      newParams.push(o); ms.push(mo); vs.push(vo);
    }
    newSlots.push(...ms, ...vs);
  }
  return { params: newParams, slots: newSlots, finite: z === 0 };
}
