// JSON shapes of proof-of-learning jobs (docs/rpc.md, "Jobs"): addresses bech32m, bytes and big
// integers (amounts, heights) per W (see wire.ts). Values that do not exist yet (no solver, no
// commitment, a height still 0) are null. Each shape's JSON schema (UPPER_CASE) sits under its
// interface; define.test.ts checks at compile time that it admits exactly the interface's wire form.

import { DISPUTE_TERMS, JOB_WINDOWS, type DisputeTermsJson, type JobWindowsJson } from './chain-json.ts';
import { address, array, big, bool, hash, int, num, nullable, object, oneOfStrings, str } from './shape.ts';
import { DA_DEMAND, DISPUTE_SUMMARY, type DaDemandJson, type DisputeSummaryJson } from './dispute-json.ts';
import type { Repr, Wire } from './wire.ts';

/** Job status names in lifecycle order (what job_list's `status` filter accepts). */
export const JOB_STATUS_NAMES = [
  'open', 'accepted', 'training', 'committed', 'challenged', 'attesting', 'revealing', 'finalized', 'slashed', 'expired', 'provisional', 'diverged', 'diverging', 'redrawing',
] as const;
export type JobStatusName = (typeof JOB_STATUS_NAMES)[number];
const STATUS = oneOfStrings(JOB_STATUS_NAMES, 'job status');

/** Why a job ended (docs/jobs.md §5, docs/disputes.md §8); the vm's JobOutcome values. */
export const JOB_OUTCOME_NAMES = ['paid', 'mismatch', 'no-commit', 'no-open', 'no-reveal', 'no-solver', 'fraud', 'no-data', 'diverged', 'false-divergence', 'no-quorum'] as const;
export type JobOutcomeName = (typeof JOB_OUTCOME_NAMES)[number];
const OUTCOME = nullable(oneOfStrings(JOB_OUTCOME_NAMES, 'how the job ended; null while running'));
/** A provisional verdict: the committee's paid or mismatch, or diverged after a divergence proof. */
export const JOB_VERDICT_NAMES = ['paid', 'mismatch', 'diverged'] as const;
export type JobVerdictName = (typeof JOB_VERDICT_NAMES)[number];

/** A spec's optimiser as the spec declares it (sgd, momentum or adam, with their hyperparameters). */
export type OptimizerJson = { type: string; learningRate: number; momentum?: number; beta1?: number; beta2?: number; epsilon?: number };
export const OPTIMIZER = object(
  { type: str('sgd, momentum or adam'), learningRate: num(), momentum: num(), beta1: num(), beta2: num(), epsilon: num() },
  ['momentum', 'beta1', 'beta2', 'epsilon'],
);

/** The parsed summary of a job's spec; all null (and valid false) if the bytes do not parse. */
export interface SpecSummaryJson<W extends Repr = Wire> {
  valid: boolean;
  hash: W['bytes'] | null;
  steps: number | null;
  checkpointInterval: number | null;
  batchSize: number | null;
  optimizer: OptimizerJson | null;
  loss: string | null;
  inputShape: number[] | null;
  outputShape: number[] | null;
  layers: number | null;
  paramCount: number | null;
  segmentCount: number | null;
  checkpointCount: number | null;
}
export const SPEC_SUMMARY = object({
  valid: bool(), hash: nullable(hash()), steps: nullable(int()), checkpointInterval: nullable(int()), batchSize: nullable(int()), optimizer: nullable(OPTIMIZER),
  loss: nullable(str()), inputShape: nullable(array(int())), outputShape: nullable(array(int())), layers: nullable(int()), paramCount: nullable(int()),
  segmentCount: nullable(int()), checkpointCount: nullable(int()),
}, [], 'the parsed spec (all null and valid false if it does not parse)');

export interface JobTermsJson<W extends Repr = Wire> {
  spec: SpecSummaryJson<W>; specJson: string; runtime: string; datasetRoot: W['bytes']; datasetSize: number;
  q: number; committeeSize: number; windows: JobWindowsJson; solverStake: W['big']; bounty: W['big']; attestReward: W['big'];
  parent: W['bytes'] | null; dispute: DisputeTermsJson<W>;
}
export const JOB_TERMS = object({
  spec: SPEC_SUMMARY, specJson: str('canonical spec JSON'), runtime: str(), datasetRoot: hash(), datasetSize: int(), q: int(), committeeSize: int(),
  windows: JOB_WINDOWS, solverStake: big(), bounty: big(), attestReward: big(), parent: nullable(hash('parent job id')), dispute: DISPUTE_TERMS,
});

export interface JobCommitmentJson<W extends Repr = Wire> {
  traceRoot: W['bytes']; checkpointsRoot: W['bytes']; finalChunkRoot: W['bytes']; finalStepHash: W['bytes']; height: W['big']; lossRoot?: W['bytes'];
}
export const JOB_COMMITMENT = object({
  traceRoot: hash(), checkpointsRoot: hash(), finalChunkRoot: hash(), finalStepHash: hash(), height: big(),
  lossRoot: hash('only for a job whose TraceCommit carried a loss root (docs/jobs.md §1.1)'),
}, ['lossRoot']);

/** The full job (job_get, without the height it adds). */
export interface JobJson<W extends Repr = Wire> {
  id: W['bytes']; submitter: string; status: JobStatusName; outcome: JobOutcomeName | null;
  /** What the deadline bounds (accept, seed, commit, ...); null once the job ended. */
  phase: string | null; deadline: W['big'] | null;
  submitHeight: W['big']; endHeight: W['big'] | null;
  terms: JobTermsJson<W>;
  solver: string | null; daPeer: string | null; daAddrs: string[];
  acceptHeight: W['big'] | null; seed: W['bytes'] | null;
  commitment: JobCommitmentJson<W> | null;
  challengeHeight: W['big'] | null; segments: number[];
  committee: Array<{ address: string; stake: W['big'] }>;
  committeeStake: W['big'];
  /** seat holders in draw order (a member may hold several seats; docs/committee.md §3) and the committees drawn so far */
  seats: string[]; draws: number;
  openings: number; attestations: number; reveals: number;
  /** The provisional verdict once given (it stands if the window closes with nothing open); null before. */
  verdict: JobVerdictName | null;
  /** Last height at which a dispute or demand may be opened; null before the verdict. */
  windowEnd: W['big'] | null;
  /** t of a JobDiverge (the solver claims step t is non-finite); null otherwise. */
  divergedAt: number | null;
  disputes: DisputeSummaryJson<W>[];
  demands: DaDemandJson<W>[];
}
const JOB_PROPS = {
  id: hash('job id'), submitter: address(), status: STATUS, outcome: OUTCOME, phase: nullable(str('what the deadline bounds')), deadline: nullable(big()),
  submitHeight: big(), endHeight: nullable(big()), terms: JOB_TERMS, solver: nullable(address()), daPeer: nullable(str()), daAddrs: array(str()),
  acceptHeight: nullable(big()), seed: nullable(hash()), commitment: nullable(JOB_COMMITMENT), challengeHeight: nullable(big()), segments: array(int()),
  committee: array(object({ address: address(), stake: big() })), committeeStake: big(),
  seats: array(address(), 'seat holders in draw order'), draws: int('committees drawn so far'),
  openings: int('count'), attestations: int('count'), reveals: int('count'),
  verdict: nullable(oneOfStrings(JOB_VERDICT_NAMES, 'the provisional verdict')), windowEnd: nullable(big('last height of the dispute window')),
  divergedAt: nullable(int('t of a divergence proof')),
  disputes: array(DISPUTE_SUMMARY, 'in the order they were opened'), demands: array(DA_DEMAND, 'availability demands, in the order they were made'),
};
export const JOB = object(JOB_PROPS);

/** job_get: the job and the height it was read at. */
export type JobAtHeightJson<W extends Repr = Wire> = JobJson<W> & { height: W['big'] };
export const JOB_AT_HEIGHT = object({ ...JOB_PROPS, height: big('the latest block') });

/** One line of job_list. */
export interface JobSummaryJson<W extends Repr = Wire> {
  id: W['bytes']; status: JobStatusName; outcome: JobOutcomeName | null; submitter: string; solver: string | null;
  bounty: W['big']; attestReward: W['big']; solverStake: W['big'];
  specHash: W['bytes'] | null; steps: number | null; datasetRoot: W['bytes']; submitHeight: W['big'];
  deadline: W['big'] | null; endHeight: W['big'] | null;
  verdict: JobVerdictName | null; windowEnd: W['big'] | null;
  /** Disputes ever opened against the job, and how many of them are not resolved. */
  disputes: number; openDisputes: number;
}
export const JOB_SUMMARY = object({
  id: hash('job id'), status: STATUS, outcome: OUTCOME, submitter: address(), solver: nullable(address()), bounty: big(), attestReward: big(), solverStake: big(),
  specHash: nullable(hash()), steps: nullable(int()), datasetRoot: hash(), submitHeight: big(), deadline: nullable(big()), endHeight: nullable(big()),
  verdict: nullable(oneOfStrings(JOB_VERDICT_NAMES)), windowEnd: nullable(big()), disputes: int('count'), openDisputes: int('count of unresolved disputes'),
});

export interface JobListJson<W extends Repr = Wire> {
  jobs: JobSummaryJson<W>[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: W['bytes'] | null;
  total: number;
  height: W['big'];
}
export const JOB_LIST = object({
  jobs: array(JOB_SUMMARY), nextCursor: nullable(hash('pass as cursor for the next page')), total: int('count of all matching jobs'), height: big(),
});

/** job_getTrace: the commitment, the openings and the revealed trace leaves. */
export interface JobTraceJson<W extends Repr = Wire> {
  id: W['bytes']; status: JobStatusName; steps: number | null; checkpointInterval: number | null; checkpointCount: number | null;
  commitment: JobCommitmentJson<W> | null;
  challengeHeight: W['big'] | null; segments: number[];
  openings: Array<{ index: number; step: number | null; chunkRoot: W['bytes']; stepHash: W['bytes'] }>;
  reveals: Array<{ from: number; to: number; hashes: W['bytes'][] }>;
  requiredReveals: Array<{ from: number; to: number; revealed: boolean }>;
}
export const JOB_TRACE = object({
  id: hash('job id'), status: STATUS, steps: nullable(int()), checkpointInterval: nullable(int()), checkpointCount: nullable(int()),
  commitment: nullable(JOB_COMMITMENT), challengeHeight: nullable(big()), segments: array(int()),
  openings: array(object({ index: int(), step: nullable(int()), chunkRoot: hash(), stepHash: hash() })),
  reveals: array(object({ from: int(), to: int(), hashes: array(hash()) })),
  requiredReveals: array(object({ from: int(), to: int(), revealed: bool() })),
});

export interface AttestationMemberJson<W extends Repr = Wire> {
  address: string; stake: W['big']; digest: W['bytes'] | null; height: W['big'] | null; unavailable: boolean;
  /** Whether the digest matched the solver's trace; null until the verdict is known. */
  matched: boolean | null;
  /** Whether a referee proved this member's attestation wrong (an attestation dispute the solver won). */
  provenWrong: boolean;
}
export const ATTESTATION_MEMBER = object({
  address: address(), stake: big(), digest: nullable(hash()), height: nullable(big()), unavailable: bool(), matched: nullable(bool()),
  provenWrong: bool('a referee proved the attestation wrong'),
});

/** job_getAttestations: every committee member with its stake, digest and (after the verdict) whether it matched. */
export interface JobAttestationsJson<W extends Repr = Wire> {
  id: W['bytes']; status: JobStatusName; outcome: JobOutcomeName | null; verdictKnown: boolean;
  committeeStake: W['big']; attestedStake: W['big']; matchedStake: W['big'] | null;
  attestDeadline: W['big'] | null; members: AttestationMemberJson<W>[];
}
export const JOB_ATTESTATIONS = object({
  id: hash('job id'), status: STATUS, outcome: OUTCOME, verdictKnown: bool(), committeeStake: big(), attestedStake: big(), matchedStake: nullable(big()),
  attestDeadline: nullable(big()), members: array(ATTESTATION_MEMBER),
});

/** job_getModel: the proven model of a finalized job. */
export interface JobModelJson<W extends Repr = Wire> {
  id: W['bytes']; weightsRoot: W['bytes']; finalStepHash: W['bytes']; traceRoot: W['bytes']; checkpointsRoot: W['bytes'];
  specHash: W['bytes'] | null; steps: number | null; spec: SpecSummaryJson<W>; specJson: string; runtime: string;
  datasetRoot: W['bytes']; datasetSize: number; parent: W['bytes'] | null;
  solver: string | null; submitter: string; finalizedHeight: W['big'];
}
export const JOB_MODEL = object({
  id: hash('job id'), weightsRoot: hash(), finalStepHash: hash(), traceRoot: hash(), checkpointsRoot: hash(), specHash: nullable(hash()), steps: nullable(int()),
  spec: SPEC_SUMMARY, specJson: str(), runtime: str(), datasetRoot: hash(), datasetSize: int(), parent: nullable(hash()),
  solver: nullable(address()), submitter: address(), finalizedHeight: big(),
});

/** One `jobs` topic notification. */
export interface JobUpdateJson<W extends Repr = Wire> { jobId: W['bytes']; status: JobStatusName; outcome: JobOutcomeName | null; height: W['big'] }
export const JOB_UPDATE = object({ jobId: hash(), status: STATUS, outcome: OUTCOME, height: big() });
