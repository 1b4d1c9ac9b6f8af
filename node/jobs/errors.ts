import { CodedError } from '../../primitives/index.ts';

// Typed failures of the node's job machinery (artifacts on disk, data availability over libp2p,
// replay). Codes are stable: callers branch on them (e.g. an attester posts UNAVAILABLE_DIGEST on
// any DA_* failure that is the solver's fault).
export type JobsErrorCode =
  /** the peer does not serve this job / checkpoint / chunk / dataset root */
  | 'DA_NOT_FOUND'
  /** data that does not match its commitment: chunk proof, state hash, sample proof, dataset root */
  | 'DA_BAD_PROOF'
  /**
   * every byte of an opened checkpoint is proven under the opened chunk root, yet it is not a state of
   * the opening (a chunk of another length, no decoding under the spec, another step, another step
   * hash): the solver committed it so, and no retry or demand can change it
   */
  | 'DA_BAD_STATE'
  /** a response that does not parse or has the wrong shape or size */
  | 'DA_BAD_RESPONSE'
  /** a request that does not parse or asks for too much */
  | 'DA_BAD_REQUEST'
  /** something larger than the configured bound (state, dataset, sample) */
  | 'DA_TOO_LARGE'
  | 'DA_TIMEOUT'
  /** the requester may not have this checkpoint now (not on the committee, no demand or dispute; docs/da.md §2b) */
  | 'DA_FORBIDDEN'
  /** the request's proof of identity is malformed, does not verify for this chain, job and peer, or has expired */
  | 'DA_AUTH_INVALID'
  /** no connection to the serving peer could be made (dial failed, banned, protocol not spoken) */
  | 'DA_UNREACHABLE'
  | 'DA_ABORTED'
  /** a dataset name or root that no registry knows */
  | 'DATASET_UNKNOWN'
  /** a dataset name and root that do not belong together, or samples that do not form one dataset */
  | 'DATASET_MISMATCH'
  /** a stored dataset name already taken by other data (or a bundled dataset's name), or a name that is not allowed */
  | 'DATASET_NAME'
  /** a stored dataset whose files are missing, truncated or no longer encode to their root */
  | 'DATASET_CORRUPT'
  | 'REPLAY_FAILED'
  /** a dispute move (a state piece, one sample) that cannot fit the chain's transaction size limit */
  | 'DISPUTE_TX_TOO_LARGE'
  /** the replay worker thread crashed or exited without a result (memory, a kill): says nothing about the data */
  | 'REPLAY_WORKER_DIED'
  | 'REPLAY_ABORTED'
  /** bad arguments to the artifact store (wrong order, wrong sizes, bad spec) */
  | 'ARTIFACTS_INVALID'
  | 'ARTIFACTS_EXISTS'
  | 'ARTIFACTS_NOT_FOUND'
  /** the job's folder exists but training never finished writing it */
  | 'ARTIFACTS_INCOMPLETE'
  /** files on disk disagree with the recorded meta (truncated, edited, bit rot) */
  | 'ARTIFACTS_CORRUPT';

export class JobsError extends CodedError<JobsErrorCode> {}

export function isJobsError(e: unknown, code?: JobsErrorCode): e is JobsError {
  return e instanceof JobsError && (code === undefined || e.code === code);
}
