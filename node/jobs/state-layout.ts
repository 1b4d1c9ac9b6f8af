// Sizes of a job's training state, known from the spec alone, so a verifier can bound and check
// a checkpoint before fetching a single chunk.
import { CHUNK_SIZE, decodeState, slotsPerParam, specShapes, type ModelSpec, type StateLayout, type TrainState, type Trainer } from '../../ml-runtime/index.ts';
import { JobsError } from './errors.ts';

/** The tensor sizes of a spec's state (as createTrainer computes them, without needing the dataset). */
export function layoutOfSpec(spec: ModelSpec): StateLayout {
  const paramSizes = specShapes(spec).params.map((p) => p.size);
  const slotSizes: number[] = [];
  for (let i = 0; i < slotsPerParam(spec.optimizer); i++) slotSizes.push(...paramSizes);
  return { paramSizes, slotSizes };
}

/** Byte length of the canonical state encoding for a layout (ml-runtime/train/state.ts format). */
export function encodedLengthOf(layout: StateLayout): number {
  let n = 16;
  for (const s of [...layout.paramSizes, ...layout.slotSizes]) n += 4 + 4 * s;
  return n;
}

export function chunkCountOf(byteLength: number): number {
  return Math.ceil(byteLength / CHUNK_SIZE);
}

/**
 * The derived initial state of a job with a parent (docs/jobs.md §4): the parent's final parameters,
 * zero optimiser slots, step 0. The parent may have used another optimiser, so its slot tensors are
 * only counted (they must be whole copies of the parameter sizes) and then dropped.
 */
export function initialStateFromParent(tr: Trainer, parentBytes: Uint8Array): TrainState {
  if (parentBytes.length < 16) throw new JobsError('REPLAY_FAILED', `parent state of ${parentBytes.length} bytes is shorter than a state header`);
  const count = new DataView(parentBytes.buffer, parentBytes.byteOffset, parentBytes.byteLength).getUint32(12, false);
  const P = tr.layout.paramSizes.length;
  if (count < P || (count - P) % P !== 0) {
    throw new JobsError('REPLAY_FAILED', `parent state has ${count} tensors; the spec has ${P} parameter tensors, so that is not parameters plus whole optimiser slots`);
  }
  const slotSizes: number[] = [];
  for (let i = 0; i < (count - P) / P; i++) slotSizes.push(...tr.layout.paramSizes);
  const parent = decodeState(parentBytes, { paramSizes: tr.layout.paramSizes, slotSizes });
  return { step: 0, params: parent.params, slots: tr.layout.slotSizes.map((n) => new Float32Array(n)) };
}
