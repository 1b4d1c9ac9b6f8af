// Optimisers as fixed-order scalar arithmetic over float32 arrays. Each element's update is
// computed in IEEE double from float32 inputs and rounded once to float32 per stored value
// (m, v, w), in the order given below. sqrt is correctly rounded, so every engine agrees.
import type { OptimizerSpec, SpecShapes } from '../commitment/spec/index.ts';

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

/** Which parameter tensors AdamW decays: kernels and embeddings; never biases or layer-norm gains. */
export function decayMaskOf(shapes: SpecShapes): boolean[] {
  return shapes.params.map((p) => p.kind === 'kernel' || p.kind === 'embedding');
}

/**
 * Global gradient norm for clipping: sqrt of a sequential IEEE double sum of g*g over tensors in
 * parameter order, elements in index order (no striping: one accumulator, so one possible result).
 */
export function globalGradNorm(grads: Float32Array[]): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) { const v = g[i]!; s += v * v; }
  return Math.sqrt(s);
}

/**
 * Gradients scaled to global norm at most `clipNorm`: when the norm is finite and above it, every
 * element becomes float32(g * (clipNorm / norm)) (the quotient in double); otherwise unchanged.
 */
export function clipByGlobalNorm(grads: Float32Array[], clipNorm: number): { grads: Float32Array[]; norm: number } {
  const norm = globalGradNorm(grads);
  if (!(norm > clipNorm) || !Number.isFinite(norm)) return { grads, norm };
  const scale = clipNorm / norm;
  return { grads: grads.map((g) => { const o = new Float32Array(g.length); for (let i = 0; i < g.length; i++) o[i] = g[i]! * scale; return o; }), norm };
}

/**
 * One update at step t (0-based; the update makes state t+1). `slots` holds, for adam, all first
 * moments then all second moments; for momentum, all velocities. Returns new arrays.
 *   sgd:      w' = w - lr*g
 *   momentum: v' = mu*v + g;  w' = w - lr*v'
 *   adam:     m' = b1*m + (1-b1)*g;  v' = b2*v + (1-b2)*g*g;
 *             a = lr * sqrt(1 - b2^(t+1)) / (1 - b1^(t+1));  w' = w - a*m' / (sqrt(v') + eps)
 *   adamw:    g clipped by global norm first (clipNorm, when set); m', v', a as adam;
 *             w' = w - a*m' / (sqrt(v') + eps) - (lr*wd)*w   (decoupled decay, decayed tensors only)
 * `decay[p]` says whether tensor p is decayed (adamw; default all).
 */
export function applyUpdate(opt: OptimizerSpec, t: number, params: Float32Array[], slots: Float32Array[], grads: Float32Array[], decay?: readonly boolean[]): { params: Float32Array[]; slots: Float32Array[]; finite: boolean } {
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
    const lrwd = opt.type === 'adamw' ? lr * opt.weightDecay : 0;
    if (opt.type === 'adamw' && opt.clipNorm !== undefined) grads = clipByGlobalNorm(grads, opt.clipNorm).grads;
    const c1 = 1 - b1; const c2 = 1 - b2;
    const a = (lr * Math.sqrt(1 - powi(b2, t + 1))) / (1 - powi(b1, t + 1));
    const ms: Float32Array[] = []; const vs: Float32Array[] = [];
    for (let p = 0; p < P; p++) {
      const w = params[p]!; const g = grads[p]!; const m = slots[p]!; const v = slots[P + p]!; const n = w.length;
      const o = alloc(n); const mo = alloc(n); const vo = alloc(n);
      const wd = decay === undefined || decay[p] ? lrwd : 0;
      if (wd === 0) {
        for (let i = 0; i < n; i++) {
          const gi = g[i]!;
          const mi = Math.fround(b1 * m[i]! + c1 * gi);
          const vi = Math.fround(b2 * v[i]! + c2 * (gi * gi));
          const wi = Math.fround(w[i]! - (a * mi) / (Math.sqrt(vi) + eps));
          mo[i] = mi; vo[i] = vi; o[i] = wi;
          z += (wi + mi + vi) * 0;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const gi = g[i]!; const wv = w[i]!;
          const mi = Math.fround(b1 * m[i]! + c1 * gi);
          const vi = Math.fround(b2 * v[i]! + c2 * (gi * gi));
          const wi = Math.fround(wv - (a * mi) / (Math.sqrt(vi) + eps) - wd * wv);
          mo[i] = mi; vo[i] = vi; o[i] = wi;
          z += (wi + mi + vi) * 0;
        }
      }
      newParams.push(o); ms.push(mo); vs.push(vo);
    }
    newSlots.push(...ms, ...vs);
  }
  return { params: newParams, slots: newSlots, finite: z === 0 };
}
