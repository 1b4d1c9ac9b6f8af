// Public surface of the deterministic tfjs backend "det". Usage:
//   registerDetBackend(); await tf.setBackend('det');
export { DET_BACKEND, DET_RUNTIME_VERSION, registerDetBackend, DetBackend, detKernels } from './det-backend.ts';
export { DetUnsupportedKernelError } from './errors.ts';
export { setDetSimd, detSimdEnabled } from './gemm.ts';
export { setDetThreads, detThreads } from './gemm_pool.ts';
export { DetAdamOptimizer, detAdam } from './adam.ts';
export { OWNED_KERNELS, SAFE_CPU_KERNELS, DET_ONLY_KERNELS } from './kernel_sets.ts';
export * from '../math/index.ts';
