// Proof-of-learning job methods (docs/rpc.md, "Jobs"): read-only views of ChainState's jobs,
// implementing the job half of rpc/api's method table.
import { JobStatus, type Job } from '../../vm/index.ts';
import {
  RpcError, NOT_FOUND, parseHexParam, invalidParams, implement, JOB_METHODS, JOB_LIST_DEFAULT,
  type Handlers, type JobResults, type Native, type RpcMethod,
} from '../../rpc/index.ts';
import { parseAddress } from './params.ts';
import {
  JOB_STATUS_LIST, jobAttestationsJson, jobJson, jobModelJson, jobStatusByName, jobStatusName, jobSummaryJson, jobTraceJson,
} from './job-json.ts';
import { disputeJson } from './dispute-json.ts';
import { lossCurveJson, type LossVectorSource } from './loss-curve.ts';
import { bytesToHex, compareBytes, equalBytes } from '../../primitives/index.ts';

export { JOB_LIST_MAX, JOB_LIST_DEFAULT, JOBS_TOPIC, DISPUTES_TOPIC } from '../../rpc/index.ts';

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
  /** Fetches (and checks against the loss root) a job's loss vector from its solver; absent: only on-chain losses are answered. */
  lossVector?: LossVectorSource;
}

function lookup(c: JobRpcContext, idHex: string): Job {
  const id = parseHexParam(idHex, 'id', 32);
  const job = c.jobs.getJob(id);
  if (!job) {
    const why = c.pending(id) ? 'its JobSubmit transaction is still pending in the mempool' : 'job ids are the hash of the JobSubmit transaction';
    throw new RpcError(NOT_FOUND, `no job ${idHex} at height ${c.height()} (${why})`, { id: idHex });
  }
  return job;
}

export function jobMethods(c: JobRpcContext): RpcMethod[] {
  const handlers: Handlers<typeof JOB_METHODS, JobResults<Native>> = {
    job_get: (p) => ({ ...jobJson(lookup(c, p.id)), height: c.height() }),
    job_list: (p) => {
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
    job_getTrace: (p) => jobTraceJson(lookup(c, p.id)),
    job_getAttestations: (p) => jobAttestationsJson(lookup(c, p.id)),
    job_getModel: (p) => {
      const job = lookup(c, p.id);
      if (job.status !== JobStatus.Finalized || !job.commitment) {
        throw new RpcError(NOT_FOUND, `job ${p.id} has no proven model: it is ${jobStatusName(job.status)}${job.outcome ? ` (${job.outcome})` : ''}, and only finalized jobs have one`, { id: p.id, status: jobStatusName(job.status) });
      }
      return jobModelJson(job);
    },
    job_getDispute: (p) => {
      const job = lookup(c, p.id);
      if (p.index >= job.disputes.length) {
        const has = job.disputes.length === 0 ? 'has no disputes' : `has ${job.disputes.length} (indices 0..${job.disputes.length - 1})`;
        throw new RpcError(NOT_FOUND, `job ${p.id} has no dispute ${p.index}: it ${has}`, { id: p.id, index: p.index, disputes: job.disputes.length });
      }
      return disputeJson(job, p.index, (id) => c.jobs.getJob(id), c.height());
    },
    job_getLossCurve: (p) => lossCurveJson(lookup(c, p.jobId), c.lossVector),
  };
  return implement(JOB_METHODS, handlers);
}
