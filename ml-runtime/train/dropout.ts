// Dropout masks from the PRF, for both kinds of model.
import { tf } from '../tf.ts';
import { dropoutMask } from '../commitment/prf/index.ts';

type Tensor = ReturnType<typeof tf.tensor>;

/** Dropout context: PRF-driven masks for training step `step`; absent at inference. */
export interface DropoutContext {
  seed: Uint8Array;
  step: number;
}

/**
 * h with dropout at site `site` (the PRF's layer index b): element i is kept iff PRF word i of
 * (seed, DROPOUT, step, site) >= floor(rate * 2^32); kept values are multiplied by float32(1 / (1 - rate)).
 */
export function applyDropout(h: Tensor, site: number, rate: number, ctx: DropoutContext | null): Tensor {
  if (!ctx || rate === 0) return h;
  const n = h.size;
  const keep = dropoutMask(ctx.seed, ctx.step, site, n, rate);
  const scale = Math.fround(1 / (1 - rate));
  const m = new Float32Array(n);
  for (let k = 0; k < n; k++) m[k] = keep[k] ? scale : 0;
  return tf.mul(h, tf.tensor(m, h.shape));
}
