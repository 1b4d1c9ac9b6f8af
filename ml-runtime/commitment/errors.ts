import { CodedError } from '../../primitives/index.ts';

/** Stable error codes of the ml-runtime. Each names one thing that was wrong. */
export type MlErrorCode =
  | 'SPEC_INVALID_JSON'
  | 'SPEC_INVALID'
  | 'SPEC_TOO_LARGE'
  | 'SPEC_DATASET_MISMATCH'
  | 'DATASET_UNKNOWN'
  | 'DATASET_INVALID'
  | 'DATASET_SAMPLE_RANGE'
  /** a user's dataset file (csv, jsonl, npy, text) that does not parse; the message names the line/field or byte */
  | 'DATASET_PARSE'
  /** a user's dataset over a size limit (file bytes, samples, encoded bytes), refused before it is stored */
  | 'DATASET_TOO_LARGE'
  | 'STATE_NON_FINITE'
  | 'STATE_DECODE'
  | 'STATE_MISMATCH'
  | 'MERKLE_INVALID'
  | 'PRF_INVALID'
  | 'TRACE_INVALID'
  | 'BACKEND_UNAVAILABLE';

/** The ml-runtime's typed error: `code` is stable, `message` says what was wrong and where. */
export class MlError extends CodedError<MlErrorCode> {
  readonly details: Record<string, unknown>;
  constructor(code: MlErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, `${code}: ${message}`);
    this.details = details;
  }
}

/** Raised when a training state holds NaN or +-Inf: the run ends, the state is never hashed. */
export class NonFiniteStateError extends MlError {
  readonly step: number;
  readonly tensor: string;
  readonly index: number;
  constructor(step: number, tensor: string, index: number, value: number) {
    super('STATE_NON_FINITE', `state at step ${step} has non-finite value ${value} in ${tensor}[${index}]`, { step, tensor, index });
    this.step = step;
    this.tensor = tensor;
    this.index = index;
  }
}
