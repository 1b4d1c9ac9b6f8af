// UnsortedSegmentSum on det (the gradient of Gather, so of embedding lookups): a scatter-add in
// input order. out starts at +0; for i = 0..N-1 ascending, row i of x is added element-wise to row
// segmentIds[i] of out with one float32 rounding per addition. Ids outside [0, numSegments) are
// skipped (as TensorFlow drops them). No striping: each output element is a sequential sum of the
// rows that name it, in row order, so the bits depend only on the inputs.
import { cpuKernel, f32, out, sizeOf, type DetKernelFunc, type KernelArgs } from './tensor_util.ts';

export function segmentKernels(): Record<string, DetKernelFunc> {
  const cpuUSS = cpuKernel('UnsortedSegmentSum');
  return {
    UnsortedSegmentSum: (args: KernelArgs) => {
      const { x, segmentIds } = args.inputs;
      if (x.dtype !== 'float32') return cpuUSS(args);
      const numSegments = Number(args.attrs.numSegments);
      const n = sizeOf(segmentIds.shape);
      const inner = n === 0 ? 0 : sizeOf(x.shape) / n;
      const xs = f32(args.backend, x);
      const ids = args.backend.data.get(segmentIds.dataId as never).values as ArrayLike<number>;
      const o = new Float32Array(numSegments * inner);
      for (let i = 0; i < n; i++) {
        const s = ids[i]!;
        if (!(s >= 0 && s < numSegments)) continue;
        const src = i * inner, dst = s * inner;
        for (let j = 0; j < inner; j++) o[dst + j] = o[dst + j]! + xs[src + j]!;
      }
      return out(args.backend, [numSegments, ...x.shape.slice(segmentIds.shape.length)], o);
    },
  };
}
