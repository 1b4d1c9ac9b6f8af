// BatchMatMul and _FusedMatMul on det: every output is the canonical striped dot (gemm.ts);
// fused bias and activation are applied afterwards, each as one float32-rounded operation.
import { tf } from '../tf.ts';
import { sigmoid32 } from '../math/activations.ts';
import { gemmABt, scratchBuf, transposeInto } from './gemm.ts';
import { BinOp, binaryInto, bstrides } from './elementwise.ts';
import { DetUnsupportedKernelError } from './errors.ts';
import { cpuKernel, f32, out, sizeOf, type Backend, type DetKernelFunc, type KernelArgs, type TensorInfo } from './tensor_util.ts';

/** Batched product with numpy batch broadcasting. Returns shape and values. */
export function batchMatMulValues(backend: Backend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): { shape: number[]; values: Float32Array } {
  const ra = a.shape.length, rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const Ka = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (Ka !== Kb) throw new Error(`det BatchMatMul: inner dimensions ${Ka} and ${Kb} differ (shapes ${a.shape} x ${b.shape})`);
  const K = Ka;
  const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(aBatch, bBatch);
  const nb = sizeOf(outBatch);
  const av = f32(backend, a), bv = f32(backend, b);
  const C = new Float32Array(nb * M * N);
  const aStr = bstrides(aBatch, outBatch), bStr = bstrides(bBatch, outBatch);
  const r = outBatch.length;
  const idx = new Array<number>(r).fill(0);
  let ia = 0, ib = 0;
  for (let t = 0; t < nb; t++) {
    let A = av, aOff = ia * M * K;
    if (transposeA) { A = scratchBuf(0, M * K); transposeInto(av, aOff, K, M, A); aOff = 0; }
    let Bt = bv, bOff = ib * K * N;
    if (!transposeB) { Bt = scratchBuf(1, K * N); transposeInto(bv, bOff, K, N, Bt); bOff = 0; }
    gemmABt(A, aOff, Bt, bOff, M, N, K, C, t * M * N);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++; ia += aStr[d]; ib += bStr[d];
      if (idx[d] < outBatch[d]) break;
      ia -= aStr[d] * outBatch[d]; ib -= bStr[d] * outBatch[d]; idx[d] = 0;
    }
  }
  return { shape: [...outBatch, M, N], values: C };
}

/** In-place bias add (broadcast) then activation, each one float32 rounding per element. */
export function applyBiasActivation(kernel: string, backend: Backend, o: Float32Array, shape: number[],
  bias: TensorInfo | undefined, activation: string | undefined, prelu: TensorInfo | undefined, alpha: number | undefined): void {
  if (bias) binaryInto(BinOp.Add, o, shape, f32(backend, bias), bias.shape, shape, o);
  const n = o.length;
  switch (activation ?? 'linear') {
    case 'linear': break;
    case 'relu': for (let i = 0; i < n; i++) { const v = o[i]; o[i] = v < 0 ? 0 : v; } break;
    case 'relu6': for (let i = 0; i < n; i++) { const v = o[i]; o[i] = v < 0 ? 0 : v > 6 ? 6 : v; } break;
    case 'sigmoid': for (let i = 0; i < n; i++) o[i] = sigmoid32(o[i]); break;
    case 'leakyrelu': {
      const a = alpha ?? 0.2;
      for (let i = 0; i < n; i++) { const v = o[i]; o[i] = v < 0 ? a * v : v; }
      break;
    }
    case 'prelu': {
      if (!prelu) throw new DetUnsupportedKernelError(kernel, 'prelu activation without weights');
      const w = new Float32Array(n);
      binaryInto(BinOp.Mul, o, shape, f32(backend, prelu), prelu.shape, shape, w);
      for (let i = 0; i < n; i++) if (o[i] < 0) o[i] = w[i];
      break;
    }
    default: throw new DetUnsupportedKernelError(kernel, `fused activation '${activation}'`);
  }
}

export function matmulKernels(): Record<string, DetKernelFunc> {
  const cpuBMM = cpuKernel('BatchMatMul');
  return {
    BatchMatMul: (args: KernelArgs) => {
      const { a, b } = args.inputs;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return cpuBMM(args);
      const r = batchMatMulValues(args.backend, a, b, !!args.attrs.transposeA, !!args.attrs.transposeB);
      return out(args.backend, r.shape, r.values);
    },
    _FusedMatMul: (args: KernelArgs) => {
      const { a, b, bias, preluActivationWeights } = args.inputs;
      const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new DetUnsupportedKernelError('_FusedMatMul', `dtype ${a.dtype}`);
      const r = batchMatMulValues(args.backend, a, b, !!transposeA, !!transposeB);
      applyBiasActivation('_FusedMatMul', args.backend, r.values, r.shape, bias, activation, preluActivationWeights, leakyreluAlpha);
      return out(args.backend, r.shape, r.values);
    },
  };
}
