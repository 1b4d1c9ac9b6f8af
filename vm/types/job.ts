import type { DaDemand, Dispute } from './dispute.ts';
// Proof-of-learning jobs as consensus state (docs/jobs.md is the normative description).

/** Lifecycle phases. The numeric tag is part of the state encoding: never renumber. */
export const JobStatus = {
  Open: 1, // submitted, bounty escrowed, waiting for a solver
  Accepted: 2, // a solver bonded; the seed comes from the next block's beacon
  Training: 3, // seed known; waiting for the solver's TraceCommit
  Committed: 4, // trace committed; the challenge comes from the beacon at commitHeight + challengeDelay
  Challenged: 5, // segments and committee drawn; waiting for the solver's JobOpen
  Attesting: 6, // openings on chain; committee members post their recomputed digests
  Revealing: 7, // attest window closed; waiting for the solver's JobReveal(s)
  Finalized: 8, // paid; the final weights are a proven model
  Slashed: 9, // solver's bond burned, bounty refunded
  Expired: 10, // nobody accepted in time, escrow refunded
  Provisional: 11, // the committee's verdict is in; anyone may dispute until windowEnd (docs/disputes.md)
  Diverged: 12, // the run became non-finite at divergedAt + 1 (proven by the referee); bond returned
  Diverging: 13, // JobDiverge landed; the referee checks that step divergedAt really is non-finite
  Redrawing: 14, // the committee missed its quorum; a fresh one is drawn from the pool at `deadline`
} as const;
export type JobStatusTag = (typeof JobStatus)[keyof typeof JobStatus];
export const JOB_STATUS_NAMES: Record<JobStatusTag, string> = {
  1: 'open', 2: 'accepted', 3: 'training', 4: 'committed', 5: 'challenged', 6: 'attesting', 7: 'revealing',
  8: 'finalized', 9: 'slashed', 10: 'expired', 11: 'provisional', 12: 'diverged', 13: 'diverging', 14: 'redrawing',
};

/**
 * Bounds of docs/jobs.md §1. Decode bounds (TX_MALFORMED) size the lists so a transaction stays
 * bounded; term bounds (JOB_INVALID) keep every job checkable by a committee.
 */
export const JOB_LIMITS = {
  maxSpecBytes: 4096,
  maxRuntimeLength: 16,
  maxSteps: 65536, // T
  minInterval: 2, // k: every segment has a step hash that is never opened
  maxInterval: 64,
  maxDatasetSize: 1 << 20,
  maxQ: 64,
  maxCommitteeSize: 16, // seats (terms.committeeSize); the distinct members are never more
  maxPool: 1024, // validators a TraceCommit snapshots (the largest stakes when there are more)
  maxWindow: 10000,
  minChallengeDelay: 2,
  maxDaPeerLength: 128,
  maxDaAddrs: 4,
  maxDaAddrLength: 256,
  maxOpenings: 66, // {0} ∪ up to 64 segments ∪ {last}
  maxRevealItems: 66, // [0,0], up to 64 segments, [T,T]
  maxRevealHashes: 65, // k + 1
  maxSiblings: 64, // a range proof over ≤ 65537 leaves needs ≤ 34
  // disputes (docs/disputes.md)
  maxDisputes: 32, // disputes a job may ever have (the record stays bounded)
  maxOpenDisputes: 8, // unresolved at once
  maxDemands: 64, // availability demands a job may ever have
  maxOpenDemands: 16,
  maxStateBytes: 16 * 1024 * 1024, // the largest state a referee accepts on chain
  maxStepCost: 2_000_000_000, // multiply-adds of one training step (refereeCost in ml-runtime/commitment)
  maxSupplyPiece: 1 << 20, // bytes of one StateSupply piece (the chain's maxTxBytes bounds it further)
  maxSampleBytes: 1 << 20, // one sample's encoding
  maxSampleItems: 256, // samples per SampleSupply
} as const;

/**
 * Protocol floors on the checking a job buys (docs/jobs.md §3): at least this many seats and segment
 * draws, so a minority of stake cannot hold a committee and a cheat of a few segments is likely drawn.
 */
export const JOB_FLOORS = {
  minCommitteeSize: 5, // seats (JOB_COMMITTEE_TOO_SMALL below)
  minQ: 16, // segment draws (JOB_Q_TOO_LOW below)
  maxCommittees: 3, // committees a job may draw before it ends `no-quorum`
} as const;

/** r: how many seats replay each sampled segment (docs/jobs.md §4; one honest replay suffices with disputes). */
export const JOB_REPLICATION = 1;

/** The runtimes a job may name: the det backend's version (ml-runtime/det DET_RUNTIME_VERSION; a test pins them equal). */
export const JOB_RUNTIMES: readonly string[] = ['det-1'];

/** The phase windows in their encoding order (JobSubmit's windows array). */
export const JOB_WINDOW_NAMES = ['accept', 'commit', 'challengeDelay', 'open', 'attest', 'reveal'] as const;

/** Block counts for each phase; all in [1, JOB_LIMITS.maxWindow], challengeDelay ≥ 2. */
export interface JobWindows {
  accept: number; // blocks after submit in which a solver may accept
  commit: number; // blocks after the seed is fixed in which the solver must commit
  challengeDelay: number; // d: the challenge uses the beacon at commitHeight + d
  open: number; // blocks after the challenge in which the solver must open
  attest: number; // blocks after the openings in which the committee attests
  reveal: number; // blocks after the attest window in which the solver must reveal
}

/** The dispute game's terms (docs/disputes.md §2), fixed by JobSubmit. */
export interface DisputeTerms {
  window: number; // blocks after the verdict in which anyone may dispute (and demand chunks)
  move: number; // blocks each party has for each move of a dispute or demand
  bond: bigint; // what a disputer bonds (lost to the other side if the disputer is proven wrong)
  demandFee: bigint; // what an availability demand costs (paid to the solver when its chunk arrives)
  maxStateBytes: number; // the state size the chain accepts for this job (≥ the spec's, ≤ JOB_LIMITS.maxStateBytes)
  maxStepCost: number; // one step's multiply-adds the chain accepts (≥ the spec's, ≤ JOB_LIMITS.maxStepCost)
}

/** Everything fixed by JobSubmit, before any work starts. */
export interface JobTerms {
  /** canonical model-spec JSON (UTF-8): architecture, optimiser, lr, batch size, steps T, checkpoint interval k */
  spec: Uint8Array;
  runtime: string; // e.g. 'det-1'
  datasetRoot: Uint8Array; // 32-byte Merkle root over the training samples
  datasetSize: number; // number of training samples under datasetRoot
  q: number; // segment draws (with replacement) at challenge time
  committeeSize: number;
  windows: JobWindows;
  solverStake: bigint; // bond the solver must post
  bounty: bigint; // paid to an honest solver
  attestReward: bigint; // paid per seat (floor(attestReward / seats)) to members whose digest the verdict confirms; the rest is refunded
  parent: Uint8Array | null; // a finalized job whose final weights initialise this one
  dispute: DisputeTerms;
}

export interface JobCommitment {
  traceRoot: Uint8Array; // Merkle root over h_0..h_T
  checkpointsRoot: Uint8Array; // Merkle root over checkpoint leaves (step, chunkRoot, h_step)
  finalChunkRoot: Uint8Array; // chunk root of the final state's encoding: the proven model's weights root
  finalStepHash: Uint8Array; // h_T
  height: bigint;
  /** Merkle root over the per-segment loss leaves (docs/jobs.md §1.1); null for a TraceCommit of tx version 1 */
  lossRoot?: Uint8Array | null;
}

/** An opened checkpoint: its leaf under checkpointsRoot (verified on chain). */
export interface JobOpening {
  index: number; // checkpoint index (its step is min(index * k, T))
  chunkRoot: Uint8Array;
  stepHash: Uint8Array;
}

export interface CommitteeMember {
  address: Uint8Array;
  stake: bigint; // stake snapshot at TraceCommit time (job.pool)
}

export interface JobAttestation {
  address: Uint8Array;
  digest: Uint8Array; // attestationDigest(...) or 32 zero bytes for "data unavailable"
  height: bigint;
}

/** Revealed trace leaves h_from..h_to (inclusive), verified against traceRoot. */
export interface JobReveal {
  from: number;
  hashes: Uint8Array[];
  /** the segment's loss leaf, proven under lossRoot (a job with a loss root, sampled segments only) */
  losses?: Uint8Array;
}

export interface Job {
  id: Uint8Array; // SHA-256 of the JobSubmit transaction
  submitter: Uint8Array;
  terms: JobTerms;
  status: JobStatusTag;
  submitHeight: bigint;
  /** The height at which the current phase times out (inclusive: the last height a phase tx may land). */
  deadline: bigint;
  solver: Uint8Array | null;
  /** libp2p peer id and multiaddrs where the solver serves checkpoint chunks. */
  daPeer: string;
  daAddrs: string[];
  acceptHeight: bigint; // 0 until accepted
  seed: Uint8Array | null;
  commitment: JobCommitment | null;
  challengeHeight: bigint; // 0 until committed (then commitHeight + challengeDelay)
  segments: number[]; // distinct sampled segment indices, ascending
  /** Eligible validators when the trace was committed (stake > 0, not jailed, not the solver), ascending by address. */
  pool: CommitteeMember[];
  /** Holder of each seat of the current committee, in draw order (a member may hold several). */
  seats: Uint8Array[];
  /** The distinct seat holders of the current committee, ascending by address, with their pool stake. */
  committee: CommitteeMember[];
  draws: number; // committees drawn so far (1 after the challenge)
  /** Members ever found silent at a quorum check (never drawn again for this job), ascending. */
  silent: Uint8Array[];
  openings: JobOpening[]; // ascending by index
  attestations: JobAttestation[]; // ascending by address
  reveals: JobReveal[]; // ascending by from
  /** Why the job ended ('' while running): one of JobOutcome. */
  outcome: string;
  endHeight: bigint; // 0 while running
  /** The provisional verdict ('' before it): 'paid' or 'mismatch' from the committee, 'diverged' from a divergence proof. */
  verdict: string;
  /** Last height at which a dispute or demand may be opened against the provisional verdict (0 before it). */
  windowEnd: bigint;
  /** t when the solver committed h_0..h_t and claims step t is non-finite (JobDiverge); 0 otherwise. */
  divergedAt: number;
  disputes: Dispute[]; // in the order they were opened
  demands: DaDemand[]; // in the order they were made
}

/** Why a job ended. */
export const JobOutcome = {
  Paid: 'paid', Mismatch: 'mismatch', NoCommit: 'no-commit', NoOpen: 'no-open', NoReveal: 'no-reveal', NoSolver: 'no-solver',
  Fraud: 'fraud', NoData: 'no-data', Diverged: 'diverged', FalseDivergence: 'false-divergence', NoQuorum: 'no-quorum',
} as const;

/** What changed for a job in a block (for RPC subscriptions and logs; not hashed). */
export interface JobUpdate {
  jobId: Uint8Array;
  status: JobStatusTag;
  outcome: string;
}
