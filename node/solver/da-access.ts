// Who the solver's 'job-chunk' server hands a job's checkpoints to (docs/da.md §2b): the rule is
// node/jobs daGrant; the facts it needs (status, committee, demands, open disputes, height) come
// from the node the solver is attached to (job_get), reused for a second per job so a fetch of
// hundreds of chunks costs one RPC call, not one per chunk; facts that refuse a request are read
// again (at most every 200 ms), so a job that just moved on (finalized, a member drawn, a demand
// landed) is judged by its new state.
import { checkpointCount } from '../../ml-runtime/index.ts';
import type { DaJobFacts } from '../jobs/index.ts';
import type { SolverContext } from './context.ts';
import type { JobView } from './job-view.ts';
import { bytesToHex } from '../../primitives/index.ts';

/** How long a job's facts are reused for requests they grant. */
const FACTS_TTL_MS = 1000;
/** Facts that refused a request are read again unless younger than this (bounds the RPC calls refused requests cost). */
const REFRESH_MS = 200;
/** Jobs whose facts are cached at once (requests for many job ids must not grow memory). */
const MAX_CACHED = 256;

/** The facts of a job as job_get shows it. */
export function daFactsOfView(j: JobView, height: bigint): DaJobFacts {
  const spec = j.terms.spec;
  const steps = j.divergedAt > 0 ? j.divergedAt : spec?.steps;
  return {
    height,
    phase: j.status === 'finalized' ? 'finalized' : j.status === 'slashed' || j.status === 'expired' || j.status === 'diverged' ? 'ended' : 'running',
    // a spec that does not parse never trained: nothing of it is public
    finalCheckpoint: spec && steps !== undefined ? checkpointCount(steps, spec.checkpointInterval) - 1 : -1,
    committee: j.committee,
    demanders: j.demands.map((d) => d.by),
    openDisputeParties: j.disputes.filter((d) => d.stage !== 'resolved').flatMap((d) => (d.member ? [d.by, d.member] : [d.by])),
  };
}

export class SolverDaAccess {
  private readonly cache = new Map<string, { at: number; facts: Promise<DaJobFacts | undefined> }>();

  constructor(private readonly c: SolverContext) {}

  /**
   * The job's facts from the node (`fresh`: the cached ones refused a request, so they are read again
   * unless just read); a failed read is not cached and reaches the requester as "not available here now".
   */
  facts(jobId: Uint8Array, fresh = false): Promise<DaJobFacts | undefined> {
    const hex = bytesToHex(jobId);
    const now = Date.now();
    const have = this.cache.get(hex);
    if (have && now - have.at < (fresh ? REFRESH_MS : FACTS_TTL_MS)) return have.facts;
    const facts = this.read(hex);
    facts.catch(() => this.cache.delete(hex));
    this.cache.delete(hex);
    this.cache.set(hex, { at: now, facts });
    while (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    return facts;
  }

  private async read(hex: string): Promise<DaJobFacts | undefined> {
    const j = await this.c.chain.job(hex, { attempts: 1 });
    if (!j) return undefined;
    return daFactsOfView(j, j.height ?? this.c.waker.height ?? 0n);
  }
}
