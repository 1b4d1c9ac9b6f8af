import type { JobOpening, JobTerms } from './job.ts';

/** Transaction kinds. The numeric tag is part of the signed encoding: never renumber. */
export const TxKind = {
  Transfer: 1, Stake: 2, Unbond: 3, JobSubmit: 4, JobAccept: 5, TraceCommit: 6, JobOpen: 7, JobAttest: 8, JobReveal: 9,
} as const;
export type TxKindTag = (typeof TxKind)[keyof typeof TxKind];

export interface TransferPayload {
  kind: 'transfer';
  to: Uint8Array; // 20-byte address
  amount: bigint;
}

/** Creates a validator for the sender or adds to its stake. */
export interface StakePayload {
  kind: 'stake';
  consensusKey: Uint8Array; // 32-byte ed25519 key the validator signs blocks and votes with
  blsKey: Uint8Array; // 48-byte BLS12-381 public key the validator signs the beacon with
  amount: bigint;
}

/** Moves stake into the unbonding queue; it returns to the balance after the unbonding period. */
export interface UnbondPayload {
  kind: 'unbond';
  amount: bigint;
}

/** Posts a job and escrows bounty + attestReward (docs/jobs.md). */
export interface JobSubmitPayload {
  kind: 'job-submit';
  terms: JobTerms;
}

/** Bonds terms.solverStake and names where the solver serves its checkpoints. */
export interface JobAcceptPayload {
  kind: 'job-accept';
  jobId: Uint8Array;
  daPeer: string;
  daAddrs: string[];
}

export interface TraceCommitPayload {
  kind: 'trace-commit';
  jobId: Uint8Array;
  traceRoot: Uint8Array;
  checkpointsRoot: Uint8Array;
  finalChunkRoot: Uint8Array;
  finalStepHash: Uint8Array;
}

export interface JobOpenPayload {
  kind: 'job-open';
  jobId: Uint8Array;
  openings: Array<JobOpening & { siblings: Uint8Array[] }>;
}

export interface JobAttestPayload {
  kind: 'job-attest';
  jobId: Uint8Array;
  digest: Uint8Array;
}

export interface JobRevealPayload {
  kind: 'job-reveal';
  jobId: Uint8Array;
  items: Array<{ from: number; hashes: Uint8Array[]; siblings: Uint8Array[] }>;
}

export type JobPayload = JobSubmitPayload | JobAcceptPayload | TraceCommitPayload | JobOpenPayload | JobAttestPayload | JobRevealPayload;

export type TxPayload = TransferPayload | StakePayload | UnbondPayload | JobPayload;

export interface TxBody {
  chainId: string;
  nonce: bigint;
  fee: bigint;
  payload: TxPayload;
}

export interface SignedTx {
  body: TxBody;
  publicKey: Uint8Array; // 32-byte ed25519; the sender's address derives from it
  signature: Uint8Array; // 64 bytes over txSigningBytes(body)
}

/** A decoded, stateless-valid transaction with its derived fields cached. */
export interface VerifiedTx {
  tx: SignedTx;
  bytes: Uint8Array;
  hash: Uint8Array;
  sender: Uint8Array;
}
