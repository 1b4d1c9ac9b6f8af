// The proof-of-learning half of the method table: read-only views of the chain's jobs.

import { NOT_FOUND } from '../errors.ts';
import { schemas } from '../encoding.ts';
import { method, opt, req, typed } from './define.ts';
import { addressSchema, jobIdSchema } from './params.ts';
import {
  JOB_AT_HEIGHT, JOB_ATTESTATIONS, JOB_LIST, JOB_MODEL, JOB_STATUS_NAMES, JOB_TRACE,
  type JobAtHeightJson, type JobAttestationsJson, type JobListJson, type JobModelJson, type JobTraceJson,
} from './job-json.ts';
import { DISPUTE, type DisputeJson } from './dispute-json.ts';
import { LOSS_CURVE, LOSS_CURVE_MAX_POINTS, type LossCurveJson } from './loss-json.ts';
import type { Repr, Wire } from './wire.ts';

export const JOB_LIST_MAX = 100;
export const JOB_LIST_DEFAULT = 20;

const JOB_STATUS_LIST: string[] = [...JOB_STATUS_NAMES];
const idParam = [req('id', jobIdSchema)] as const;

export const JOB_METHODS = {
  job_get: method({
    summary: 'A proof-of-learning job: terms (with the parsed spec), status, phase deadline, solver, commitment, challenge and committee.',
    params: idParam, errors: [NOT_FOUND],
    result: JOB_AT_HEIGHT,
  }),
  job_list: method({
    summary: `Jobs in ascending id order, optionally filtered by status, submitter or solver; at most ${JOB_LIST_MAX} per page (default ${JOB_LIST_DEFAULT}).`,
    description: 'Pass the returned nextCursor as cursor to get the next page; nextCursor is null on the last page.',
    params: [
      opt('status', typed<string>({ type: 'string', enum: JOB_STATUS_LIST, description: 'only jobs in this status' })),
      opt('submitter', addressSchema),
      opt('solver', addressSchema),
      opt('cursor', typed<string>({ ...schemas.hash, description: 'the last id of the previous page: the list starts after it' })),
      opt('limit', typed<number>({ type: 'integer', minimum: 1, maximum: JOB_LIST_MAX, description: `page size (default ${JOB_LIST_DEFAULT})` })),
    ],
    result: JOB_LIST,
  }),
  job_getTrace: method({
    summary: "A job's trace commitment, opened checkpoints and revealed trace leaves (with which required ranges are revealed).",
    params: idParam, errors: [NOT_FOUND],
    result: JOB_TRACE,
  }),
  job_getAttestations: method({
    summary: "A job's committee: each member's stake, posted digest (or null), attestation height and, once the verdict is known, whether the digest matched.",
    params: idParam, errors: [NOT_FOUND],
    result: JOB_ATTESTATIONS,
  }),
  job_getModel: method({
    summary: 'The proven model of a finalized job: final weights root, spec hash, steps, dataset root and solver.',
    params: idParam, errors: [NOT_FOUND],
    result: JOB_MODEL,
  }),
  job_getDispute: method({
    summary: "One dispute of a job (docs/disputes.md): its parties, stage and deadline, both sides' hashes, the located step, state and sample progress, and the decision.",
    description: 'index is the position in job_get\'s disputes (in the order they were opened); an unknown job or index is NOT_FOUND.',
    params: [...idParam, req('index', typed<number>({ type: 'integer', minimum: 0, description: "the dispute's index in the job's disputes" }))],
    errors: [NOT_FOUND],
    result: DISPUTE,
  }),
  job_getLossCurve: method({
    summary: "A job's committed loss curve (docs/jobs.md §1.1): the loss root, and each step's committed loss with whether a replay or the referee confirmed it.",
    description: `At most ${LOSS_CURVE_MAX_POINTS} points, evenly downsampled, every confirmed and mismatch point kept. A node without the loss vector fetches it from the solver over DA (checked against lossRoot) or answers available false with a reason and only the losses revealed on chain.`,
    params: [req('jobId', jobIdSchema)], errors: [NOT_FOUND],
    result: LOSS_CURVE,
  }),
};

/** What each job method returns. */
export interface JobResults<W extends Repr = Wire> {
  job_get: JobAtHeightJson<W>;
  job_list: JobListJson<W>;
  job_getTrace: JobTraceJson<W>;
  job_getAttestations: JobAttestationsJson<W>;
  job_getModel: JobModelJson<W>;
  job_getDispute: DisputeJson<W>;
  job_getLossCurve: LossCurveJson<W>;
}
