// Proof-of-learning job methods (docs/rpc.md, "Jobs"): read-only views of ChainState's jobs.
import { JobStatus, type Job } from '../../vm/index.ts';
import { RpcError, NOT_FOUND, parseHexParam, schemas, invalidParams, type JsonSchema, type RpcMethod, type TopicSpec } from '../../rpc/index.ts';
import { addressSchema, parseAddress } from './params.ts';
import {
  JOB_STATUS_LIST, jobAttestationsJson, jobJson, jobModelJson, jobStatusByName, jobStatusName, jobSummaryJson, jobTraceJson,
} from './job-json.ts';
import { bytesToHex, compareBytes, equalBytes } from '../../primitives/index.ts';

/** The jobs in the latest state (ChainState satisfies it). */
export interface JobView {
  getJob(id: Uint8Array): Job | undefined;
  listJobs(): Iterable<Job>;
}

export interface JobRpcContext {
  jobs: JobView;
  /** Whether a transaction with this hash waits in the mempool (to explain a NOT_FOUND). */
  pending(hash: Uint8Array): boolean;
  height(): bigint;
}

export const JOB_LIST_MAX = 100;
export const JOB_LIST_DEFAULT = 20;

const jobIdSchema: JsonSchema = { ...schemas.hash, description: 'job id: the hash of its JobSubmit transaction (32 bytes, lowercase 0x-hex)' };
const idParam = [{ name: 'id', required: true, schema: jobIdSchema }];
const obj = (description: string, properties?: Record<string, JsonSchema>): JsonSchema => ({ type: 'object', description, ...(properties ? { properties } : {}) });

function lookup(c: JobRpcContext, idHex: string): Job {
  const id = parseHexParam(idHex, 'id', 32);
  const job = c.jobs.getJob(id);
  if (!job) {
    const why = c.pending(id) ? 'its JobSubmit transaction is still pending in the mempool' : 'job ids are the hash of the JobSubmit transaction';
    throw new RpcError(NOT_FOUND, `no job ${idHex} at height ${c.height()} (${why})`, { id: idHex });
  }
  return job;
}

/** The WebSocket topic of job updates; a subscriber may filter by job id. */
export const JOBS_TOPIC: TopicSpec = {
  name: 'jobs', description: 'one notification per job status change in a committed block: {jobId, status, outcome, height}', filter: jobIdSchema,
};

export function jobMethods(c: JobRpcContext): RpcMethod[] {
  return [
    {
      name: 'job_get', summary: 'A proof-of-learning job: terms (with the parsed spec), status, phase deadline, solver, commitment, challenge and committee.',
      params: idParam, errors: [NOT_FOUND],
      result: obj('job', { id: schemas.hash, status: { type: 'string', enum: JOB_STATUS_LIST }, outcome: { type: ['string', 'null'] }, terms: { type: 'object' } }),
      handler: (p: { id: string }) => ({ ...jobJson(lookup(c, p.id)), height: c.height() }),
    },
    {
      name: 'job_list',
      summary: `Jobs in ascending id order, optionally filtered by status, submitter or solver; at most ${JOB_LIST_MAX} per page (default ${JOB_LIST_DEFAULT}).`,
      description: 'Pass the returned nextCursor as cursor to get the next page; nextCursor is null on the last page.',
      params: [
        { name: 'status', required: false, schema: { type: 'string', enum: JOB_STATUS_LIST, description: 'only jobs in this status' } },
        { name: 'submitter', required: false, schema: addressSchema },
        { name: 'solver', required: false, schema: addressSchema },
        { name: 'cursor', required: false, schema: { ...schemas.hash, description: 'the last id of the previous page: the list starts after it' } },
        { name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: JOB_LIST_MAX, description: `page size (default ${JOB_LIST_DEFAULT})` } },
      ],
      result: obj('a page of job summaries', {
        jobs: { type: 'array', items: { type: 'object' } }, nextCursor: { oneOf: [schemas.hash, { type: 'null' }] }, total: { type: 'integer' }, height: schemas.bigint,
      }),
      handler: (p: { status?: string; submitter?: string; solver?: string; cursor?: string; limit?: number }) => {
        const status = p.status === undefined ? undefined : jobStatusByName(p.status);
        if (p.status !== undefined && status === undefined) throw invalidParams(`status: unknown job status ${JSON.stringify(p.status)} (one of ${JOB_STATUS_LIST.join(', ')})`, { param: 'status' });
        const submitter = p.submitter === undefined ? undefined : parseAddress(p.submitter, 'submitter');
        const solver = p.solver === undefined ? undefined : parseAddress(p.solver, 'solver');
        const cursor = p.cursor === undefined ? undefined : parseHexParam(p.cursor, 'cursor', 32);
        const limit = p.limit ?? JOB_LIST_DEFAULT;
        const matching = [...c.jobs.listJobs()]
          .filter((j) => (status === undefined || j.status === status)
            && (!submitter || equalBytes(j.submitter, submitter))
            && (!solver || (j.solver !== null && equalBytes(j.solver, solver))))
          .sort((a, b) => compareBytes(a.id, b.id));
        const start = cursor ? matching.findIndex((j) => compareBytes(j.id, cursor) > 0) : 0;
        const page = start < 0 ? [] : matching.slice(start, start + limit);
        const more = start >= 0 && start + limit < matching.length;
        return { jobs: page.map(jobSummaryJson), nextCursor: more ? '0x' + bytesToHex(page[page.length - 1]!.id) : null, total: matching.length, height: c.height() };
      },
    },
    {
      name: 'job_getTrace', summary: "A job's trace commitment, opened checkpoints and revealed trace leaves (with which required ranges are revealed).",
      params: idParam, errors: [NOT_FOUND],
      result: obj('trace', { commitment: { oneOf: [{ type: 'object' }, { type: 'null' }] }, openings: { type: 'array' }, reveals: { type: 'array' } }),
      handler: (p: { id: string }) => jobTraceJson(lookup(c, p.id)),
    },
    {
      name: 'job_getAttestations',
      summary: "A job's committee: each member's stake, posted digest (or null), attestation height and, once the verdict is known, whether the digest matched.",
      params: idParam, errors: [NOT_FOUND],
      result: obj('attestations', { verdictKnown: { type: 'boolean' }, members: { type: 'array', items: { type: 'object' } } }),
      handler: (p: { id: string }) => jobAttestationsJson(lookup(c, p.id)),
    },
    {
      name: 'job_getModel', summary: 'The proven model of a finalized job: final weights root, spec hash, steps, dataset root and solver.',
      params: idParam, errors: [NOT_FOUND],
      result: obj('proven model', { weightsRoot: schemas.hash, specHash: schemas.hash, steps: { type: 'integer' } }),
      handler: (p: { id: string }) => {
        const job = lookup(c, p.id);
        if (job.status !== JobStatus.Finalized || !job.commitment) {
          throw new RpcError(NOT_FOUND, `job ${p.id} has no proven model: it is ${jobStatusName(job.status)}${job.outcome ? ` (${job.outcome})` : ''}, and only finalized jobs have one`, { id: p.id, status: jobStatusName(job.status) });
        }
        return jobModelJson(job);
      },
    },
  ];
}
