// The proof-of-learning half of the method table: read-only views of the chain's jobs.

import { NOT_FOUND } from '../errors.ts';
import { schemas } from '../encoding.ts';
import type { JsonSchema } from '../schema.ts';
import { method, opt, req, typed } from './define.ts';
import { addressSchema, jobIdSchema } from './params.ts';
import {
  JOB_STATUS_NAMES, type JobAtHeightJson, type JobAttestationsJson, type JobListJson, type JobModelJson, type JobTraceJson,
} from './job-json.ts';
import type { Repr, Wire } from './wire.ts';

export const JOB_LIST_MAX = 100;
export const JOB_LIST_DEFAULT = 20;

const JOB_STATUS_LIST: string[] = [...JOB_STATUS_NAMES];
const obj = (description: string, properties?: Record<string, JsonSchema>): JsonSchema => ({ type: 'object', description, ...(properties ? { properties } : {}) });
const idParam = [req('id', jobIdSchema)] as const;

export const JOB_METHODS = {
  job_get: method({
    summary: 'A proof-of-learning job: terms (with the parsed spec), status, phase deadline, solver, commitment, challenge and committee.',
    params: idParam, errors: [NOT_FOUND],
    result: obj('job', { id: schemas.hash, status: { type: 'string', enum: JOB_STATUS_LIST }, outcome: { type: ['string', 'null'] }, terms: { type: 'object' } }),
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
    result: obj('a page of job summaries', {
      jobs: { type: 'array', items: { type: 'object' } }, nextCursor: { oneOf: [schemas.hash, { type: 'null' }] }, total: { type: 'integer' }, height: schemas.bigint,
    }),
  }),
  job_getTrace: method({
    summary: "A job's trace commitment, opened checkpoints and revealed trace leaves (with which required ranges are revealed).",
    params: idParam, errors: [NOT_FOUND],
    result: obj('trace', { commitment: { oneOf: [{ type: 'object' }, { type: 'null' }] }, openings: { type: 'array' }, reveals: { type: 'array' } }),
  }),
  job_getAttestations: method({
    summary: "A job's committee: each member's stake, posted digest (or null), attestation height and, once the verdict is known, whether the digest matched.",
    params: idParam, errors: [NOT_FOUND],
    result: obj('attestations', { verdictKnown: { type: 'boolean' }, members: { type: 'array', items: { type: 'object' } } }),
  }),
  job_getModel: method({
    summary: 'The proven model of a finalized job: final weights root, spec hash, steps, dataset root and solver.',
    params: idParam, errors: [NOT_FOUND],
    result: obj('proven model', { weightsRoot: schemas.hash, specHash: schemas.hash, steps: { type: 'integer' } }),
  }),
};

/** What each job method returns. */
export interface JobResults<W extends Repr = Wire> {
  job_get: JobAtHeightJson<W>;
  job_list: JobListJson<W>;
  job_getTrace: JobTraceJson<W>;
  job_getAttestations: JobAttestationsJson<W>;
  job_getModel: JobModelJson<W>;
}
