// Elementwise det kernels. Every result is one IEEE operation on float32 operands rounded once
// to float32 (a Float32Array store rounds to nearest-even, exactly like Math.fround), so the
// order question does not arise; broadcasting follows numpy rules.
import { tf } from '../tf.ts';
import { exp32 } from '../math/exp.ts';
import { log32 } from '../math/log.ts';
import { tanh32, sigmoid32 } from '../math/activations.ts';
import { cpuKernel, f32, out, sizeOf, type DetKernelFunc, type KernelArgs, type TensorInfo } from './tensor_util.ts';

export enum BinOp { Add, Sub, Mul, Div, SqDiff, Max, Min }

function loopSame(op: BinOp, a: Float32Array, b: Float32Array, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case BinOp.Add: for (let i = 0; i < n; i++) o[i] = a[i] + b[i]; break;
    case BinOp.Sub: for (let i = 0; i < n; i++) o[i] = a[i] - b[i]; break;
    case BinOp.Mul: for (let i = 0; i < n; i++) o[i] = a[i] * b[i]; break;
    case BinOp.Div: for (let i = 0; i < n; i++) o[i] = a[i] / b[i]; break;
    case BinOp.SqDiff: for (let i = 0; i < n; i++) { const d = Math.fround(a[i] - b[i]); o[i] = d * d; } break;
    case BinOp.Max: for (let i = 0; i < n; i++) o[i] = binScalar(op, a[i], b[i]); break;
    case BinOp.Min: for (let i = 0; i < n; i++) o[i] = binScalar(op, a[i], b[i]); break;
  }
}

function loopScalarB(op: BinOp, a: Float32Array, s: number, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case BinOp.Add: for (let i = 0; i < n; i++) o[i] = a[i] + s; break;
    case BinOp.Sub: for (let i = 0; i < n; i++) o[i] = a[i] - s; break;
    case BinOp.Mul: for (let i = 0; i < n; i++) o[i] = a[i] * s; break;
    case BinOp.Div: for (let i = 0; i < n; i++) o[i] = a[i] / s; break;
    default: for (let i = 0; i < n; i++) o[i] = binScalar(op, a[i], s);
  }
}

function loopScalarA(op: BinOp, s: number, b: Float32Array, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case BinOp.Add: for (let i = 0; i < n; i++) o[i] = s + b[i]; break;
    case BinOp.Sub: for (let i = 0; i < n; i++) o[i] = s - b[i]; break;
    case BinOp.Mul: for (let i = 0; i < n; i++) o[i] = s * b[i]; break;
    case BinOp.Div: for (let i = 0; i < n; i++) o[i] = s / b[i]; break;
    default: for (let i = 0; i < n; i++) o[i] = binScalar(op, s, b[i]);
  }
}

export function binScalar(op: BinOp, x: number, y: number): number {
  switch (op) {
    case BinOp.Add: return x + y;
    case BinOp.Sub: return x - y;
    case BinOp.Mul: return x * y;
    case BinOp.Div: return x / y;
    case BinOp.SqDiff: { const d = Math.fround(x - y); return d * d; }
    // NaN propagates; ties (+0/-0) keep the first operand, as tfjs cpu does
    case BinOp.Max: return x !== x || y !== y ? NaN : (y > x ? y : x);
    case BinOp.Min: return x !== x || y !== y ? NaN : (y < x ? y : x);
  }
}

/** Strides of `shape` aligned to an output of rank r, 0 on broadcast dimensions. */
export function bstrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const r = outShape.length;
  const s = new Array<number>(r).fill(0);
  let st = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const oi = r - shape.length + i;
    s[oi] = shape[i] === 1 && outShape[oi] !== 1 ? 0 : st;
    st *= shape[i];
  }
  return s;
}

/** o = a (op) b with numpy broadcasting; o has outShape. */
export function binaryInto(op: BinOp, a: Float32Array, aShape: readonly number[], b: Float32Array,
  bShape: readonly number[], outShape: readonly number[], o: Float32Array): void {
  const n = o.length;
  if (a.length === n && b.length === n) return loopSame(op, a, b, o);
  if (b.length === 1 && a.length === n) return loopScalarB(op, a, b[0], o);
  if (a.length === 1 && b.length === n) return loopScalarA(op, a[0], b, o);
  const r = outShape.length;
  // trailing-block fast path: b equals the trailing dims of out and a is full (bias rows)
  if (a.length === n && n % b.length === 0 && sameTrailing(bShape, outShape)) {
    const m = b.length;
    if (op === BinOp.Add) for (let base = 0; base < n; base += m) for (let j = 0; j < m; j++) o[base + j] = a[base + j] + b[j];
    else if (op === BinOp.Mul) for (let base = 0; base < n; base += m) for (let j = 0; j < m; j++) o[base + j] = a[base + j] * b[j];
    else for (let base = 0; base < n; base += m) for (let j = 0; j < m; j++) o[base + j] = binScalar(op, a[base + j], b[j]);
    return;
  }
  if (b.length === n && n % a.length === 0 && sameTrailing(aShape, outShape)) {
    const m = a.length;
    for (let base = 0; base < n; base += m) for (let j = 0; j < m; j++) o[base + j] = binScalar(op, a[j], b[base + j]);
    return;
  }
  const sa = bstrides(aShape, outShape), sb = bstrides(bShape, outShape);
  const idx = new Array<number>(r).fill(0);
  let ia = 0, ib = 0;
  for (let i = 0; i < n; i++) {
    o[i] = binScalar(op, a[ia], b[ib]);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++; ia += sa[d]; ib += sb[d];
      if (idx[d] < outShape[d]) break;
      ia -= sa[d] * outShape[d]; ib -= sb[d] * outShape[d]; idx[d] = 0;
    }
  }
}

function sameTrailing(s: readonly number[], outShape: readonly number[]): boolean {
  // s (after dropping leading 1s) equals the trailing dims of outShape
  let k = 0;
  while (k < s.length && s[k] === 1) k++;
  const t = s.slice(k);
  if (t.length > outShape.length) return false;
  const off = outShape.length - t.length;
  for (let i = 0; i < t.length; i++) if (t[i] !== outShape[off + i]) return false;
  return true;
}

function binaryKernel(name: string, op: BinOp): DetKernelFunc {
  const cpu = cpuKernel(name);
  return (args: KernelArgs) => {
    const { a, b } = args.inputs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return cpu(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const o = new Float32Array(sizeOf(outShape));
    binaryInto(op, f32(args.backend, a), a.shape, f32(args.backend, b), b.shape, outShape, o);
    return out(args.backend, outShape, o);
  };
}

export enum UnOp { Exp, Log, Tanh, Sigmoid, Sqrt, Square, Relu }

export function unaryInto(op: UnOp, x: Float32Array, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case UnOp.Exp: for (let i = 0; i < n; i++) o[i] = exp32(x[i]); break;
    case UnOp.Log: for (let i = 0; i < n; i++) o[i] = log32(x[i]); break;
    case UnOp.Tanh: for (let i = 0; i < n; i++) o[i] = tanh32(x[i]); break;
    case UnOp.Sigmoid: for (let i = 0; i < n; i++) o[i] = sigmoid32(x[i]); break;
    case UnOp.Sqrt: for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]); break;
    case UnOp.Square: for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v * v; } break;
    case UnOp.Relu: for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v < 0 ? 0 : v; } break;
  }
}

function unaryKernel(name: string, op: UnOp, exactForInts: boolean): DetKernelFunc {
  const cpu = exactForInts ? cpuKernel(name) : null;
  return (args: KernelArgs) => {
    let x = args.inputs.x;
    let cast: TensorInfo | null = null;
    if (x.dtype !== 'float32') {
      if (cpu) return cpu(args);
      // transcendental of an int tensor: compute on its float32 cast (tfjs does the same)
      cast = cpuKernel('Cast')({ inputs: { x }, backend: args.backend, attrs: { dtype: 'float32' } }) as TensorInfo;
      x = cast;
    }
    const xv = f32(args.backend, x);
    const o = new Float32Array(xv.length);
    unaryInto(op, xv, o);
    if (cast) args.backend.disposeIntermediateTensorInfo(cast as never);
    return out(args.backend, x.shape.slice(), o);
  };
}

/** Step: NaN stays NaN, x > 0 gives 1, otherwise alpha (rounded to float32). */
function stepKernel(): DetKernelFunc {
  const cpu = cpuKernel('Step');
  return (args: KernelArgs) => {
    const { x } = args.inputs;
    if (x.dtype !== 'float32') return cpu(args);
    const xv = f32(args.backend, x);
    const alpha = Math.fround(args.attrs?.alpha ?? 0);
    const o = new Float32Array(xv.length);
    for (let i = 0; i < xv.length; i++) { const v = xv[i]; o[i] = v > 0 ? 1 : v !== v ? NaN : alpha; }
    return out(args.backend, x.shape.slice(), o);
  };
}

export function elementwiseKernels(): Record<string, DetKernelFunc> {
  return {
    Step: stepKernel(),
    Add: binaryKernel('Add', BinOp.Add),
    Sub: binaryKernel('Sub', BinOp.Sub),
    Multiply: binaryKernel('Multiply', BinOp.Mul),
    RealDiv: binaryKernel('RealDiv', BinOp.Div),
    SquaredDifference: binaryKernel('SquaredDifference', BinOp.SqDiff),
    Maximum: binaryKernel('Maximum', BinOp.Max),
    Minimum: binaryKernel('Minimum', BinOp.Min),
    Exp: unaryKernel('Exp', UnOp.Exp, false),
    Log: unaryKernel('Log', UnOp.Log, false),
    Tanh: unaryKernel('Tanh', UnOp.Tanh, false),
    Sigmoid: unaryKernel('Sigmoid', UnOp.Sigmoid, false),
    Sqrt: unaryKernel('Sqrt', UnOp.Sqrt, false),
    Square: unaryKernel('Square', UnOp.Square, true),
    Relu: unaryKernel('Relu', UnOp.Relu, true),
  };
}
