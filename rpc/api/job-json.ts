// JSON shapes of proof-of-learning jobs (docs/rpc.md, "Jobs"): addresses bech32m, bytes and big
// integers (amounts, heights) per W (see wire.ts). Values that do not exist yet (no solver, no
// commitment, a height still 0) are null.

import type { JobWindowsJson } from './chain-json.ts';
import type { Repr, Wire } from './wire.ts';

/** Job status names in lifecycle order (what job_list's `status` filter accepts). */
export const JOB_STATUS_NAMES = ['open', 'accepted', 'training', 'committed', 'challenged', 'attesting', 'revealing', 'finalized', 'slashed', 'expired'] as const;
export type JobStatusName = (typeof JOB_STATUS_NAMES)[number];

/** A spec's optimiser as the spec declares it (sgd, momentum or adam, with their hyperparameters). */
export type OptimizerJson = { type: string; learningRate: number; momentum?: number; beta1?: number; beta2?: number; epsilon?: number };

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

export interface JobTermsJson<W extends Repr = Wire> {
  spec: SpecSummaryJson<W>; specJson: string; runtime: string; datasetRoot: W['bytes']; datasetSize: number;
  q: number; committeeSize: number; windows: JobWindowsJson; solverStake: W['big']; bounty: W['big']; attestReward: W['big'];
  parent: W['bytes'] | null;
}

export interface JobCommitmentJson<W extends Repr = Wire> {
  traceRoot: W['bytes']; checkpointsRoot: W['bytes']; finalChunkRoot: W['bytes']; finalStepHash: W['bytes']; height: W['big'];
}

/** The full job (job_get, without the height it adds). */
export interface JobJson<W extends Repr = Wire> {
  id: W['bytes']; submitter: string; status: JobStatusName; outcome: string | null;
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
  openings: number; attestations: number; reveals: number;
}

/** job_get: the job and the height it was read at. */
export type JobAtHeightJson<W extends Repr = Wire> = JobJson<W> & { height: W['big'] };

/** One line of job_list. */
export interface JobSummaryJson<W extends Repr = Wire> {
  id: W['bytes']; status: JobStatusName; outcome: string | null; submitter: string; solver: string | null;
  bounty: W['big']; attestReward: W['big']; solverStake: W['big'];
  specHash: W['bytes'] | null; steps: number | null; datasetRoot: W['bytes']; submitHeight: W['big'];
  deadline: W['big'] | null; endHeight: W['big'] | null;
}

export interface JobListJson<W extends Repr = Wire> {
  jobs: JobSummaryJson<W>[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: W['bytes'] | null;
  total: number;
  height: W['big'];
}

/** job_getTrace: the commitment, the openings and the revealed trace leaves. */
export interface JobTraceJson<W extends Repr = Wire> {
  id: W['bytes']; status: JobStatusName; steps: number | null; checkpointInterval: number | null; checkpointCount: number | null;
  commitment: JobCommitmentJson<W> | null;
  challengeHeight: W['big'] | null; segments: number[];
  openings: Array<{ index: number; step: number | null; chunkRoot: W['bytes']; stepHash: W['bytes'] }>;
  reveals: Array<{ from: number; to: number; hashes: W['bytes'][] }>;
  requiredReveals: Array<{ from: number; to: number; revealed: boolean }>;
}

export interface AttestationMemberJson<W extends Repr = Wire> {
  address: string; stake: W['big']; digest: W['bytes'] | null; height: W['big'] | null; unavailable: boolean;
  /** Whether the digest matched the solver's trace; null until the verdict is known. */
  matched: boolean | null;
}

/** job_getAttestations: every committee member with its stake, digest and (after the verdict) whether it matched. */
export interface JobAttestationsJson<W extends Repr = Wire> {
  id: W['bytes']; status: JobStatusName; outcome: string | null; verdictKnown: boolean;
  committeeStake: W['big']; attestedStake: W['big']; matchedStake: W['big'] | null;
  attestDeadline: W['big'] | null; members: AttestationMemberJson<W>[];
}

/** job_getModel: the proven model of a finalized job. */
export interface JobModelJson<W extends Repr = Wire> {
  id: W['bytes']; weightsRoot: W['bytes']; finalStepHash: W['bytes']; traceRoot: W['bytes']; checkpointsRoot: W['bytes'];
  specHash: W['bytes'] | null; steps: number | null; spec: SpecSummaryJson<W>; specJson: string; runtime: string;
  datasetRoot: W['bytes']; datasetSize: number; parent: W['bytes'] | null;
  solver: string | null; submitter: string; finalizedHeight: W['big'];
}

/** One `jobs` topic notification. */
export interface JobUpdateJson<W extends Repr = Wire> { jobId: W['bytes']; status: JobStatusName; outcome: string | null; height: W['big'] }
