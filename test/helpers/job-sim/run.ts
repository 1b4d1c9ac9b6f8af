// What a simulated solver produced for one job: its trace, checkpoints and how it was made.
import type { TrainState } from '../../../ml-runtime/index.ts';

export interface CheckpointRecord {
  step: number;
  chunkRoot: Uint8Array;
  stepHash: Uint8Array;
  /** the bytes served for this checkpoint (the canonical state encoding, or garbage); null until re-derived (sparse runs) */
  bytes: Uint8Array | null;
}

export interface SolverRun {
  jobId: Uint8Array;
  T: number;
  k: number;
  stepHashes: Uint8Array[];
  checkpoints: CheckpointRecord[];
  traceRoot: Uint8Array;
  checkpointsRoot: Uint8Array;
  finalChunkRoot: Uint8Array;
  finalStepHash: Uint8Array;
  /** segments the run did not compute honestly (all of them for whole-run cheats) */
  faked: number[];
  /** CPU time of producing the trace (steps, hashing, checkpoint encoding) */
  trainCpuMs: number;
  /** the training state after each step, when kept (tiny runs) */
  states: TrainState[] | null;
  /** false: DA serves nothing (openings are withheld from the committee) */
  serving: boolean;
  /** the final training state (honest runs) */
  finalState: TrainState | null;
  /** sparse runs: recomputes the encoding of checkpoint `index` from the nearest kept state */
  rederive: ((index: number) => Uint8Array) | null;
  /** CPU time spent re-deriving opened checkpoints after the challenge */
  rederiveCpuMs: number;
  leafHashCache?: Uint8Array[];
  cpLeafHashCache?: Uint8Array[];
}
