// The referee's step function as the chain sees it (docs/disputes.md §4). Types only: the vm
// receives an implementation from the node (ml-runtime/referee, which runs the det runtime), the
// way it receives consensus hooks, so block validation never loads tfjs through the vm's imports.

/** One training step to re-execute: state_t → state_{t+1} under the job's spec, seed and data. */
export interface RefereeStepInput {
  jobId: Uint8Array;
  /** the job's canonical model-spec JSON bytes (JobTerms.spec) */
  spec: Uint8Array;
  seed: Uint8Array;
  /** number of samples under the dataset root (batch indices are drawn from [0, datasetSize)) */
  datasetSize: number;
  /** the step to execute: the state's step counter */
  t: number;
  /** canonical encoding of state_t; the chain has checked that it hashes to the agreed h_t */
  state: Uint8Array;
  /** canonical sample bytes, proven under the dataset root, for every index of batchIndices(seed, t, batchSize, datasetSize) */
  samples: ReadonlyMap<number, Uint8Array>;
}

/**
 * What the step produced: h_{t+1} of a finite state_{t+1} and the step's batch loss (float32, the value
 * the solver commits under its loss root; initialHash reports NaN); `non-finite` when state_{t+1} holds
 * NaN/Inf (a diverged run); `invalid` when the inputs cannot be trained on (a state that does not
 * decode under the spec's layout, a sample that does not fit the spec's input or output size).
 */
export type RefereeResult =
  | { kind: 'hash'; hash: Uint8Array; loss: number }
  | { kind: 'non-finite'; reason: string }
  | { kind: 'invalid'; reason: string };

/** The derived state_0 of a job: PRF-initialised, or the parent's final parameters with zero optimiser slots. */
export interface RefereeInitialInput {
  jobId: Uint8Array;
  spec: Uint8Array;
  seed: Uint8Array;
  /** canonical encoding of the parent job's final state (checked against its final step hash), or null */
  parentState: Uint8Array | null;
}

export interface StepReferee {
  /** the runtime ids this referee executes (e.g. ['det-1']) */
  readonly runtimes: readonly string[];
  step(input: RefereeStepInput): RefereeResult;
  /** h_0 of the derived initial state, or `invalid` when the parent's state does not decode under the child's spec */
  initialHash(input: RefereeInitialInput): RefereeResult;
}
