// A node's loss vectors for job_getLossCurve: fetched once from each job's solver over 'job-loss'
// (loss-da.ts, checked against the committed root) and kept in memory; a failed fetch is answered
// with its reason and tried again after a pause, so a solver that comes back is heard.
import type { Job } from '../../vm/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import { fetchLossVector } from './loss-da.ts';
import { jobSteps } from '../../vm/index.ts';
import { bytesToHex, errorLine } from '../../primitives/index.ts';

const MAX_KEPT = 256;
const RETRY_AFTER_MS = 10_000;

export class LossVectorCache {
  private readonly kept = new Map<string, Uint8Array>();
  private readonly failed = new Map<string, { at: number; reason: string }>();
  private readonly inflight = new Map<string, Promise<{ bits: Uint8Array } | { reason: string }>>();

  constructor(private readonly host: () => P2pHost | undefined, private readonly now: () => number = Date.now, private readonly timeoutMs = 5_000) {}

  get(job: Job): Promise<{ bits: Uint8Array } | { reason: string }> {
    const key = bytesToHex(job.id);
    const have = this.kept.get(key);
    if (have) return Promise.resolve({ bits: have });
    const f = this.failed.get(key);
    if (f && this.now() - f.at < RETRY_AFTER_MS) return Promise.resolve({ reason: f.reason });
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetch(job, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async fetch(job: Job, key: string): Promise<{ bits: Uint8Array } | { reason: string }> {
    const host = this.host();
    const root = job.commitment?.lossRoot;
    if (!root) return { reason: 'the job committed no loss root' };
    if (!host) return { reason: 'this node runs without a p2p host, so it cannot fetch the loss vector from the solver' };
    if (!job.daPeer) return { reason: 'the solver named no DA peer' };
    const { T, k } = jobSteps(job.terms);
    try {
      const bits = await fetchLossVector(host, { peerId: job.daPeer, addrs: job.daAddrs }, { jobId: job.id, steps: T, checkpointInterval: k, lossRoot: root, timeoutMs: this.timeoutMs, retries: 0 });
      this.kept.set(key, bits);
      while (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value!);
      this.failed.delete(key);
      return { bits };
    } catch (e) {
      const reason = `the solver's loss vector could not be fetched over DA: ${errorLine(e)}`;
      this.failed.set(key, { at: this.now(), reason });
      return { reason };
    }
  }
}
