// Checks on a replay request that need no trainer and no dataset: cheap enough for the event loop,
// and they keep obviously wrong (or oversized) inputs from ever reaching a worker.
import { parseSpec, segmentBounds, segmentCount, type ModelSpec } from '../../ml-runtime/index.ts';

import type { ReplayInput } from './replay-protocol.ts';
import { encodedLengthOf, layoutOfSpec } from './state-layout.ts';
import { DA_LIMITS } from './da-wire.ts';
import { errorMessage } from '../../primitives/index.ts';

/** What is wrong with the input, or null. */
export function replayInputProblem(input: ReplayInput): string | null {
  if (!(input.jobId instanceof Uint8Array) || input.jobId.length !== 32) return 'job id must be 32 bytes';
  if (!(input.seed instanceof Uint8Array) || input.seed.length !== 32) return 'seed must be 32 bytes';
  if (input.datasetRoot !== undefined && !(input.datasetRoot instanceof Uint8Array && input.datasetRoot.length === 32)) return 'dataset root must be 32 bytes';
  if (input.dataset === undefined && input.datasetName === undefined && input.datasetRoot === undefined) return 'needs a dataset, a dataset name or a dataset root';
  let spec: ModelSpec;
  try {
    spec = parseSpec(input.specJson);
  } catch (e) {
    return `spec: ${errorMessage(e)}`;
  }
  // no segments is h_0 alone: a member whose every checkpoint is unusable still attests h_0 (docs/da.md §5a)
  if (!Array.isArray(input.segments)) return 'segments must be a list';
  if (input.parentState && !(input.parentState instanceof Uint8Array && input.parentState.length <= DA_LIMITS.maxStateBytes)) return 'parent state must be at most DA_LIMITS.maxStateBytes bytes';
  const n = segmentCount(spec.steps, spec.checkpointInterval);
  const size = encodedLengthOf(layoutOfSpec(spec));
  for (const s of input.segments) {
    if (!Number.isInteger(s.segment) || s.segment < 0 || s.segment >= n) return `segment ${s.segment} out of range 0..${n - 1}`;
    if (s.captureAt !== undefined) {
      const b = segmentBounds(spec.steps, spec.checkpointInterval, s.segment);
      if (!Number.isInteger(s.captureAt) || s.captureAt < b.from || s.captureAt > b.to) return `segment ${s.segment}: captureAt ${s.captureAt} outside its steps ${b.from}..${b.to}`;
    }
    if (s.segment === 0) continue; // starts from the derived state; whatever bytes came along are not used
    if (!(s.stateBytes instanceof Uint8Array)) return `segment ${s.segment} needs the state of checkpoint ${s.segment}`;
    if (s.stateBytes.length !== size) return `segment ${s.segment}: a state of ${s.stateBytes.length} bytes, this spec's states have ${size}`;
  }
  return null;
}
