// Sum, Mean, Max, AddN and Softmax on det. Canonical order of a reduction: the reduced elements
// are enumerated in row-major order of the reduced axes (in their original axis order); term t
// goes to stripe t mod 4 (float32 add), stripes combine as fround(fround(s0+s1)+fround(s2+s3)).
import { tf } from '../tf.ts';
import { stripedSum } from '../math/reduce.ts';
import { softmaxRow } from '../math/softmax.ts';
import { DetUnsupportedKernelError } from './errors.ts';
import { cpuKernel, f32, out, sizeOf, type Backend, type DetKernelFunc, type KernelArgs, type TensorInfo } from './tensor_util.ts';

const fr = Math.fround;

/** x viewed as [outer][red][inner]: reduce the middle axis with striped float32 sums. */
function sumMiddle(x: Float32Array, outer: number, red: number, inner: number, o: Float32Array): void {
  if (inner === 1) {
    for (let i = 0; i < outer; i++) o[i] = stripedSum(x, i * red, red, 1);
    return;
  }
  const s = new Float32Array(4 * inner); // Float32Array stores round like fround
  for (let i = 0; i < outer; i++) {
    s.fill(0);
    const base = i * red * inner;
    for (let t = 0; t < red; t++) {
      const so = (t & 3) * inner, xo = base + t * inner;
      for (let j = 0; j < inner; j++) s[so + j] += x[xo + j];
    }
    const oo = i * inner;
    for (let j = 0; j < inner; j++) o[oo + j] = fr(fr(s[j] + s[inner + j]) + fr(s[2 * inner + j] + s[3 * inner + j]));
  }
}

function maxMiddle(x: Float32Array, outer: number, red: number, inner: number, o: Float32Array): void {
  for (let i = 0; i < outer; i++) {
    for (let j = 0; j < inner; j++) {
      let p = i * red * inner + j;
      let m = x[p];
      for (let t = 1; t < red; t++) {
        p += inner;
        const v = x[p];
        if (v > m || v !== v) { m = v; if (v !== v) break; }
      }
      o[i * inner + j] = red === 0 ? -Infinity : m;
    }
  }
}

type Layout = { outer: number; red: number; inner: number; src: Float32Array; tmp: TensorInfo | null };

/** Arrange x so the reduced axes form one contiguous middle block, transposing only if needed. */
function layout(backend: Backend, x: TensorInfo, axes: number[]): Layout {
  const shape = x.shape;
  const r = shape.length;
  const sorted = [...axes].sort((p, q) => p - q);
  const contiguous = sorted.every((a, i) => i === 0 || a === sorted[i - 1] + 1);
  if (contiguous && sorted.length > 0) {
    const lo = sorted[0], hi = sorted[sorted.length - 1];
    return { outer: sizeOf(shape.slice(0, lo)), red: sizeOf(shape.slice(lo, hi + 1)), inner: sizeOf(shape.slice(hi + 1)), src: f32(backend, x), tmp: null };
  }
  const perm = tf.backend_util.getAxesPermutation(sorted, r) ?? [...Array(r).keys()];
  const tmp = cpuKernel('Transpose')({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
  return { outer: sizeOf(shape) / sizeOf(sorted.map((a) => shape[a])), red: sizeOf(sorted.map((a) => shape[a])), inner: 1, src: f32(backend, tmp), tmp };
}

function outShape(shape: number[], axes: number[], keepDims: boolean): number[] {
  const res: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) { if (keepDims) res.push(1); } else res.push(shape[i]);
  }
  return res;
}

function reduceKernel(name: 'Sum' | 'Mean' | 'Max'): DetKernelFunc {
  const cpu = cpuKernel(name);
  return (args: KernelArgs) => {
    const { x } = args.inputs;
    if (x.dtype !== 'float32') return cpu(args);
    const axisAttr = name === 'Max' ? args.attrs.reductionIndices : args.attrs.axis;
    const axes = tf.util.parseAxisParam(axisAttr, x.shape);
    const L = layout(args.backend, x, axes);
    const o = new Float32Array(L.outer * L.inner);
    if (name === 'Max') maxMiddle(L.src, L.outer, L.red, L.inner, o);
    else sumMiddle(L.src, L.outer, L.red, L.inner, o);
    if (name === 'Mean') { const n = L.red; for (let i = 0; i < o.length; i++) o[i] = o[i] / n; }
    if (L.tmp) args.backend.disposeIntermediateTensorInfo(L.tmp as never);
    return out(args.backend, outShape(x.shape, axes, !!args.attrs.keepDims), o);
  };
}

export function reductionKernels(): Record<string, DetKernelFunc> {
  const cpuAddN = cpuKernel('AddN');
  return {
    Sum: reduceKernel('Sum'),
    Mean: reduceKernel('Mean'),
    Max: reduceKernel('Max'),
    // AddN: sequential float32 sum in input order: fround(fround(x0 + x1) + x2) ...
    AddN: (args: KernelArgs) => {
      const xs = args.inputs as unknown as TensorInfo[];
      const list = Array.isArray(xs) ? xs : Object.values(args.inputs);
      if (list.some((t) => t.dtype !== 'float32')) return cpuAddN(args);
      const o = new Float32Array(f32(args.backend, list[0]));
      for (let k = 1; k < list.length; k++) {
        const v = f32(args.backend, list[k]);
        for (let i = 0; i < o.length; i++) o[i] += v[i];
      }
      return out(args.backend, list[0].shape.slice(), o);
    },
    Softmax: (args: KernelArgs) => {
      const { logits } = args.inputs;
      const r = logits.shape.length;
      const dim = args.attrs.dim === -1 ? r - 1 : args.attrs.dim;
      if (dim !== r - 1) throw new DetUnsupportedKernelError('Softmax', `dim ${dim} is not the last axis`);
      const xv = f32(args.backend, logits);
      const n = logits.shape[r - 1];
      const o = new Float32Array(xv.length);
      for (let off = 0; off < xv.length; off += n) softmaxRow(xv, off, n, o, off);
      return out(args.backend, logits.shape.slice(), o);
    },
  };
}
