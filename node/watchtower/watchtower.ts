// The watchtower (docs/disputes.md, "Watchtower"): a client, like the solver, that reaches a node over
// JSON-RPC and the solvers over libp2p. It follows the jobs in their dispute window, replays a share
// of the segments the committee did not sample (segment-choice.ts), and disputes any segment whose
// replay disagrees with the solver's commitment, following each dispute to the referee's decision.
//
// Work is done in small steps: the open disputes (their moves have deadlines) on their own loop, and
// one segment replay at a time on another; poll() runs one round of both, in that order (tests drive
// it block by block). A failure is typed, logged and retried with backoff; no loop stops on one.
import { pino, type Logger } from 'pino';
import { segmentCount } from '../../ml-runtime/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import { DatasetRegistry, type ReplayProgress } from '../jobs/index.ts';
import type { ChainStatus, WatchChain } from './chain.ts';
import { advanceDispute, openDispute, type ActiveDispute, type RunnerContext } from './dispute-runner.ts';
import { WatchError } from './errors.ts';
import type { WatchEvent } from './events.ts';
import { JobData } from './job-data.ts';
import type { WatchJob } from './job-view.ts';
import { checkSegment, type SegmentCheck } from './segment-check.ts';
import { checkFraction, chooseSegments, DEFAULT_FRACTION } from './segment-choice.ts';
import { emptyStats, statusLine, type WatchStats } from './stats.ts';
import { alreadyDisputed, notDisputable } from './disputable.ts';
import { sleep } from './rpc-chain.ts';
import { bytesToHex, encodeAddress, errorLine } from '../../primitives/index.ts';

export interface WatchtowerOptions {
  chain: WatchChain;
  /** the libp2p host it fetches solvers' data with (it serves nothing) */
  host: P2pHost;
  /** share of each job's unsampled segments to replay, in [0, 1] (default 0.25) */
  fraction?: number;
  registry?: DatasetRegistry;
  logger?: Logger;
  /** between two rounds of work (default 2000 ms) */
  pollIntervalMs?: number;
  /** between two status lines (default 60 s) */
  statusIntervalMs?: number;
  /** first retry delay after a failure, doubling up to maxBackoffMs (defaults 2 s and 60 s) */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** attempts at one segment before it is given up (default 8) */
  maxAttempts?: number;
  onEvent?(e: WatchEvent): void;
  onProgress?(jobId: string, p: ReplayProgress): void;
  now?: () => number;
}

interface SegmentTask {
  segment: number;
  attempts: number;
  notBefore: number;
}

interface WatchedJob {
  idHex: string;
  id: Uint8Array;
  tasks: SegmentTask[];
  chosen: number[];
}

const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;

export class Watchtower {
  readonly stats: WatchStats = emptyStats();
  readonly fraction: number;
  private readonly log: Logger;
  private readonly data: JobData;
  private readonly ac = new AbortController();
  private readonly jobs = new Map<string, WatchedJob>();
  private readonly finished = new Set<string>();
  readonly disputes: ActiveDispute[] = [];
  private readonly backoff = new Map<ActiveDispute, { attempts: number; notBefore: number }>();
  private lastStatus = -Infinity;
  private height: bigint | null = null;
  private loopDone: Promise<void> | null = null;
  private chainStatus: ChainStatus | null = null;

  constructor(private readonly o: WatchtowerOptions) {
    this.fraction = checkFraction(o.fraction ?? DEFAULT_FRACTION);
    this.log = o.logger ?? pino({ level: 'silent' });
    this.data = new JobData(o.host, o.registry ?? new DatasetRegistry(), o.chain, this.log);
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  private emit(e: WatchEvent): void {
    try {
      this.o.onEvent?.(e);
    } catch (err) {
      this.log.warn({ err: errorLine(err), event: e.type }, 'watch: onEvent handler threw');
    }
  }

  private runner(): RunnerContext {
    return {
      chain: this.o.chain, data: this.data, log: this.log, signal: this.ac.signal, stats: this.stats, emit: (e) => this.emit(e),
      status: async () => this.chainStatus ?? (this.chainStatus = await this.o.chain.status()),
    };
  }

  /** Reads the chain's status and the key's balance; announces the watchtower. */
  async start(opts: { loop?: boolean } = {}): Promise<void> {
    const st = await this.o.chain.status();
    this.chainStatus = st;
    this.height = st.height;
    this.stats.startBalance = this.stats.balance = await this.o.chain.balance();
    const address = encodeAddress(this.o.chain.address);
    this.log.info({ address, chainId: st.chainId, fraction: this.fraction, peerId: this.o.host.peerId, balance: String(this.stats.balance) }, 'watch: started');
    this.emit({ type: 'started', address, chainId: st.chainId, fraction: this.fraction, peerId: this.o.host.peerId });
    if (opts.loop !== false) this.loopDone = this.loop();
  }

  /**
   * Two loops: open disputes every interval (their moves have deadlines, and a long replay must not
   * hold them up), and the work of finding and replaying segments, without pause while segments wait.
   */
  private async loop(): Promise<void> {
    const every = this.o.pollIntervalMs ?? 2000;
    const disputes = async () => {
      while (!this.ac.signal.aborted) {
        if (await this.refreshStatus()) await this.advanceDisputes();
        if (!(await this.pause(every))) return;
      }
    };
    const work = async () => {
      while (!this.ac.signal.aborted) {
        let busy = false;
        if (await this.refreshStatus()) {
          await this.refreshJobs();
          busy = await this.runOneTask();
          await this.maybeStatus();
        }
        if (!(await this.pause(busy ? 0 : every))) return;
      }
    };
    await Promise.all([disputes(), work()]);
  }

  /** Waits `ms` (0: one turn of the event loop); false once stopped. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, this.ac.signal);
      return true;
    } catch {
      return false;
    }
  }

  private async refreshStatus(): Promise<boolean> {
    try {
      const st = await this.o.chain.status();
      this.chainStatus = st;
      this.height = st.height;
      return true;
    } catch (e) {
      this.problem(null, e, 1);
      return false;
    }
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.loopDone;
  }

  /** A failure of one piece of work: logged, counted, reported; the caller retries after the returned delay. */
  private problem(jobId: string | null, e: unknown, attempts: number): number {
    const retryInMs = Math.min(this.o.maxBackoffMs ?? 60_000, (this.o.backoffMs ?? 2000) * 2 ** Math.min(attempts - 1, 16));
    const code = e instanceof WatchError ? e.code : 'WATCH_INTERNAL';
    const message = errorLine(e);
    this.stats.errors++;
    if (e instanceof WatchError) this.log.warn({ job: jobId, code, err: message, retryInMs }, 'watch: failed; retrying');
    else this.log.error({ job: jobId, code, err: message, retryInMs }, 'watch: unexpected failure; retrying');
    this.emit({ type: 'problem', jobId, code, message, retryInMs });
    return retryInMs;
  }

  /** One round: open disputes first, then new jobs, then at most one segment replay, then maybe a status line. */
  async poll(): Promise<void> {
    if (this.ac.signal.aborted || !(await this.refreshStatus())) return;
    await this.advanceDisputes();
    await this.refreshJobs();
    await this.runOneTask();
    await this.maybeStatus();
  }

  /** Advances every open dispute once (each with its own backoff after a failure). */
  async advanceDisputes(): Promise<void> {
    for (const a of [...this.disputes]) {
      if (this.ac.signal.aborted) return;
      const b = this.backoff.get(a);
      if (b && b.notBefore > this.now()) continue;
      try {
        await advanceDispute(this.runner(), a);
        this.backoff.delete(a);
      } catch (e) {
        const attempts = (b?.attempts ?? 0) + 1;
        if (e instanceof WatchError && e.code === 'WATCH_TX_FAILED' && a.index === null && a.openHeight === null) {
          // DisputeOpen never made it on chain: no bond was taken; send it again while the job can be disputed
          this.stats.disputesOpened--;
          this.stats.openBonds -= a.bond;
          this.problem(hex(a.jobId), e, attempts);
          this.disputes.splice(this.disputes.indexOf(a), 1);
          await this.reopen(a);
          continue;
        }
        this.backoff.set(a, { attempts, notBefore: this.now() + this.problem(hex(a.jobId), e, attempts) });
      }
      if (a.done) this.disputes.splice(this.disputes.indexOf(a), 1);
    }
  }

  /** Sends a dropped DisputeOpen again (at most 3 times) if the job can still be disputed and nobody else did. */
  private async reopen(a: ActiveDispute): Promise<void> {
    if (a.reopens >= 3) return;
    try {
      const job = await this.o.chain.job(a.jobId);
      if (!job || notDisputable(job, this.height ?? 0n, this.o.chain.address) || alreadyDisputed(job, a.segment)) return;
      const again = await openDispute(this.runner(), job, a.segment, a.claim);
      again.reopens = a.reopens + 1;
      this.disputes.push(again);
    } catch (e) {
      this.problem(hex(a.jobId), e, a.reopens + 1);
    }
  }

  private async refreshJobs(): Promise<void> {
    let ids: Uint8Array[];
    try {
      ids = await this.o.chain.provisionalJobs();
    } catch (e) {
      this.problem(null, e, 1);
      return;
    }
    const live = new Set(ids.map(hex));
    for (const k of this.jobs.keys()) if (!live.has(k)) this.jobs.delete(k);
    for (const id of ids) {
      const k = hex(id);
      if (this.jobs.has(k) || this.finished.has(k)) continue;
      try {
        const job = await this.o.chain.job(id);
        if (!job) continue;
        this.stats.jobsSeen++;
        const why = notDisputable(job, this.height ?? 0n, this.o.chain.address);
        if (why) {
          this.log.debug({ job: k, why }, 'watch: not watching this job');
          this.finished.add(k);
          continue;
        }
        const n = segmentCount(job.spec.steps, job.spec.checkpointInterval);
        const chosen = chooseSegments(this.o.chain.address, job.id, n, job.segments, this.fraction);
        this.jobs.set(k, { idHex: k, id, chosen, tasks: chosen.map((segment) => ({ segment, attempts: 0, notBefore: 0 })) });
        this.log.info({ job: k, segments: chosen, sampled: job.segments, of: n, windowEnd: String(job.windowEnd) }, 'watch: job in its dispute window');
        this.emit({ type: 'job', jobId: k, segments: chosen, of: n, sampled: job.segments, windowEnd: job.windowEnd });
        if (!chosen.length) this.jobDone(k);
      } catch (e) {
        this.problem(k, e, 1);
      }
    }
  }

  private jobDone(k: string): void {
    this.jobs.delete(k);
    this.finished.add(k);
    this.stats.jobsChecked++;
  }

  /** Replays at most one due segment; true when it did some work (a replay, or a failure to retry). */
  private async runOneTask(): Promise<boolean> {
    const now = this.now();
    for (const w of this.jobs.values()) {
      const task = w.tasks.find((t) => t.notBefore <= now);
      if (!task) continue;
      try {
        const job = await this.o.chain.job(w.id);
        const why = job ? notDisputable(job, this.height ?? 0n, this.o.chain.address) : 'the chain no longer knows it';
        if (!job || why) {
          this.log.info({ job: w.idHex, why, unchecked: w.tasks.map((t) => t.segment) }, 'watch: stopped watching a job');
          this.jobs.delete(w.idHex);
          this.finished.add(w.idHex);
          return true;
        }
        await this.checkAndDispute(job, task.segment);
        w.tasks.splice(w.tasks.indexOf(task), 1);
        if (!w.tasks.length) this.jobDone(w.idHex);
      } catch (e) {
        task.attempts++;
        const delay = this.problem(w.idHex, e, task.attempts);
        if (task.attempts >= (this.o.maxAttempts ?? 8) || (e instanceof WatchError && e.code === 'WATCH_STOPPED')) {
          this.log.error({ job: w.idHex, segment: task.segment, attempts: task.attempts }, 'watch: giving up on a segment');
          w.tasks.splice(w.tasks.indexOf(task), 1);
          if (!w.tasks.length) this.jobDone(w.idHex);
        } else task.notBefore = this.now() + delay;
      }
      return true; // one replay per round: disputes get their turn again first
    }
    return false;
  }

  /** Replays segment j of `job` and reports it (the stats count it). */
  async checkSegment(job: WatchJob, j: number, onProgress?: (p: ReplayProgress) => void): Promise<SegmentCheck> {
    const n = segmentCount(job.spec.steps, job.spec.checkpointInterval);
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new WatchError('WATCH_BAD_SEGMENT', `segment ${j} is outside 0..${n - 1} (T = ${job.spec.steps}, k = ${job.spec.checkpointInterval})`);
    const k = hex(job.id);
    const progress = onProgress ?? (this.o.onProgress ? (p: ReplayProgress) => this.o.onProgress!(k, p) : undefined);
    const check = await checkSegment({ data: this.data, signal: this.ac.signal, ...(progress ? { onProgress: progress } : {}) }, job, j);
    this.stats.segmentsReplayed++;
    this.stats.stepsReplayed += check.steps;
    if (check.verdict === 'mismatch') this.stats.mismatches++;
    this.log.info({
      job: k, segment: j, from: check.from, to: check.to, verdict: check.verdict, firstDiff: check.firstDiff, cpuMs: Math.round(check.cpuMs),
      solverTrace: check.solverTrace !== null,
    }, 'watch: segment replayed');
    this.emit({ type: 'checked', jobId: k, check });
    return check;
  }

  private async checkAndDispute(job: WatchJob, j: number): Promise<void> {
    const check = await this.checkSegment(job, j);
    if (check.verdict !== 'mismatch') return;
    const fresh = (await this.o.chain.job(job.id)) ?? job;
    if (alreadyDisputed(fresh, j)) {
      this.log.info({ job: hex(job.id), segment: j }, 'watch: segment already disputed by someone else');
      return;
    }
    const why = notDisputable(fresh, this.height ?? 0n, this.o.chain.address);
    if (why) throw new WatchError('WATCH_NOT_DISPUTABLE', `segment ${j} disagrees but the job cannot be disputed: ${why}`);
    this.disputes.push(await openDispute(this.runner(), fresh, j, check.claim));
  }

  /** Opens a dispute on segment j with `claim` (a check's `claim`: the replayed hashes, or step claims for a loss-committed job) and follows it with the others. */
  async dispute(job: WatchJob, j: number, claim: Uint8Array[]): Promise<ActiveDispute> {
    const a = await openDispute(this.runner(), job, j, claim);
    this.disputes.push(a);
    return a;
  }

  private async maybeStatus(): Promise<void> {
    const every = this.o.statusIntervalMs ?? 60_000;
    if (this.now() - this.lastStatus < every) return;
    this.lastStatus = this.now();
    try {
      this.stats.balance = await this.o.chain.balance();
    } catch (e) {
      this.problem(null, e, 1);
    }
    const line = statusLine(this.stats, this.height);
    this.log.info({
      height: this.height === null ? null : String(this.height), jobsSeen: this.stats.jobsSeen, jobsChecked: this.stats.jobsChecked,
      segments: this.stats.segmentsReplayed, steps: this.stats.stepsReplayed, disputesOpened: this.stats.disputesOpened,
      disputesWon: this.stats.disputesWon, disputesLost: this.stats.disputesLost, balance: String(this.stats.balance),
    }, 'watch: status');
    this.emit({ type: 'status', line });
  }

  /** Reads the balance and returns the status line now. */
  async statusNow(): Promise<string> {
    this.lastStatus = -Infinity;
    this.stats.balance = await this.o.chain.balance();
    return statusLine(this.stats, this.height);
  }
}
