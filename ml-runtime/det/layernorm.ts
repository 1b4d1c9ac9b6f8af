// Layer normalisation over the last axis and its gradient as owned det kernels (docs/det-backend.md
// "Transformer kernels"). x is [N, W]; gain and bias [W]. The forward bits equal the same layer
// written with det's Mean, Sub, Multiply, Add, Sqrt and RealDiv; the gradient is the closed form.
import { stripedDot, stripedSum } from '../math/reduce.ts';
import { f32, out, type DetKernelFunc, type KernelArgs } from './tensor_util.ts';

const fr = Math.fround;
export const LAYER_NORM = 'DetLayerNorm';
export const LAYER_NORM_GRAD = 'DetLayerNormGrad';

/** Row statistics: mu = f32(striped sum / W), d_i = f32(x_i - mu), var = f32(striped dot(d, d) / W), sd = f32(sqrt(f32(var + eps))). */
function rowStats(x: Float32Array, o: number, W: number, eps: number, d: Float32Array): number {
  const mu = fr(stripedSum(x, o, W) / W);
  for (let i = 0; i < W; i++) d[i] = x[o + i]! - mu;
  const v = fr(stripedDot(d, 0, d, 0, W) / W);
  return fr(Math.sqrt(fr(v + eps)));
}

/** y_i = f32(f32(xhat_i * gain_i) + bias_i), xhat_i = f32(d_i / sd). */
function forward(args: KernelArgs) {
  const { x, gain, bias } = args.inputs;
  const [N, W] = x.shape as [number, number];
  const eps = fr(args.attrs.epsilon);
  const xv = f32(args.backend, x), g = f32(args.backend, gain), bv = f32(args.backend, bias);
  const y = new Float32Array(N * W);
  const d = new Float32Array(W);
  for (let r = 0; r < N; r++) {
    const o = r * W;
    const sd = rowStats(xv, o, W, eps, d);
    for (let i = 0; i < W; i++) y[o + i] = fr(fr(d[i]! / sd) * g[i]!) + bv[i]!;
  }
  return out(args.backend, [N, W], y);
}

/**
 * Per row: gh_i = f32(dy_i * gain_i), a = f32(striped sum(gh) / W), c = f32(striped dot(gh, xhat) / W),
 * dx_i = f32(f32(f32(gh_i - a) - f32(xhat_i * c)) / sd). Over rows r = 0..N-1 (striped by r):
 * dgain_i = sum of f32(dy_ri * xhat_ri), dbias_i = sum of dy_ri. Outputs [dx, dgain, dbias].
 */
function gradient(args: KernelArgs) {
  const { dy, x, gain } = args.inputs;
  const [N, W] = x.shape as [number, number];
  const eps = fr(args.attrs.epsilon);
  const xv = f32(args.backend, x), g = f32(args.backend, gain), dv = f32(args.backend, dy);
  const dx = new Float32Array(N * W);
  const xh = new Float32Array(W), gh = new Float32Array(W), d = new Float32Array(W);
  const accG = new Float64Array(4 * W), accB = new Float64Array(4 * W);
  for (let r = 0; r < N; r++) {
    const o = r * W;
    const sd = rowStats(xv, o, W, eps, d);
    for (let i = 0; i < W; i++) { xh[i] = d[i]! / sd; gh[i] = dv[o + i]! * g[i]!; }
    const a = fr(stripedSum(gh, 0, W) / W);
    const c = fr(stripedDot(gh, 0, xh, 0, W) / W);
    const l = r & 3;
    for (let i = 0; i < W; i++) {
      dx[o + i] = fr(fr(gh[i]! - a) - fr(xh[i]! * c)) / sd;
      const k = 4 * i + l;
      accG[k] = fr(accG[k]! + fr(dv[o + i]! * xh[i]!));
      accB[k] = fr(accB[k]! + dv[o + i]!);
    }
  }
  const dg = new Float32Array(W), db = new Float32Array(W);
  for (let i = 0; i < W; i++) {
    const k = 4 * i;
    dg[i] = fr(fr(accG[k]! + accG[k + 1]!) + fr(accG[k + 2]! + accG[k + 3]!));
    db[i] = fr(fr(accB[k]! + accB[k + 1]!) + fr(accB[k + 2]! + accB[k + 3]!));
  }
  return [out(args.backend, [N, W], dx), out(args.backend, [W], dg), out(args.backend, [W], db)];
}

export function layerNormKernels(): Record<string, DetKernelFunc> {
  return { [LAYER_NORM]: forward as DetKernelFunc, [LAYER_NORM_GRAD]: gradient as DetKernelFunc };
}
