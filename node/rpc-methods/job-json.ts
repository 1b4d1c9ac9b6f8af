// JSON views of proof-of-learning jobs for RPC (docs/rpc.md, "Jobs"), in the shapes rpc/api
// declares; bigint and Uint8Array values are left for the rpc module's replacer to encode.
import {
  DisputeStage, judgeJob, JOB_STATUS_NAMES, JobOutcome, JobStatus, provenWrong, UNAVAILABLE_DIGEST, type Job, type JobTerms, type JobStatusTag, type JobUpdate,
} from '../../vm/index.ts';
import { checkpointSteps, requiredRanges as scheduleRanges, segmentCount, parseSpec, specHash, specShapes, specInputShape, isTransformerSpec } from '../../ml-runtime/index.ts';
import {
  JOB_OUTCOME_NAMES, JOB_STATUS_NAMES as RPC_STATUS_NAMES, JOB_VERDICT_NAMES,
  type JobAttestationsJson, type JobJson, type JobModelJson, type JobOutcomeName, type JobStatusName, type JobSummaryJson, type JobTermsJson, type JobTraceJson,
  type JobUpdateJson, type JobVerdictName, type Native, type SpecSummaryJson,
} from '../../rpc/index.ts';
import { demandJson, disputeSummaryJson } from './dispute-json.ts';
import { bytesToHex, encodeAddress, equalBytes } from '../../primitives/index.ts';

const TAGS = (Object.values(JobStatus) as JobStatusTag[]).sort((a, b) => a - b);
// The wire names are declared in rpc/api; the vm's names must be the same list in the same order.
if (TAGS.length !== RPC_STATUS_NAMES.length || TAGS.some((s, i) => JOB_STATUS_NAMES[s] !== RPC_STATUS_NAMES[i])) {
  throw new Error(`rpc/api JOB_STATUS_NAMES (${RPC_STATUS_NAMES.join(', ')}) differ from the vm's (${TAGS.map((s) => JOB_STATUS_NAMES[s]).join(', ')})`);
}
const NAME_OF = new Map<JobStatusTag, JobStatusName>(TAGS.map((s, i) => [s, RPC_STATUS_NAMES[i]!]));
const OUTCOMES: readonly string[] = Object.values(JobOutcome);
if (OUTCOMES.length !== JOB_OUTCOME_NAMES.length || JOB_OUTCOME_NAMES.some((n) => !OUTCOMES.includes(n))) {
  throw new Error(`rpc/api JOB_OUTCOME_NAMES (${JOB_OUTCOME_NAMES.join(', ')}) differ from the vm's JobOutcome (${OUTCOMES.join(', ')})`);
}

/** The outcome's wire name ('' while running is null). */
const outcomeName = (o: string): JobOutcomeName | null => (o ? (o as JobOutcomeName) : null);
const verdictName = (v: string): JobVerdictName | null => ((JOB_VERDICT_NAMES as readonly string[]).includes(v) ? (v as JobVerdictName) : null);

export const jobStatusName = (s: JobStatusTag): JobStatusName => NAME_OF.get(s)!;
/** Status names in lifecycle order (what job_list's `status` filter accepts). */
export const JOB_STATUS_LIST: string[] = [...RPC_STATUS_NAMES];
export const jobStatusByName = (name: string): JobStatusTag | undefined => TAGS.find((s) => NAME_OF.get(s) === name);

const ENDED: ReadonlySet<number> = new Set([JobStatus.Finalized, JobStatus.Slashed, JobStatus.Expired, JobStatus.Diverged]);
export const jobEnded = (j: Job): boolean => ENDED.has(j.status);

const hex = (b: Uint8Array): string => '0x' + bytesToHex(b);
const orNull = (h: bigint): bigint | null => (h === 0n ? null : h);

/** What the deadline of each running status bounds. */
const PHASE: Partial<Record<number, string>> = {
  [JobStatus.Open]: 'accept', [JobStatus.Accepted]: 'seed', [JobStatus.Training]: 'commit', [JobStatus.Committed]: 'challenge',
  [JobStatus.Challenged]: 'open', [JobStatus.Attesting]: 'attest', [JobStatus.Revealing]: 'reveal',
  [JobStatus.Provisional]: 'dispute-window', [JobStatus.Diverging]: 'divergence-proof',
};

/**
 * The height the current phase ends at. A diverging job waits on its divergence proof (dispute 0),
 * whose own deadline bounds it; every other running job's deadline is the job's.
 */
function phaseDeadline(j: Job): bigint | null {
  if (jobEnded(j)) return null;
  if (j.status === JobStatus.Diverging) {
    const proof = j.disputes.find((d) => d.stage !== DisputeStage.Resolved);
    return proof ? proof.deadline : j.deadline;
  }
  return j.deadline;
}

export type SpecSummary = SpecSummaryJson<Native>;

const specCache = new WeakMap<Uint8Array, SpecSummary>();

/** The parsed summary of a job's canonical spec bytes (memoised per job object). */
export function specSummary(bytes: Uint8Array): SpecSummary {
  let s = specCache.get(bytes);
  if (s) return s;
  try {
    const spec = parseSpec(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const shapes = specShapes(spec);
    const T = spec.steps;
    const k = spec.checkpointInterval;
    s = {
      valid: true, hash: specHash(spec), steps: T, checkpointInterval: k, batchSize: spec.batchSize, optimizer: spec.optimizer, loss: spec.loss,
      inputShape: specInputShape(spec), outputShape: shapes.outputShape, layers: isTransformerSpec(spec) ? spec.model.layers : spec.layers.length, paramCount: shapes.paramCount,
      segmentCount: segmentCount(T, k), checkpointCount: checkpointSteps(T, k).length,
    };
  } catch {
    // Cannot happen for a job the vm admitted (it checks the spec); shown rather than failing the call.
    s = {
      valid: false, hash: null, steps: null, checkpointInterval: null, batchSize: null, optimizer: null, loss: null, inputShape: null,
      outputShape: null, layers: null, paramCount: null, segmentCount: null, checkpointCount: null,
    };
  }
  specCache.set(bytes, s);
  return s;
}

export function jobTermsJson(t: JobTerms): JobTermsJson<Native> {
  return {
    spec: specSummary(t.spec), specJson: new TextDecoder().decode(t.spec), runtime: t.runtime, datasetRoot: t.datasetRoot, datasetSize: t.datasetSize,
    q: t.q, committeeSize: t.committeeSize, windows: { ...t.windows }, solverStake: t.solverStake, bounty: t.bounty, attestReward: t.attestReward,
    parent: t.parent, dispute: { ...t.dispute },
  };
}

/** One line of job_list. */
export function jobSummaryJson(j: Job): JobSummaryJson<Native> {
  const spec = specSummary(j.terms.spec);
  return {
    id: j.id, status: jobStatusName(j.status), outcome: outcomeName(j.outcome), submitter: encodeAddress(j.submitter),
    solver: j.solver ? encodeAddress(j.solver) : null, bounty: j.terms.bounty, attestReward: j.terms.attestReward, solverStake: j.terms.solverStake,
    specHash: spec.hash, steps: spec.steps, datasetRoot: j.terms.datasetRoot, submitHeight: j.submitHeight,
    deadline: phaseDeadline(j), endHeight: orNull(j.endHeight),
    verdict: verdictName(j.verdict), windowEnd: orNull(j.windowEnd),
    disputes: j.disputes.length, openDisputes: j.disputes.filter((d) => d.stage !== DisputeStage.Resolved).length,
  };
}

/** The full job (job_get). */
export function jobJson(j: Job): JobJson<Native> {
  const c = j.commitment;
  const ended = jobEnded(j);
  return {
    id: j.id, submitter: encodeAddress(j.submitter), status: jobStatusName(j.status), outcome: outcomeName(j.outcome),
    phase: ended ? null : (PHASE[j.status] ?? null), deadline: phaseDeadline(j),
    submitHeight: j.submitHeight, endHeight: orNull(j.endHeight),
    terms: jobTermsJson(j.terms),
    solver: j.solver ? encodeAddress(j.solver) : null, daPeer: j.solver ? j.daPeer : null, daAddrs: [...j.daAddrs],
    acceptHeight: orNull(j.acceptHeight), seed: j.seed,
    commitment: c ? { traceRoot: c.traceRoot, checkpointsRoot: c.checkpointsRoot, finalChunkRoot: c.finalChunkRoot, finalStepHash: c.finalStepHash, height: c.height, ...(c.lossRoot ? { lossRoot: c.lossRoot } : {}) } : null,
    challengeHeight: orNull(j.challengeHeight), segments: [...j.segments],
    committee: j.committee.map((m) => ({ address: encodeAddress(m.address), stake: m.stake })),
    committeeStake: j.committee.reduce((a, m) => a + m.stake, 0n),
    seats: j.seats.map(encodeAddress), draws: j.draws,
    openings: j.openings.length, attestations: j.attestations.length, reveals: j.reveals.length,
    verdict: verdictName(j.verdict), windowEnd: orNull(j.windowEnd), divergedAt: j.divergedAt > 0 ? j.divergedAt : null,
    disputes: j.disputes.map((d, i) => disputeSummaryJson(j, d, i)), demands: j.demands.map(demandJson),
  };
}

/** Required reveal ranges (docs/jobs.md §1 JobReveal), as the vm computes them; empty before the challenge. */
export function requiredRanges(j: Job): Array<{ from: number; to: number }> {
  const { steps: T, checkpointInterval: k } = specSummary(j.terms.spec);
  if (T === null || k === null || j.segments.length === 0) return [];
  return scheduleRanges(T, k, j.segments).map((r) => ({ from: r.from, to: r.to }));
}

/** job_getTrace: the commitment, the openings and the revealed trace leaves. */
export function jobTraceJson(j: Job): JobTraceJson<Native> {
  const { steps: T, checkpointInterval: k, checkpointCount } = specSummary(j.terms.spec);
  const c = j.commitment;
  const revealed = new Set(j.reveals.map((r) => r.from));
  return {
    id: j.id, status: jobStatusName(j.status), steps: T, checkpointInterval: k, checkpointCount,
    commitment: c ? { traceRoot: c.traceRoot, checkpointsRoot: c.checkpointsRoot, finalChunkRoot: c.finalChunkRoot, finalStepHash: c.finalStepHash, height: c.height, ...(c.lossRoot ? { lossRoot: c.lossRoot } : {}) } : null,
    challengeHeight: orNull(j.challengeHeight), segments: [...j.segments],
    openings: j.openings.map((o) => ({ index: o.index, step: T !== null && k !== null ? Math.min(o.index * k, T) : null, chunkRoot: o.chunkRoot, stepHash: o.stepHash })),
    reveals: j.reveals.map((r) => ({ from: r.from, to: r.from + r.hashes.length - 1, hashes: r.hashes.map(hex) })),
    requiredReveals: requiredRanges(j).map((r) => ({ ...r, revealed: revealed.has(r.from) })),
  };
}

/** Hex addresses of the attesters whose digest matched (by the vm's judgeJob), or null when the leaves are not all revealed. */
function agreeingAttesters(j: Job): Set<string> | null {
  try {
    return new Set(judgeJob(j).agreeing.map(hex));
  } catch {
    return null;
  }
}

/**
 * Whether the committee's verdict of docs/jobs.md §4 was taken (so each digest is known to match or
 * not): the job became provisional with verdict paid or mismatch, whatever happened after.
 */
export const verdictKnown = (j: Job): boolean => j.verdict === JobOutcome.Paid || j.verdict === JobOutcome.Mismatch;

/** job_getAttestations: every committee member with its stake, digest and (after the verdict) whether it matched. */
export function jobAttestationsJson(j: Job): JobAttestationsJson<Native> {
  const known = verdictKnown(j);
  const agreeing = known ? agreeingAttesters(j) : null;
  const wrong = new Set(provenWrong(j).map(hex));
  let attested = 0n;
  let matchedStake = 0n;
  const members = j.committee.map((m) => {
    const a = j.attestations.find((x) => equalBytes(x.address, m.address));
    const matched = a && agreeing ? agreeing.has(hex(m.address)) : null;
    if (a) attested += m.stake;
    if (matched) matchedStake += m.stake;
    return {
      address: encodeAddress(m.address), stake: m.stake, digest: a ? a.digest : null, height: a ? a.height : null,
      unavailable: a ? equalBytes(a.digest, UNAVAILABLE_DIGEST) : false, matched, provenWrong: wrong.has(hex(m.address)),
    };
  });
  return {
    id: j.id, status: jobStatusName(j.status), outcome: outcomeName(j.outcome), verdictKnown: agreeing !== null,
    committeeStake: j.committee.reduce((s, m) => s + m.stake, 0n), attestedStake: attested, matchedStake: agreeing ? matchedStake : null,
    attestDeadline: j.status === JobStatus.Attesting ? j.deadline : null, members,
  };
}

/** job_getModel: the proven model of a finalized job. */
export function jobModelJson(j: Job): JobModelJson<Native> {
  const spec = specSummary(j.terms.spec);
  const c = j.commitment!;
  return {
    id: j.id, weightsRoot: c.finalChunkRoot, finalStepHash: c.finalStepHash, traceRoot: c.traceRoot, checkpointsRoot: c.checkpointsRoot,
    specHash: spec.hash, steps: spec.steps, spec, specJson: new TextDecoder().decode(j.terms.spec), runtime: j.terms.runtime,
    datasetRoot: j.terms.datasetRoot, datasetSize: j.terms.datasetSize, parent: j.terms.parent,
    solver: j.solver ? encodeAddress(j.solver) : null, submitter: encodeAddress(j.submitter), finalizedHeight: j.endHeight,
  };
}

/** One `jobs` topic notification. */
export const jobUpdateJson = (u: JobUpdate, height: bigint): JobUpdateJson<Native> => ({
  jobId: u.jobId, status: jobStatusName(u.status), outcome: outcomeName(u.outcome), height,
});
