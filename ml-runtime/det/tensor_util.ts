// Small helpers shared by det kernels: typed access to backend storage and output creation.
import { tf } from '../tf.ts';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { DetUnsupportedKernelError } from './errors.ts';

export type TensorInfo = { dataId: object; shape: number[]; dtype: string };
export type Backend = MathBackendCPU;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Attrs = any;
export type KernelArgs = { inputs: Record<string, TensorInfo>; backend: Backend; attrs?: Attrs };
export type DetKernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

export function f32(backend: Backend, t: TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId as never).values;
  if (!(v instanceof Float32Array)) throw new TypeError(`det: expected float32 storage, got ${t.dtype}`);
  return v;
}

export function out(backend: Backend, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values) as unknown as TensorInfo;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The cpu implementation of a kernel, for dtypes det delegates (int32/bool are exact). */
export function cpuKernel(name: string): DetKernelFunc {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new DetUnsupportedKernelError(name, 'no cpu kernel to delegate to');
  return k.kernelFunc as unknown as DetKernelFunc;
}

export function requireNHWC(name: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new DetUnsupportedKernelError(name, `dataFormat ${dataFormat}; det supports NHWC only`);
  }
}
