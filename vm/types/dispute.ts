// Disputes and availability demands as consensus state (docs/disputes.md is normative).

/** Who a dispute is against. The numeric tag is part of the state encoding: never renumber. */
export const DisputeKind = {
  Solver: 1, // a challenger says the solver's trace is wrong inside a segment
  Attestation: 2, // someone (usually the solver) says a committee member's attestation is wrong
  Divergence: 3, // the solver says step t+1 of its run is non-finite (JobDiverge)
} as const;
export type DisputeKindTag = (typeof DisputeKind)[keyof typeof DisputeKind];
export const DISPUTE_KIND_NAMES: Record<DisputeKindTag, string> = { 1: 'solver', 2: 'attestation', 3: 'divergence' };

export const DisputeStage = {
  Respond: 1, // waiting for the defendant's hashes (the solver's segment, the member's digest preimage)
  Referee: 2, // the disputed step is located; waiting for state_t (and the batch's samples) on chain
  Resolved: 3,
} as const;
export type DisputeStageTag = (typeof DisputeStage)[keyof typeof DisputeStage];
export const DISPUTE_STAGE_NAMES: Record<DisputeStageTag, string> = { 1: 'respond', 2: 'referee', 3: 'resolved' };

/** Which side a resolved dispute went to. */
export const DisputeWinner = { None: 0, Solver: 1, Other: 2 } as const;
export type DisputeWinnerTag = (typeof DisputeWinner)[keyof typeof DisputeWinner];

/** The claim "state_{t+1} is not finite" (no step hash can equal it). */
export const NON_FINITE_CLAIM = new Uint8Array(32).fill(0xff);

/** A state under construction, appended piece by piece by one party. */
export interface StateSupply {
  party: Uint8Array;
  total: number; // declared length of the state encoding
  bytes: Uint8Array; // the pieces so far, in order
}

export interface DisputeSample {
  index: number;
  bytes: Uint8Array; // canonical sample encoding, proven under the dataset root
}

export interface Dispute {
  kind: DisputeKindTag;
  /** the disputer (the solver for a divergence proof); its bond is `bond` */
  by: Uint8Array;
  /** the committee member whose attestation is disputed; null otherwise */
  member: Uint8Array | null;
  /** the disputed segment (Solver kind); 0 otherwise */
  segment: number;
  bond: bigint;
  openHeight: bigint;
  stage: DisputeStageTag;
  /** last height the current stage's move may land at */
  deadline: bigint;
  /** the other side's hashes: the challenger's h_{j·k} .. h_{end} (Solver kind), the member's digest preimage h0, segment hashes... (Attestation kind, after its response) */
  claim: Uint8Array[];
  /** the solver's hashes of the segment (Solver kind, after its response or from the reveal) */
  answer: Uint8Array[];
  /** the located step: the referee executes state_t → state_{t+1}; -1 = the derived initial state */
  step: number;
  /** h_t both sides agree on (32 zero bytes when step = -1) */
  agreed: Uint8Array;
  /** the solver's h_{t+1} (h_0 when step = -1; NON_FINITE_CLAIM for a divergence proof) */
  solverNext: Uint8Array;
  /** the other side's h_{t+1} (32 zero bytes for a divergence proof) */
  otherNext: Uint8Array;
  supplies: StateSupply[];
  samples: DisputeSample[]; // ascending by index
  winner: DisputeWinnerTag;
  /** why it was decided ('' while open), e.g. 'referee', 'no-response', 'no-state', 'no-difference', 'start-mismatch', 'cancelled' */
  reason: string;
  /** the referee's h_{t+1} (or NON_FINITE_CLAIM) when the referee decided; empty otherwise */
  refereeHash: Uint8Array;
  endHeight: bigint;
}

/** An availability demand: a named checkpoint chunk the solver must post on chain. */
export interface DaDemand {
  by: Uint8Array;
  checkpoint: number;
  chunk: number;
  fee: bigint;
  height: bigint;
  deadline: bigint;
  /** hash of the DaChunk transaction that answered it; empty while open */
  answer: Uint8Array;
}
