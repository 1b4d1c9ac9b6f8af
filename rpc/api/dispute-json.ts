// JSON shapes of disputes and availability demands (docs/rpc.md "Disputes", docs/disputes.md for the
// game). job_get carries a compact summary per dispute (progress as counts, never the state or sample
// bytes); job_getDispute gives one dispute with its hash lists. Values that do not exist yet (no
// located step, no winner, a height still 0) are null.

import { address, array, big, hash, int, nullable, object, oneOfStrings, str } from './shape.ts';
import type { Repr, Wire } from './wire.ts';

/** The vm's DISPUTE_KIND_NAMES, by tag 1, 2, 3. */
export const DISPUTE_KIND_NAMES = ['solver', 'attestation', 'divergence'] as const;
export type DisputeKindName = (typeof DISPUTE_KIND_NAMES)[number];
/** The vm's DISPUTE_STAGE_NAMES, by tag 1, 2, 3. */
export const DISPUTE_STAGE_NAMES = ['respond', 'referee', 'resolved'] as const;
export type DisputeStageName = (typeof DISPUTE_STAGE_NAMES)[number];
/** Which side a resolved dispute went to: the solver, or the other party (the disputer, or the disputed member). */
export const DISPUTE_WINNER_NAMES = ['solver', 'other'] as const;
export type DisputeWinnerName = (typeof DISPUTE_WINNER_NAMES)[number];
/** What a `disputes` notification reports: a new dispute, one whose step was located, one decided. */
export const DISPUTE_EVENT_NAMES = ['opened', 'referee', 'resolved'] as const;
export type DisputeEventName = (typeof DISPUTE_EVENT_NAMES)[number];

const KIND = oneOfStrings(DISPUTE_KIND_NAMES, 'solver: a challenger disputes a segment; attestation: a member\'s digest is disputed; divergence: the solver\'s proof that its run became non-finite');
const STAGE = oneOfStrings(DISPUTE_STAGE_NAMES, 'respond: waiting for the defendant\'s hashes; referee: waiting for state_t and the batch; resolved');
const WINNER = nullable(oneOfStrings(DISPUTE_WINNER_NAMES, 'the side the dispute went to; null while open'));

/** One party's state buffer for the referee: bytes received so far of the declared total. */
export interface StateSupplyJson { party: string; total: number; received: number }
export const STATE_SUPPLY = object({ party: address(), total: int('declared state length in bytes'), received: int('bytes on chain so far') });

/** One dispute in job_get: who, what, where it stands and how it ended. */
export interface DisputeSummaryJson<W extends Repr = Wire> {
  index: number; kind: DisputeKindName; by: string; member: string | null; segment: number | null; bond: W['big'];
  stage: DisputeStageName; deadline: W['big'] | null;
  /** The located step t (the referee runs state_t → state_{t+1}; -1: the derived initial state); null before it is located. */
  step: number | null;
  winner: DisputeWinnerName | null; reason: string | null; refereeHash: W['bytes'] | null;
  openHeight: W['big']; endHeight: W['big'] | null;
  supplies: StateSupplyJson[];
  /** Samples of step t's batch on chain, of how many the referee needs (null before a step ≥ 0 is located). */
  samples: { received: number; needed: number | null };
}
const SUMMARY_PROPS = {
  index: int('index in the job\'s disputes'), kind: KIND, by: address('the disputer (the solver for a divergence proof)'),
  member: nullable(address('the disputed member (attestation kind)')), segment: nullable(int('the disputed segment (solver kind)')),
  bond: big('the disputer\'s bond'), stage: STAGE, deadline: nullable(big('last height of the current move; null once resolved')),
  step: nullable(int('the located step t (-1: the derived initial state); null before it is located')), winner: WINNER,
  reason: nullable(str('why it was decided: referee, no-response, no-state, no-difference, start-mismatch, cancelled; null while open')),
  refereeHash: nullable(hash('the referee\'s h_{t+1} (ff..ff: non-finite) when the referee decided')),
  openHeight: big(), endHeight: nullable(big()),
  supplies: array(STATE_SUPPLY, 'each party\'s state buffer (cleared once resolved)'),
  samples: object({ received: int('samples of the batch on chain'), needed: nullable(int('distinct samples the batch draws')) }),
};
export const DISPUTE_SUMMARY = object(SUMMARY_PROPS);

/** job_getDispute: one dispute with the hash lists both sides put on chain. */
export interface DisputeJson<W extends Repr = Wire> extends DisputeSummaryJson<W> {
  jobId: W['bytes'];
  /** The disputer's hashes (solver kind), or the member's digest preimage once it answered (attestation kind). */
  claim: W['bytes'][];
  /** The solver's hashes of the segment (solver kind, after its answer or from its reveal). */
  answer: W['bytes'][];
  /** h_t both sides agree on; null before the step is located and for t = -1. */
  agreed: W['bytes'] | null;
  /** The solver's h_{t+1} (ff..ff for a divergence proof); null before the step is located. */
  solverNext: W['bytes'] | null;
  /** The other side's h_{t+1}; null before the step is located and for a divergence proof. */
  otherNext: W['bytes'] | null;
  /** The exact state length a supply must declare; null when no state is needed or the step is not located. */
  stateBytes: number | null;
  /** Indices of the batch's samples on chain, ascending. */
  sampleIndices: number[];
  /** Every index step t's batch draws (null before a step ≥ 0 is located). */
  batchIndices: number[] | null;
  height: W['big'];
}
export const DISPUTE = object({
  ...SUMMARY_PROPS, jobId: hash('job id'), claim: array(hash()), answer: array(hash()), agreed: nullable(hash()), solverNext: nullable(hash()),
  otherNext: nullable(hash()), stateBytes: nullable(int()), sampleIndices: array(int()), batchIndices: nullable(array(int())), height: big('the latest block'),
});

/** An availability demand (docs/disputes.md §6). */
export interface DaDemandJson<W extends Repr = Wire> {
  index: number; by: string; checkpoint: number; chunk: number; fee: W['big']; height: W['big']; deadline: W['big'];
  /** Hash of the DaChunk transaction that answered it; null while open. */
  answer: W['bytes'] | null;
}
export const DA_DEMAND = object({
  index: int(), by: address('the demander'), checkpoint: int(), chunk: int(), fee: big(), height: big('where it was made'),
  deadline: big('last height for the solver\'s DaChunk'), answer: nullable(hash('the DaChunk transaction that answered it')),
});

/** One `disputes` topic notification. */
export interface DisputeUpdateJson<W extends Repr = Wire> {
  jobId: W['bytes']; index: number; kind: DisputeKindName; event: DisputeEventName; stage: DisputeStageName;
  step: number | null; winner: DisputeWinnerName | null; reason: string | null; height: W['big'];
}
export const DISPUTE_UPDATE = object({
  jobId: hash(), index: int(), kind: KIND, event: oneOfStrings(DISPUTE_EVENT_NAMES), stage: STAGE, step: nullable(int()), winner: WINNER,
  reason: nullable(str()), height: big('the committing block'),
});
