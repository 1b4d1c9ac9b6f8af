// Typed failures of the committee verifier, and how any failure is classified. Data problems (the
// solver's fault or an unreachable solver) end in an UNAVAILABLE_DIGEST attestation; anything else
// is a local failure. An opened checkpoint that is available (proven under its chunk root) but no
// usable state is not a failure at all: verify.ts claims NO_HASH for its segment.
import { MlError } from '../../ml-runtime/index.ts';
import { isJobsError } from '../jobs/index.ts';
import { CodedError } from '../../primitives/index.ts';

export type VerifierErrorCode =
  /** options that cannot work (a seed that does not sign as the validator address) */
  | 'VERIFIER_BAD_OPTIONS'
  /** the job has no opening for a sampled segment, no seed, or a spec the chain should have refused */
  | 'VERIFIER_JOB_INVALID'
  /** the time budget before the attest deadline ran out */
  | 'VERIFIER_TIMEOUT'
  /** the job left the attesting phase (or the service stopped) while it was being verified */
  | 'VERIFIER_CANCELLED'
  /** the parent job's final weights could not be resolved */
  | 'VERIFIER_PARENT_UNAVAILABLE';

export class VerifierError extends CodedError<VerifierErrorCode> {}

/** Failures that mean "the solver's data could not be obtained or checked": they end in UNAVAILABLE_DIGEST. */
export function isDataFailure(e: unknown): boolean {
  if (e instanceof VerifierError) return e.code !== 'VERIFIER_CANCELLED';
  if (e instanceof MlError) return true; // a spec, dataset or state the runtime refuses
  if (isJobsError(e)) {
    // a worker that died (out of memory, killed) says nothing about the solver's data
    if (e.code === 'REPLAY_WORKER_DIED') return false;
    if (e.code === 'REPLAY_FAILED') return true;
    return e.code.startsWith('DA_') || e.code.startsWith('DATASET_') || e.code === 'REPLAY_ABORTED';
  }
  return false;
}

/**
 * Failures that may pass: the solver restarting or briefly unreachable, or its node not yet showing
 * the committee that holds this validator (DA_FORBIDDEN). They are retried until the budget runs
 * out (and, in a node, its chunks demanded on chain); a proof that fails or a wrong dataset is final at once.
 */
export function isTransient(e: unknown): boolean {
  return isJobsError(e) && (e.code === 'DA_UNREACHABLE' || e.code === 'DA_TIMEOUT' || e.code === 'DA_NOT_FOUND' || e.code === 'DA_FORBIDDEN');
}
