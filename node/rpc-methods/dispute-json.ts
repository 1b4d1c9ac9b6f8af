// JSON views of a job's disputes and availability demands (docs/rpc.md "Disputes"), in the shapes
// rpc/api/dispute-json.ts declares. The state and sample bytes on chain are reported as progress
// (bytes received, samples received of needed), never inline.
import {
  batchNeeded, DISPUTE_KIND_NAMES, DISPUTE_STAGE_NAMES, DisputeKind, DisputeStage, DisputeWinner, stateShape,
  type DaDemand, type Dispute, type DisputeKindTag, type DisputeStageTag, type Job,
} from '../../vm/index.ts';
import {
  DISPUTE_KIND_NAMES as RPC_KIND_NAMES, DISPUTE_STAGE_NAMES as RPC_STAGE_NAMES,
  type DaDemandJson, type DisputeJson, type DisputeKindName, type DisputeStageName, type DisputeSummaryJson, type DisputeWinnerName, type Native,
} from '../../rpc/index.ts';
import { encodeAddress } from '../../primitives/index.ts';

// The wire names are declared in rpc/api; the vm's names, by tag, must be the same lists.
const KIND_TAGS = Object.values(DisputeKind) as DisputeKindTag[];
const STAGE_TAGS = Object.values(DisputeStage) as DisputeStageTag[];
if (KIND_TAGS.length !== RPC_KIND_NAMES.length || KIND_TAGS.some((k) => DISPUTE_KIND_NAMES[k] !== RPC_KIND_NAMES[k - 1])) {
  throw new Error(`rpc/api DISPUTE_KIND_NAMES (${RPC_KIND_NAMES.join(', ')}) differ from the vm's (${KIND_TAGS.map((k) => DISPUTE_KIND_NAMES[k]).join(', ')})`);
}
if (STAGE_TAGS.length !== RPC_STAGE_NAMES.length || STAGE_TAGS.some((k) => DISPUTE_STAGE_NAMES[k] !== RPC_STAGE_NAMES[k - 1])) {
  throw new Error(`rpc/api DISPUTE_STAGE_NAMES (${RPC_STAGE_NAMES.join(', ')}) differ from the vm's (${STAGE_TAGS.map((k) => DISPUTE_STAGE_NAMES[k]).join(', ')})`);
}

export const disputeKindName = (k: DisputeKindTag): DisputeKindName => RPC_KIND_NAMES[k - 1]!;
export const disputeStageName = (s: DisputeStageTag): DisputeStageName => RPC_STAGE_NAMES[s - 1]!;
export const disputeWinnerName = (d: Pick<Dispute, 'winner'>): DisputeWinnerName | null =>
  d.winner === DisputeWinner.Solver ? 'solver' : d.winner === DisputeWinner.Other ? 'other' : null;

const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

/**
 * Whether the disagreement was located (the dispute reached the referee stage): the vm then sets
 * solverNext to the solver's h_{t+1} (or the non-finite claim), never the 32 zero bytes it starts with.
 */
export const located = (d: Dispute): boolean => !isZero(d.solverNext);

/** The located step, or null. */
export const disputeStep = (d: Dispute): number | null => (located(d) ? d.step : null);

/** Distinct sample indices step t's batch draws; null when no batch is needed (not located, or t = -1). */
function batchOf(job: Job, d: Dispute): number[] | null {
  if (!located(d) || d.step < 0 || !job.seed) return null;
  return batchNeeded(job, d.step);
}

/** One dispute in job_get. */
export function disputeSummaryJson(job: Job, d: Dispute, index: number): DisputeSummaryJson<Native> {
  const resolved = d.stage === DisputeStage.Resolved;
  return {
    index, kind: disputeKindName(d.kind), by: encodeAddress(d.by), member: d.member ? encodeAddress(d.member) : null,
    segment: d.kind === DisputeKind.Solver ? d.segment : null, bond: d.bond, stage: disputeStageName(d.stage), deadline: resolved ? null : d.deadline,
    step: disputeStep(d), winner: disputeWinnerName(d), reason: d.reason || null, refereeHash: d.refereeHash.length ? d.refereeHash : null,
    openHeight: d.openHeight, endHeight: d.endHeight === 0n ? null : d.endHeight,
    supplies: d.supplies.map((s) => ({ party: encodeAddress(s.party), total: s.total, received: s.bytes.length })),
    samples: { received: d.samples.length, needed: batchOf(job, d)?.length ?? null },
  };
}

/**
 * job_getDispute. `parentOf` finds the parent job, whose final state is the one a dispute over the
 * derived initial state (t = -1) of a child job needs.
 */
export function disputeJson(job: Job, index: number, parentOf: (id: Uint8Array) => Job | undefined, height: bigint): DisputeJson<Native> {
  const d = job.disputes[index]!;
  const at = located(d);
  let stateBytes: number | null = null;
  if (at && d.step >= 0) stateBytes = stateShape(job).bytes;
  else if (at && job.terms.parent) {
    const parent = parentOf(job.terms.parent);
    stateBytes = parent ? stateShape(parent).bytes : null;
  }
  return {
    ...disputeSummaryJson(job, d, index), jobId: job.id, claim: d.claim, answer: d.answer,
    agreed: at && d.step >= 0 ? d.agreed : null, solverNext: at ? d.solverNext : null,
    otherNext: at && d.kind !== DisputeKind.Divergence ? d.otherNext : null,
    stateBytes, sampleIndices: d.samples.map((s) => s.index), batchIndices: batchOf(job, d), height,
  };
}

export const demandJson = (x: DaDemand, index: number): DaDemandJson<Native> => ({
  index, by: encodeAddress(x.by), checkpoint: x.checkpoint, chunk: x.chunk, fee: x.fee, height: x.height, deadline: x.deadline,
  answer: x.answer.length ? x.answer : null,
});
