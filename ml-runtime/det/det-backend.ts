// The det backend: tfjs-backend-cpu's storage and safe kernels, with every order-sensitive or
// transcendental kernel replaced by a fixed-order implementation (docs/det-backend.md).
import { tf } from '../tf.ts';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { DetUnsupportedKernelError } from './errors.ts';
import { OWNED_KERNELS, SAFE_CPU_KERNELS } from './kernel_sets.ts';
import { elementwiseKernels } from './elementwise.ts';
import { matmulKernels } from './matmul.ts';
import { reductionKernels } from './reductions.ts';
import { convKernels } from './conv.ts';
import { poolKernels } from './pool.ts';
import { segmentKernels } from './segment.ts';
import { attentionKernels } from './attention.ts';
import { layerNormKernels } from './layernorm.ts';
import { geluKernels } from './gelu.ts';
import type { DetKernelFunc } from './tensor_util.ts';

export const DET_BACKEND = 'det';
/** Bump whenever any kernel's output bits change: it is a consensus rule. */
export const DET_RUNTIME_VERSION = 'det-1';

export class DetBackend extends MathBackendCPU {}

/** The owned kernel implementations by name. */
export function detKernels(): Record<string, DetKernelFunc> {
  return { ...elementwiseKernels(), ...matmulKernels(), ...reductionKernels(), ...convKernels(), ...poolKernels(), ...segmentKernels(),
    ...attentionKernels(), ...layerNormKernels(), ...geluKernels() };
}

let registered = false;

/** Registers the 'det' backend and its kernels with the tfjs engine. Idempotent. It does not
 *  make det the active backend: call `await tf.setBackend('det')` for that. */
export function registerDetBackend(): void {
  if (registered) return;
  // priority below cpu (1) so det is never chosen implicitly
  if (!tf.findBackendFactory(DET_BACKEND)) tf.registerBackend(DET_BACKEND, () => new DetBackend(), -1);
  const owned = detKernels();
  for (const name of OWNED_KERNELS) if (!owned[name]) throw new Error(`det: owned kernel ${name} has no implementation`);
  const safe = new Set(SAFE_CPU_KERNELS);
  for (const cfg of tf.getKernelsForBackend('cpu')) {
    const name = cfg.kernelName;
    if (tf.getKernel(name, DET_BACKEND)) continue;
    if (owned[name]) continue;
    if (safe.has(name)) {
      tf.registerKernel({ ...cfg, backendName: DET_BACKEND });
    } else {
      tf.registerKernel({
        kernelName: name,
        backendName: DET_BACKEND,
        kernelFunc: () => { throw new DetUnsupportedKernelError(name); },
      });
    }
  }
  for (const name of Object.keys(owned)) {
    if (tf.getKernel(name, DET_BACKEND)) continue;
    tf.registerKernel({ kernelName: name, backendName: DET_BACKEND, kernelFunc: owned[name] as unknown as tf.KernelFunc });
  }
  registered = true;
}
