// Messages between replaySegments (node event loop) and its worker thread. Only structured-clonable
// values: the worker gets copies, so nothing it does can touch the caller's buffers.
import type { Dataset } from '../../ml-runtime/index.ts';

export interface ReplaySegmentInput {
  /** segment index j: steps [j·k, min((j+1)·k, T)] */
  segment: number;
  /** the opened checkpoint j's state encoding; ignored (may be null) for segment 0, which starts from the derived state */
  stateBytes: Uint8Array | null;
  /**
   * Also return the encoding of state_{captureAt}, a step in [j·k, end_j] (ReplayResult.captured): the
   * state a challenger puts on chain when the referee needs state_t (node/watchtower).
   */
  captureAt?: number;
}

export interface ReplayInput {
  /** the job's spec JSON text */
  specJson: string;
  /** the training set: a bundled name, a root the worker's DatasetRegistry resolves, or the data itself (e.g. fetched) */
  datasetName?: string;
  datasetRoot?: Uint8Array;
  dataset?: Dataset;
  jobId: Uint8Array;
  seed: Uint8Array;
  segments: ReplaySegmentInput[];
  /** a parent job's final state encoding: its parameters (with zero optimiser slots) start this job */
  parentState?: Uint8Array | null;
}

export interface ReplayResult {
  /** hash of the derived initial state */
  h0: Uint8Array;
  /** per input segment (same order): h_{j·k+1} .. h_{end_j}, without the segment's start hash */
  segmentHashes: Uint8Array[][];
  /** per input segment: the f32be bits of the batch loss of each replayed step (its loss leaf, docs/jobs.md §1.1) */
  segmentLosses: Uint8Array[];
  /** per input segment: the start hash h_{j·k} of the state replayed from */
  startHashes: Uint8Array[];
  /** busy time of the worker thread from the first replayed step to the last (it never waits in between) */
  cpuMs: number;
  /** per input segment: the encoding of state_{captureAt}, or null where none was asked for */
  captured?: Array<Uint8Array | null>;
}

export interface ReplayProgress {
  /** the segment being replayed */
  segment: number;
  stepsDone: number;
  stepsTotal: number;
}

/** One replay per request; a worker serves them one after another. */
export interface WorkerRequest {
  id: number;
  input: ReplayInput;
  progressIntervalMs: number;
}

export type WorkerMessage =
  | ({ id: number; type: 'progress' } & ReplayProgress)
  | ({ id: number; type: 'done' } & ReplayResult)
  | { id: number; type: 'error'; code: string; message: string };
