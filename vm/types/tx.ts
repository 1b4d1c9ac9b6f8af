import type { JobOpening, JobTerms } from './job.ts';

/** Transaction kinds. The numeric tag is part of the signed encoding: never renumber. */
export const TxKind = {
  Transfer: 1, Stake: 2, Unbond: 3, JobSubmit: 4, JobAccept: 5, TraceCommit: 6, JobOpen: 7, JobAttest: 8, JobReveal: 9,
  DisputeOpen: 10, DisputeRespond: 11, StateSupply: 12, SampleSupply: 13, DaDemand: 14, DaChunk: 15, JobDiverge: 16,
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
  blsPop: Uint8Array; // 96-byte proof of possession of blsKey (vm/tx/bls-pop.ts), checked on every stake
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
  /** Merkle root over the per-segment loss leaves (ml-runtime/commitment/loss.ts); absent in tx version 1 */
  lossRoot?: Uint8Array | null;
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
  /** `losses`/`lossSiblings` (tx version 2, a job with a loss root): a sampled segment's loss leaf and its proof; empty on [0,0] and [T,T] */
  items: Array<{ from: number; hashes: Uint8Array[]; siblings: Uint8Array[]; losses?: Uint8Array; lossSiblings?: Uint8Array[] }>;
}

/** Opens a dispute against the solver's segment (`target` 'solver') or a member's attestation (docs/disputes.md §3). */
export interface DisputeOpenPayload {
  kind: 'dispute-open';
  jobId: Uint8Array;
  target: 'solver' | 'attestation';
  segment: number; // Solver target: the segment j; 0 otherwise
  member: Uint8Array | null; // Attestation target: the member's address
  hashes: Uint8Array[]; // Solver target: the disputer's h_{j·k} .. h_{end_j}; empty otherwise
}

/** The defendant's move: the solver's segment hashes with a range proof, or a member's digest preimage. */
export interface DisputeRespondPayload {
  kind: 'dispute-respond';
  jobId: Uint8Array;
  dispute: number; // index in job.disputes
  hashes: Uint8Array[];
  siblings: Uint8Array[]; // the range proof under traceRoot (solver); empty for a member
  /** the segment's loss leaf (a solver answering a segment dispute of a job with a loss root; tx version 2) */
  losses?: Uint8Array;
  /** its proof under lossRoot (index = the segment) */
  lossSiblings?: Uint8Array[];
}

/** A piece of state_t (appended to the sender's own supply for the dispute). */
export interface StateSupplyPayload {
  kind: 'state-supply';
  jobId: Uint8Array;
  dispute: number;
  offset: number;
  total: number;
  bytes: Uint8Array;
}

/** Samples of the disputed step's batch, each proven under the dataset root. */
export interface SampleSupplyPayload {
  kind: 'sample-supply';
  jobId: Uint8Array;
  dispute: number;
  items: Array<{ index: number; bytes: Uint8Array; siblings: Uint8Array[] }>;
}

/** Demands that the solver post checkpoint chunk `chunk` of checkpoint `checkpoint` on chain. */
export interface DaDemandPayload {
  kind: 'da-demand';
  jobId: Uint8Array;
  checkpoint: number;
  chunk: number;
}

/** The solver's answer to demands: the checkpoint leaf under checkpointsRoot and the chunk under its chunk root. */
export interface DaChunkPayload {
  kind: 'da-chunk';
  jobId: Uint8Array;
  checkpoint: number;
  chunkRoot: Uint8Array;
  stepHash: Uint8Array;
  checkpointSiblings: Uint8Array[];
  chunk: number;
  bytes: Uint8Array;
  chunkSiblings: Uint8Array[];
}

/** The solver commits h_0..h_t (as TraceCommit would for T = t) and claims that step t is non-finite. */
export interface JobDivergePayload {
  kind: 'job-diverge';
  jobId: Uint8Array;
  step: number; // t
  traceRoot: Uint8Array;
  checkpointsRoot: Uint8Array;
  finalChunkRoot: Uint8Array; // chunk root of state_t
  finalStepHash: Uint8Array; // h_t
}

export type DisputePayload =
  | DisputeOpenPayload | DisputeRespondPayload | StateSupplyPayload | SampleSupplyPayload | DaDemandPayload | DaChunkPayload | JobDivergePayload;

export type JobPayload = JobSubmitPayload | JobAcceptPayload | TraceCommitPayload | JobOpenPayload | JobAttestPayload | JobRevealPayload | DisputePayload;

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
