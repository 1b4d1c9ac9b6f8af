// GELU, tanh form, and its gradient as owned det kernels, with det's own tanh32. The forward bits
// equal 0.5x * (1 + tanh(c * (x + k * x^3))) written with det's Multiply, Add and Tanh in that order.
import { tanh32 } from '../math/activations.ts';
import { f32, out, type DetKernelFunc, type KernelArgs } from './tensor_util.ts';

const fr = Math.fround;
export const GELU = 'DetGelu';
export const GELU_GRAD = 'DetGeluGrad';
/** c = f32(sqrt(2/pi)), k = f32(0.044715), k3 = f32(3k). */
export const GELU_C = fr(Math.sqrt(2 / Math.PI));
export const GELU_K = fr(0.044715);
const GELU_K3 = fr(3 * GELU_K);

/** t = tanh32(f32(f32(x + f32(f32(f32(x*x)*x) * k)) * c)). */
function inner(x: number): number {
  return tanh32(fr(fr(x + fr(fr(fr(x * x) * x) * GELU_K)) * GELU_C));
}

/** y = f32(f32(x * 0.5) * f32(t + 1)); also returns t for the gradient (tanh32 is the costly part). */
function forward(args: KernelArgs) {
  const xv = f32(args.backend, args.inputs.x);
  const y = new Float32Array(xv.length), tv = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) { const x = xv[i]!; const t = inner(x); tv[i] = t; y[i] = fr(x * 0.5) * fr(t + 1); }
  const shape = args.inputs.x.shape.slice();
  return [out(args.backend, shape, y), out(args.backend, shape, tv)];
}

/** With t from the forward kernel: dx = f32(dy * f32(a + b)), a = f32(0.5 * f32(1 + t)), b = f32(f32(f32(0.5x) * f32(1 - f32(t*t))) * f32(c * f32(1 + f32(k3 * f32(x*x))))). */
function gradient(args: KernelArgs) {
  const { dy, x, t: tanhOut } = args.inputs;
  const xv = f32(args.backend, x), g = f32(args.backend, dy), tv = f32(args.backend, tanhOut);
  const dx = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) {
    const v = xv[i]!; const t = tv[i]!;
    const a = fr(0.5 * fr(1 + t));
    const b = fr(fr(fr(0.5 * v) * fr(1 - fr(t * t))) * fr(GELU_C * fr(1 + fr(GELU_K3 * fr(v * v)))));
    dx[i] = g[i]! * fr(a + b);
  }
  return out(args.backend, x.shape.slice(), dx);
}

export function geluKernels(): Record<string, DetKernelFunc> {
  return { [GELU]: forward as DetKernelFunc, [GELU_GRAD]: gradient as DetKernelFunc };
}
