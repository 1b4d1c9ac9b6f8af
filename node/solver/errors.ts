import { CodedError } from '../../primitives/index.ts';

export type SolverErrorCode =
  | 'SOLVER_BAD_OPTIONS'
  | 'SOLVER_BAD_JOB' // a job JSON from RPC that does not have the expected shape
  | 'SOLVER_CANNOT_RUN' // the job is not one this solver can run (runtime, dataset, size, funds)
  | 'SOLVER_DEADLINE' // a phase deadline passed before the solver's transaction landed
  | 'SOLVER_TX_TOO_LARGE' // a single item does not fit under maxTxBytes
  | 'SOLVER_TX_FAILED' // a transaction was rejected and retrying cannot help
  | 'SOLVER_ARTIFACTS' // the on-disk trace does not match what the chain expects
  | 'SOLVER_PARENT_UNAVAILABLE' // a parent job's final weights could not be had (its solver unreachable, bad data); may work later
  | 'SOLVER_STOPPED'; // stop() or the abort signal ended the work

/** A solver failure with a stable code. */
export class SolverError extends CodedError<SolverErrorCode> {}
