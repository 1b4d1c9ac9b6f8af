// The shape of a job's training state, known from the spec alone: which tensors it holds and how
// many bytes its canonical encoding (state.ts) takes. The solver, the verifier, the chain's referee
// limits and the DA chunk counts all use this one definition.
import type { ModelSpec, OptimizerSpec } from './spec/index.ts';
import { specShapes } from './spec/index.ts';
import type { StateLayout } from './state.ts';

/** Number of slot arrays per parameter tensor (adam: first and second moments; momentum: velocity). */
export function slotsPerParam(opt: OptimizerSpec): number {
  return opt.type === 'adam' || opt.type === 'adamw' ? 2 : opt.type === 'momentum' ? 1 : 0;
}

/** The tensor sizes of a spec's state: parameters, then the optimiser's slots (one copy of the parameters per slot kind). */
export function layoutOfSpec(spec: ModelSpec): StateLayout {
  const paramSizes = specShapes(spec).params.map((p) => p.size);
  const slotSizes: number[] = [];
  for (let i = 0; i < slotsPerParam(spec.optimizer); i++) slotSizes.push(...paramSizes);
  return { paramSizes, slotSizes };
}

/** Byte length of the canonical state encoding for a layout: 16-byte header, then per tensor a u32 count and float32 values. */
export function encodedLengthOf(layout: StateLayout): number {
  let n = 16;
  for (const s of [...layout.paramSizes, ...layout.slotSizes]) n += 4 + 4 * s;
  return n;
}
