// Typed failures of the committee verifier. Data problems (the solver's fault or an unreachable
// solver) end in an UNAVAILABLE_DIGEST attestation; anything else is a local failure.
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

export class VerifierError extends Error {
  override readonly name = 'VerifierError';
  constructor(
    readonly code: VerifierErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
