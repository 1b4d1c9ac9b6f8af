// Sizes of a job's training state, known from the spec alone, so a verifier can bound and check
// a checkpoint before fetching a single chunk.
import { CHUNK_SIZE, type StateLayout } from '../../ml-runtime/index.ts';

// The spec's state layout and a child job's state_0 from its parent live in ml-runtime (one
// definition for the solver, the verifier and the chain's referee); re-exported for node/ callers.
export { layoutOfSpec, initialStateFromParent } from '../../ml-runtime/index.ts';

/** Byte length of the canonical state encoding for a layout (ml-runtime/train/state.ts format). */
export function encodedLengthOf(layout: StateLayout): number {
  let n = 16;
  for (const s of [...layout.paramSizes, ...layout.slotSizes]) n += 4 + 4 * s;
  return n;
}

export function chunkCountOf(byteLength: number): number {
  return Math.ceil(byteLength / CHUNK_SIZE);
}
