// Causal multi-head self-attention as two owned det kernels (docs/det-backend.md "Transformer
// kernels"). qkv is [B*T, 3W], row b*T+i holding q | k | v, head h in columns h*D..h*D+D-1 of each.
// Only the lower triangle (key j <= query i) is computed: no mask value, no infinity is ever
// formed. Every sum is the canonical striped sum with the term's stripe = its index (j or i) mod 4,
// so skipped upper-triangle terms (exact zeros) change nothing and the bits equal the same model
// written with BatchMatMul, an additive mask and Softmax on det.
import { exp32 } from '../math/exp.ts';
import { stripedDot } from '../math/reduce.ts';
import { f32, out, type DetKernelFunc, type KernelArgs } from './tensor_util.ts';

const fr = Math.fround;

export const CAUSAL_ATTENTION = 'DetCausalAttention';
export const CAUSAL_ATTENTION_GRAD = 'DetCausalAttentionGrad';

interface Dims { B: number; T: number; H: number; D: number; W: number }
function dims(attrs: { batch: number; heads: number }, rows: number, cols: number): Dims {
  const B = attrs.batch, H = attrs.heads, W = cols / 3;
  return { B, T: rows / B, H, D: W / H, W };
}

/** The striped result of the four stripes acc[o..o+3]: (s0 + s1) + (s2 + s3). */
function finish(a: Float64Array, o: number): number {
  return fr(fr(a[o]! + a[o + 1]!) + fr(a[o + 2]! + a[o + 3]!));
}

/**
 * Forward: outputs y [B*T, W] and the probabilities P [B, H, T, T] (upper triangle +0) for the gradient.
 * s_j = f32(dot(q_i, k_j) * scale) (striped over d), m = max_j s_j, e_j = exp32(f32(s_j - m)),
 * z = striped sum of e_j over j = 0..i, P_ij = f32(e_j / z), y_i = striped sum over j of f32(P_ij * v_j).
 */
function forward(args: KernelArgs) {
  const { qkv } = args.inputs;
  const { B, T, H, D, W } = dims(args.attrs, qkv.shape[0]!, qkv.shape[1]!);
  const scale = fr(args.attrs.scale);
  const x = f32(args.backend, qkv);
  const y = new Float32Array(B * T * W);
  const P = new Float32Array(B * H * T * T);
  const s = new Float32Array(T);
  const acc = new Float64Array(4 * D);
  const W3 = 3 * W;
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
    const qo = (b * T + i) * W3 + h * D;
    let m = -Infinity;
    for (let j = 0; j <= i; j++) {
      const v = fr(stripedDot(x, qo, x, (b * T + j) * W3 + W + h * D, D) * scale);
      s[j] = v;
      if (v > m || v !== v) m = v;
    }
    const z = [0, 0, 0, 0];
    for (let j = 0; j <= i; j++) { const e = exp32(fr(s[j]! - m)); s[j] = e; z[j & 3] = fr(z[j & 3]! + e); }
    const zs = fr(fr(z[0]! + z[1]!) + fr(z[2]! + z[3]!));
    const po = ((b * H + h) * T + i) * T;
    acc.fill(0);
    for (let j = 0; j <= i; j++) {
      const p = fr(s[j]! / zs);
      P[po + j] = p;
      const vo = (b * T + j) * W3 + 2 * W + h * D;
      const l = j & 3;
      for (let d = 0; d < D; d++) acc[4 * d + l] = fr(acc[4 * d + l]! + fr(p * x[vo + d]!));
    }
    const yo = (b * T + i) * W + h * D;
    for (let d = 0; d < D; d++) y[yo + d] = finish(acc, 4 * d);
  }
  return [out(args.backend, [B * T, W], y), out(args.backend, [B, H, T, T], P)];
}

/**
 * Gradient: dP_ij = dot(dy_i, v_j) (striped over d); r_i = striped sum over j of f32(dP_ij * P_ij);
 * dS_ij = f32(f32(f32(dP_ij * P_ij) - f32(r_i * P_ij)) * scale) (Softmax's gradient, then the scale);
 * dq_i = striped sum over j of f32(dS_ij * k_j); dk_j = striped sum over i of f32(dS_ij * q_i);
 * dv_j = striped sum over i of f32(P_ij * dy_i). Output dqkv [B*T, 3W].
 */
function gradient(args: KernelArgs) {
  const { dy, qkv, probs } = args.inputs;
  const { B, T, H, D, W } = dims(args.attrs, qkv.shape[0]!, qkv.shape[1]!);
  const scale = fr(args.attrs.scale);
  const x = f32(args.backend, qkv), g = f32(args.backend, dy), P = f32(args.backend, probs);
  const W3 = 3 * W;
  const dx = new Float32Array(B * T * W3);
  const dS = new Float32Array(T * T);
  const acc = new Float64Array(4 * D);
  const dp = new Float32Array(T);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) {
    const pb = (b * H + h) * T * T;
    for (let i = 0; i < T; i++) {
      const go = (b * T + i) * W + h * D;
      const r = [0, 0, 0, 0];
      for (let j = 0; j <= i; j++) {
        dp[j] = stripedDot(g, go, x, (b * T + j) * W3 + 2 * W + h * D, D);
        const t = fr(dp[j]! * P[pb + i * T + j]!);
        r[j & 3] = fr(r[j & 3]! + t);
      }
      const rs = fr(fr(r[0]! + r[1]!) + fr(r[2]! + r[3]!));
      for (let j = 0; j <= i; j++) {
        const p = P[pb + i * T + j]!;
        dS[i * T + j] = fr(fr(fr(dp[j]! * p) - fr(rs * p)) * scale);
      }
      // dq_i over j
      acc.fill(0);
      for (let j = 0; j <= i; j++) {
        const ko = (b * T + j) * W3 + W + h * D, c = dS[i * T + j]!, l = j & 3;
        for (let d = 0; d < D; d++) acc[4 * d + l] = fr(acc[4 * d + l]! + fr(c * x[ko + d]!));
      }
      const qo = (b * T + i) * W3 + h * D;
      for (let d = 0; d < D; d++) dx[qo + d] = finish(acc, 4 * d);
    }
    for (let j = 0; j < T; j++) {
      // dk_j and dv_j over i >= j
      acc.fill(0);
      const accV = new Float64Array(4 * D);
      for (let i = j; i < T; i++) {
        const qo = (b * T + i) * W3 + h * D, go = (b * T + i) * W + h * D, l = i & 3;
        const c = dS[i * T + j]!, p = P[pb + i * T + j]!;
        for (let d = 0; d < D; d++) {
          acc[4 * d + l] = fr(acc[4 * d + l]! + fr(c * x[qo + d]!));
          accV[4 * d + l] = fr(accV[4 * d + l]! + fr(p * g[go + d]!));
        }
      }
      const ko = (b * T + j) * W3 + W + h * D, vo = ko + W;
      for (let d = 0; d < D; d++) { dx[ko + d] = finish(acc, 4 * d); dx[vo + d] = finish(accV, 4 * d); }
    }
  }
  return out(args.backend, [B * T, W3], dx);
}

export function attentionKernels(): Record<string, DetKernelFunc> {
  return { [CAUSAL_ATTENTION]: forward as DetKernelFunc, [CAUSAL_ATTENTION_GRAD]: gradient as DetKernelFunc };
}
