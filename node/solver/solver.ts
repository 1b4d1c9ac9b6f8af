// The solver worker (docs/jobs.md): attaches to any node over JSON-RPC, finds open jobs it can run,
// accepts one, trains it on the det backend while writing its artifacts to disk, commits, serves the
// checkpoints over libp2p, opens and reveals when challenged, and reports what it earned. A job with
// a parent starts from the parent's final weights: from this solver's own artifacts, or fetched from
// the parent's solver and proven against the parent's commitment (parent-weights.ts), then served on
// to the committee, which asks the child's solver for them first.
//
// Each job is a small state machine driven by the job's status on chain, so a solver restarted on
// the same data directory picks up its running jobs where the chain says they are.
import { existsSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import {
  createTrainer, selectBackend, detRuntimeVersion, MlError, toHex, bytesEqual, type Dataset, type ModelSpec,
} from '../../ml-runtime/index.ts';
import { createP2pHost, type P2pHost } from '../p2p/index.ts';
import { loadSolverIdentity, saveListenAddrs } from './identity.ts';
import {
  SolverArtifacts, DatasetRegistry, requiredCheckpointIndices, requiredRevealRanges, initialStateFromParent,
  registerJobChunkServer, registerDatasetServer, fetchCheckpointState, type ChunkSource,
} from '../jobs/index.ts';
import { ChainClient, isRetryable, type SentTx } from './chain.ts';
import { describeCheat, type CheatMode } from './cheat.ts';
import { SolverError } from './errors.ts';
import type { Earnings, SolverEvent } from './events.ts';
import { TERMINAL_STATUSES, shortId, type JobStatusName, type JobView } from './job-view.ts';
import {
  ParentWeights, parentCacheFile, parentOpening, readParentCache, removeParentCache, writeParentCache, type ParentOpening,
} from './parent-weights.ts';
import { trainJob } from './train-job.ts';
import { splitRevealPayloads } from './tx-split.ts';
import { Waker } from './waker.ts';

/** The runtime this solver executes (ml-runtime det backend). */
export const SOLVER_RUNTIME = 'det-1';
/** The chain's transaction size limit when the node does not report one. */
export const DEFAULT_MAX_TX_BYTES = 65536;
/** docs/jobs.md: 1 ≤ T ≤ 65536. */
export const DEFAULT_MAX_STEPS = 65536;

export interface SolverOptions {
  rpcUrl: string;
  /** 32-byte ed25519 seed of the solver's account (it pays fees and posts bonds) */
  seed: Uint8Array;
  /** where job artifacts (step hashes, checkpoint states) are written */
  dataDir: string;
  p2p?: { listen?: string[] };
  /** pino logger (default: silent) */
  logger?: Logger;
  /** largest T accepted (default 65536) */
  maxSteps?: number;
  /** jobs worked on at the same time (default 1) */
  maxJobs?: number;
  /** fee of each transaction (default 1) */
  fee?: bigint;
  /** transaction size limit (default: the node's when it reports one, else 65536) */
  maxTxBytes?: number;
  /** fallback polling interval when no notification arrives (default 1000 ms) */
  pollIntervalMs?: number;
  /** minimum ms between progress events (default 500) */
  progressIntervalMs?: number;
  /** longest time spent fetching a parent job's final weights from its solver (default 120 000 ms) */
  parentFetchTimeoutMs?: number;
  /** stop after the first job this solver won has ended */
  once?: boolean;
  /** extra filter on open jobs (e.g. a test that wants one solver per job) */
  jobFilter?(job: JobView): boolean;
  onEvent?(e: SolverEvent): void;
  /** TEST ONLY: misbehave (see cheat.ts) */
  cheat?: CheatMode;
  signal?: AbortSignal;
}

export type JobResultStatus = 'finalized' | 'slashed' | 'expired' | 'gave-up' | 'failed' | 'lost' | 'stopped';

export interface JobResult {
  jobId: string;
  status: JobResultStatus;
  /** the chain's outcome ('paid', 'mismatch', 'no-open', ...) when the job ended */
  outcome: string;
  earnings: Earnings | null;
  /** why the solver gave up or failed */
  reason: string | null;
}

interface JobRun {
  id: string;
  log: Logger;
  txs: SentTx[];
  balanceBefore: bigint;
  artifacts: SolverArtifacts | null;
  abort: AbortController;
}

/** Parent final states kept in memory for serving (others are re-read from <dataDir>/parents/ when asked for). */
const PARENTS_IN_MEMORY = 4;
/** After a failed parent fetch, the same reason is given without trying again for this long. */
const PARENT_RETRY_MS = 10_000;
const DEFAULT_PARENT_FETCH_TIMEOUT_MS = 120_000;

/** How often a phase transaction that left the mempool without landing is sent again. */
const MAX_RESENDS = 5;

const RUNNING: JobStatusName[] = ['accepted', 'training', 'committed', 'challenged', 'attesting', 'revealing'];

function errText(e: unknown): string {
  return e instanceof Error ? `${(e as { code?: string }).code ? `${(e as { code?: string }).code}: ` : ''}${e.message}` : String(e);
}

export class Solver {
  readonly address: string;
  private readonly o: Required<Pick<SolverOptions, 'maxSteps' | 'maxJobs' | 'fee' | 'pollIntervalMs' | 'progressIntervalMs'>> & SolverOptions;
  private readonly log: Logger;
  private readonly chain: ChainClient;
  private readonly waker: Waker;
  private readonly ac = new AbortController();
  private readonly registry = new DatasetRegistry();
  private host: P2pHost | null = null;
  private maxTxBytes = DEFAULT_MAX_TX_BYTES;
  private chainId = '';
  private readonly active = new Map<string, Promise<JobResult>>();
  private readonly artifacts = new Map<string, SolverArtifacts>();
  /** jobs never to look at again (with why), and skip reasons already reported */
  private readonly ignored = new Map<string, string>();
  private readonly reported = new Map<string, string>();
  /** verified parent final states by parent id hex (insertion order = LRU order), loads in flight, recent fetch failures */
  private readonly parents = new Map<string, ParentWeights>();
  private readonly parentLoads = new Map<string, Promise<ParentWeights | null>>();
  private readonly parentFailures = new Map<string, { at: number; reason: string }>();
  readonly results: JobResult[] = [];
  private loopDone: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private started = false;
  private finished!: (r: JobResult[]) => void;
  private readonly finishedP: Promise<JobResult[]>;

  constructor(opts: SolverOptions) {
    if (!(opts.seed instanceof Uint8Array) || opts.seed.length !== 32) throw new SolverError('SOLVER_BAD_OPTIONS', 'seed must be 32 bytes');
    if (!opts.dataDir) throw new SolverError('SOLVER_BAD_OPTIONS', 'dataDir is required');
    const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) throw new SolverError('SOLVER_BAD_OPTIONS', `maxSteps must be a positive integer, got ${maxSteps}`);
    const maxJobs = opts.maxJobs ?? 1;
    if (!Number.isSafeInteger(maxJobs) || maxJobs < 1) throw new SolverError('SOLVER_BAD_OPTIONS', `maxJobs must be a positive integer, got ${maxJobs}`);
    this.o = { ...opts, maxSteps, maxJobs, fee: opts.fee ?? 1n, pollIntervalMs: opts.pollIntervalMs ?? 1000, progressIntervalMs: opts.progressIntervalMs ?? 500 };
    this.log = opts.logger ?? pino({ level: 'silent' });
    // a node restart must not cost a job: calls retry for about two minutes before failing
    this.chain = new ChainClient(opts.rpcUrl, opts.seed, this.log.child({ module: 'solver-rpc' }), this.ac.signal, { attempts: 30 });
    this.address = this.chain.addressText;
    this.waker = new Waker(this.chain.rpc, this.log, this.o.pollIntervalMs);
    this.finishedP = new Promise((r) => (this.finished = r));
    if (opts.signal) {
      if (opts.signal.aborted) this.ac.abort();
      else opts.signal.addEventListener('abort', () => void this.stop(), { once: true });
    }
  }

  get peerId(): string | null {
    return this.host?.peerId ?? null;
  }

  multiaddrs(): string[] {
    return this.host?.multiaddrs() ?? [];
  }

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  private emit(e: SolverEvent): void {
    try {
      this.o.onEvent?.(e);
    } catch (err) {
      this.log.warn({ err: errText(err), event: e.type }, 'onEvent handler threw');
    }
  }

  /** Connects, starts the p2p host and its servers, and starts watching for jobs. Resolves once running. */
  async start(): Promise<void> {
    if (this.started) throw new SolverError('SOLVER_BAD_OPTIONS', 'start() called twice');
    this.started = true;
    try {
      if (this.ac.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'aborted before start');
      await selectBackend('det', { allowFallback: false });
      const rt = await detRuntimeVersion();
      if (rt !== SOLVER_RUNTIME) throw new SolverError('SOLVER_BAD_OPTIONS', `the det backend is ${rt ?? 'absent'}, this solver runs ${SOLVER_RUNTIME}`);
      const status = await this.chain.status({ attempts: 20 });
      this.chainId = status.chainId;
      this.maxTxBytes = this.o.maxTxBytes ?? status.maxTxBytes ?? DEFAULT_MAX_TX_BYTES;
      this.waker.seeHeight(status.height);
      const id = await loadSolverIdentity(this.o.dataDir);
      const p2pOpts = (listen: string[]) => ({
        chainId: status.chainId, listen, bootstrap: [], privateKeySeed: id.keySeed, logger: this.log.child({ module: 'solver-p2p' }),
      });
      const wanted = this.o.p2p?.listen ?? id.previousListen ?? ['/ip4/127.0.0.1/tcp/0'];
      try {
        this.host = await createP2pHost(p2pOpts(wanted));
      } catch (e) {
        if (this.o.p2p?.listen || !id.previousListen) throw e;
        // the old port is taken: jobs announced on it become unreachable, new ones get the new address
        this.log.warn({ listen: wanted, err: errText(e) }, 'cannot listen on the previous addresses; in-flight jobs announced there cannot be served');
        this.host = await createP2pHost(p2pOpts(['/ip4/127.0.0.1/tcp/0']));
      }
      await saveListenAddrs(this.o.dataDir, this.host.multiaddrs());
      // stop() may have run while the host was starting: it could not close what did not exist yet
      if (this.ac.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'stopped while starting');
      await registerJobChunkServer(this.host, (jobId: Uint8Array) => this.chunkSource(jobId));
      await registerDatasetServer(this.host, this.registry);
      this.waker.start();
    } catch (e) {
      this.ac.abort();
      await this.shutdown();
      this.finished(this.results);
      throw e;
    }
    const host = this.host;
    this.log.info({ address: this.address, chainId: this.chainId, peerId: host.peerId, addrs: host.multiaddrs(), maxTxBytes: this.maxTxBytes, cheat: describeCheat(this.o.cheat) }, 'solver started');
    this.emit({ type: 'started', chainId: this.chainId, address: this.address, peerId: host.peerId, addrs: host.multiaddrs() });
    this.loopDone = this.loop().catch((e: unknown) => {
      this.log.error({ err: errText(e) }, 'solver loop failed');
      this.emit({ type: 'error', jobId: null, message: errText(e) });
    }).finally(() => void this.stop());
  }

  /** Resolves with the job results once the solver has stopped (stop(), the signal, or `once` after its job). */
  wait(): Promise<JobResult[]> {
    return this.finishedP;
  }

  /** Stops watching, cancels running work, closes the host and connections. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.ac.abort();
      this.waker.wake();
      await Promise.allSettled([...this.active.values()]);
      if (this.loopDone) await this.loopDone.catch(() => undefined);
      await this.shutdown();
      this.log.info({ jobs: this.results.length }, 'solver stopped');
      this.finished(this.results);
    })();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    await this.waker.close().catch(() => undefined);
    await this.host?.stop().catch(() => undefined);
    await this.chain.close().catch(() => undefined);
  }

  private async lookupArtifacts(jobId: Uint8Array): Promise<SolverArtifacts | undefined> {
    const hex = toHex(jobId);
    const have = this.artifacts.get(hex);
    if (have) return have;
    try {
      const a = await SolverArtifacts.open(this.o.dataDir, jobId);
      this.artifacts.set(hex, a);
      return a;
    } catch {
      return undefined;
    }
  }

  /**
   * What 'job-chunk' serves for a job id: a verified parent final state (fetched for a child job;
   * committee members ask the child's solver for it first), else this solver's own artifacts, else
   * a parent state cached on disk by an earlier run (proven again against the chain first).
   */
  private async chunkSource(jobId: Uint8Array): Promise<ChunkSource | undefined> {
    const hex = toHex(jobId);
    const p = this.parents.get(hex);
    if (p) return p;
    const a = await this.lookupArtifacts(jobId);
    if (a) return a;
    if (!existsSync(parentCacheFile(this.o.dataDir, jobId))) return undefined;
    try {
      return (await this.cachedParent(await this.parentOpeningOf(jobId))) ?? undefined;
    } catch (e) {
      this.log.debug({ parent: hex, err: errText(e) }, 'cannot serve the cached parent state');
      return undefined;
    }
  }

  private daAddrs(): string[] {
    return this.multiaddrs().filter((a) => a.length <= 256).slice(0, 4);
  }

  // ---- discovery --------------------------------------------------------------------------

  private async loop(): Promise<void> {
    const signal = this.ac.signal;
    await this.resume();
    while (!signal.aborted) {
      try {
        if (this.waker.height === null) this.waker.seeHeight((await this.chain.status({ attempts: 1 })).height);
        if (this.active.size < this.o.maxJobs && !(this.o.once && this.results.some((r) => r.status !== 'lost'))) await this.scan();
      } catch (e) {
        if (signal.aborted) break;
        this.log.warn({ err: errText(e) }, 'scan for jobs failed; will retry');
      }
      await this.waker.wait(signal);
      // without WebSocket notifications, learn the height from the node while jobs run
      if (!signal.aborted && this.active.size > 0) {
        try { this.waker.seeHeight((await this.chain.status({ attempts: 1 })).height); } catch { /* next tick */ }
      }
    }
  }

  /** Jobs this account already solves (a restart on the same data dir): continue them. */
  private async resume(): Promise<void> {
    for (const status of RUNNING) {
      let list;
      try {
        list = await this.chain.jobs(status, this.address);
      } catch (e) {
        if (this.ac.signal.aborted) return;
        this.log.warn({ err: errText(e), status }, 'cannot list running jobs to resume');
        continue;
      }
      for (const s of list) {
        if (this.active.has(s.idHex) || this.ac.signal.aborted) continue;
        try {
          const v = await this.chain.job(s.idHex);
          if (!v || !v.terms.spec) continue;
          const dataset = this.registry.byRoot(v.terms.datasetRoot);
          if (!dataset) {
            this.log.warn({ job: s.idHex }, 'cannot resume: dataset unknown');
            continue;
          }
          this.log.info({ job: s.idHex, status: v.status }, 'resuming job');
          this.launch(v, dataset);
        } catch (e) {
          if (this.ac.signal.aborted) return;
          this.log.warn({ job: s.idHex, err: errText(e) }, 'cannot resume job');
        }
      }
    }
  }

  private async scan(): Promise<void> {
    const open = await this.chain.jobs('open');
    for (const s of open) {
      if (this.ac.signal.aborted || this.active.size >= this.o.maxJobs) return;
      if (this.active.has(s.idHex) || this.ignored.has(s.idHex)) continue;
      if (s.steps !== null && s.steps > this.o.maxSteps) {
        this.skip(s.idHex, `T = ${s.steps} exceeds the limit of ${this.o.maxSteps} steps`, true);
        continue;
      }
      const v = await this.chain.job(s.idHex);
      if (!v || v.status !== 'open') continue;
      const d = await this.decide(v);
      if ('reason' in d) {
        this.skip(v.idHex, d.reason, d.permanent);
        continue;
      }
      this.launch(v, d.dataset);
    }
  }

  private skip(id: string, reason: string, permanent: boolean): void {
    if (permanent) this.ignored.set(id, reason);
    if (this.reported.get(id) === reason) return;
    this.reported.set(id, reason);
    this.log.info({ job: id, reason }, 'skipping job');
    this.emit({ type: 'skipped', jobId: id, reason });
  }

  /** Whether this solver can run the job: runtime, spec, size, dataset, parent weights, funds, time. */
  private async decide(v: JobView): Promise<{ dataset: Dataset } | { reason: string; permanent: boolean }> {
    const no = (reason: string, permanent = true) => ({ reason, permanent });
    if (this.o.jobFilter && !this.o.jobFilter(v)) return no('excluded by the job filter');
    if (v.submitter === this.address) return no('submitted by this account (a submitter cannot accept its own job)');
    if (v.terms.runtime !== SOLVER_RUNTIME) return no(`runtime ${JSON.stringify(v.terms.runtime)} is not ${SOLVER_RUNTIME}`);
    const spec = v.terms.spec;
    if (!spec || v.terms.specText === null) return no(`spec does not parse: ${v.terms.specError ?? 'missing'}`);
    if (spec.steps > this.o.maxSteps) return no(`T = ${spec.steps} exceeds the limit of ${this.o.maxSteps} steps`);
    let dataset: Dataset | undefined;
    try {
      dataset = this.registry.byRoot(v.terms.datasetRoot);
    } catch (e) {
      return no(`dataset registry failed: ${errText(e)}`);
    }
    if (!dataset) return no(`dataset root ${toHex(v.terms.datasetRoot).slice(0, 16)}… is not a dataset this solver holds`);
    if (v.terms.datasetSize !== 0 && v.terms.datasetSize !== dataset.count) return no(`datasetSize ${v.terms.datasetSize} does not match the dataset's ${dataset.count} samples`);
    try {
      createTrainer(spec, dataset, new Uint8Array(32));
    } catch (e) {
      return no(`spec does not fit the dataset: ${errText(e)}`);
    }
    if (v.height !== null && v.height >= v.deadline) return no(`accept deadline ${v.deadline} has passed (height ${v.height})`);
    const { balance } = await this.chain.account();
    const need = v.terms.solverStake + this.o.fee;
    if (balance < need) return no(`balance ${balance} is below bond ${v.terms.solverStake} + fee ${this.o.fee}`, false);
    // last, as it may fetch the parent's weights: a job whose start state cannot be had is not accepted
    if (v.terms.parent) {
      const what = `parent job ${shortId(toHex(v.terms.parent))}`;
      let bytes: Uint8Array;
      try {
        bytes = await this.parentState(v.terms.parent, v.idHex, this.ac.signal);
      } catch (e) {
        if (this.ac.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'solver stopped');
        // only a parent that is not a finalized job is final; an unreachable solver or node may come back
        const permanent = e instanceof SolverError && e.code === 'SOLVER_CANNOT_RUN';
        return no(`${what}: ${e instanceof SolverError ? e.message : errText(e)}`, permanent);
      }
      try {
        initialStateFromParent(createTrainer(spec, dataset, new Uint8Array(32)), bytes);
      } catch (e) {
        return no(`${what}: its final state cannot start this spec: ${errText(e)}`);
      }
    }
    return { dataset };
  }

  // ---- parent weights ---------------------------------------------------------------------

  /** The parent's last checkpoint as its commitment on chain states it (SOLVER_CANNOT_RUN when there is none). */
  private async parentOpeningOf(parentId: Uint8Array): Promise<ParentOpening> {
    const pj = await this.chain.job(toHex(parentId));
    if (!pj) throw new SolverError('SOLVER_CANNOT_RUN', 'the node does not know the parent job');
    if (pj.status !== 'finalized' || !pj.commitment) throw new SolverError('SOLVER_CANNOT_RUN', `the parent job is ${pj.status}, not finalized`);
    if (!pj.terms.spec) throw new SolverError('SOLVER_CANNOT_RUN', `the parent's spec does not parse: ${pj.terms.specError ?? 'missing'}`);
    return parentOpening(parentId, pj.terms.spec, pj.commitment);
  }

  private rememberParent(w: ParentWeights): void {
    const hex = toHex(w.opening.parentId);
    this.parents.delete(hex);
    this.parents.set(hex, w);
    while (this.parents.size > PARENTS_IN_MEMORY) this.parents.delete(this.parents.keys().next().value!);
  }

  /** A verified parent state from memory or from <dataDir>/parents/ (a cache file that fails its proof is removed). */
  private async cachedParent(op: ParentOpening): Promise<ParentWeights | null> {
    const hex = toHex(op.parentId);
    const have = this.parents.get(hex);
    if (have && bytesEqual(have.opening.chunkRoot, op.chunkRoot)) return have;
    let p = this.parentLoads.get(hex);
    if (!p) {
      p = (async () => {
        const bytes = await readParentCache(this.o.dataDir, op.parentId);
        if (!bytes) return null;
        const w = ParentWeights.verify(op, bytes);
        if (typeof w === 'string') {
          this.log.warn({ parent: hex, reason: w }, 'cached parent state fails its proof; removing it');
          await removeParentCache(this.o.dataDir, op.parentId);
          return null;
        }
        this.rememberParent(w);
        return w;
      })().finally(() => this.parentLoads.delete(hex));
      this.parentLoads.set(hex, p);
    }
    return p;
  }

  /**
   * The parent job's final state (encodeState bytes), proven against the parent's commitment on
   * chain: from this solver's own artifacts of the parent, the cache in the data dir, or fetched over
   * libp2p from the parent's solver (its daPeer / daAddrs) and then cached. Throws
   * SOLVER_PARENT_UNAVAILABLE when it cannot be had now, SOLVER_CANNOT_RUN when it never will.
   */
  private async parentState(parentId: Uint8Array, forJob: string, signal: AbortSignal): Promise<Uint8Array> {
    const hex = toHex(parentId);
    const op = await this.parentOpeningOf(parentId);
    const cached = await this.cachedParent(op);
    if (cached) return cached.bytes;
    const own = await this.lookupArtifacts(parentId);
    if (own && bytesEqual(own.commitment().finalChunkRoot, op.chunkRoot) && own.checkpoints.length === op.index + 1) {
      return own.checkpointBytes(op.index);
    }
    const failed = this.parentFailures.get(hex);
    if (failed && Date.now() - failed.at < PARENT_RETRY_MS) throw new SolverError('SOLVER_PARENT_UNAVAILABLE', failed.reason);
    const pj = await this.chain.job(hex);
    const peerId = pj?.daPeer ?? null;
    const fail = (reason: string): never => {
      this.parentFailures.set(hex, { at: Date.now(), reason });
      throw new SolverError('SOLVER_PARENT_UNAVAILABLE', reason);
    };
    if (!peerId) return fail('its final weights are not in this solver\'s data dir and its solver announced no DA peer');
    if (peerId === this.host?.peerId) return fail('its final weights are not in this solver\'s data dir (this solver served them, and they are gone)');
    const t0 = performance.now();
    const timeoutMs = this.o.parentFetchTimeoutMs ?? DEFAULT_PARENT_FETCH_TIMEOUT_MS;
    let bytes: Uint8Array;
    try {
      const got = await fetchCheckpointState(this.host!, { peerId, addrs: pj!.daAddrs }, {
        jobId: parentId, opening: op, spec: op.spec, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      bytes = got.bytes;
    } catch (e) {
      if (signal.aborted) throw e;
      return fail(`cannot fetch its final weights from its solver ${peerId}: ${errText(e)}`);
    }
    const w = ParentWeights.verify(op, bytes);
    if (typeof w === 'string') return fail(`the final weights its solver ${peerId} sent fail their proof: ${w}`);
    this.parentFailures.delete(hex);
    try {
      await writeParentCache(this.o.dataDir, parentId, bytes);
    } catch (e) {
      this.log.warn({ parent: hex, err: errText(e) }, 'cannot cache the parent state on disk; keeping it in memory');
    }
    this.rememberParent(w);
    const ms = performance.now() - t0;
    this.log.info({ job: forJob, parent: hex, from: peerId, bytes: bytes.length, ms: Math.round(ms) }, 'parent weights fetched');
    this.emit({ type: 'parent-fetched', jobId: forJob, parent: hex, from: peerId, bytes: bytes.length, ms });
    return bytes;
  }

  private launch(v: JobView, dataset: Dataset): void {
    const p = this.runJob(v, dataset)
      .catch((e: unknown): JobResult => ({ jobId: v.idHex, status: 'failed', outcome: '', earnings: null, reason: errText(e) }))
      .then((r) => {
        this.active.delete(v.idHex);
        this.ignored.set(v.idHex, `handled: ${r.status}`);
        if (r.status !== 'stopped') this.results.push(r);
        this.log.info({ job: v.idHex, status: r.status, outcome: r.outcome, reason: r.reason }, 'job done');
        if (this.o.once && r.status !== 'lost' && r.status !== 'stopped') void this.stop();
        this.waker.wake();
        return r;
      });
    this.active.set(v.idHex, p);
  }

  // ---- one job ----------------------------------------------------------------------------

  private async runJob(v0: JobView, dataset: Dataset): Promise<JobResult> {
    const abort = new AbortController();
    const onStop = () => abort.abort(new SolverError('SOLVER_STOPPED', 'solver stopped'));
    this.ac.signal.addEventListener('abort', onStop, { once: true });
    const run: JobRun = {
      id: v0.idHex, log: this.log.child({ job: v0.idHex }), txs: [], balanceBefore: (await this.chain.account()).balance,
      artifacts: null, abort,
    };
    try {
      return await this.drive(run, v0, dataset);
    } catch (e) {
      if (this.ac.signal.aborted) return { jobId: run.id, status: 'stopped', outcome: '', earnings: null, reason: 'solver stopped' };
      const reason = errText(e);
      const gaveUp = e instanceof SolverError && e.code === 'SOLVER_DEADLINE';
      run.log.warn({ err: reason }, gaveUp ? 'giving up on the job' : 'job failed');
      this.emit(gaveUp ? { type: 'gave-up', jobId: run.id, reason } : { type: 'error', jobId: run.id, message: reason });
      // the chain will end the job at its deadline: report the end when it comes soon
      const ended = await this.settle(run).catch(() => null);
      if (ended) return { ...ended, reason };
      return { jobId: run.id, status: gaveUp ? 'gave-up' : 'failed', outcome: '', earnings: null, reason };
    } finally {
      this.ac.signal.removeEventListener('abort', onStop);
    }
  }

  /** After giving up: wait (at most a few blocks past the phase deadline) for the chain to end the job. */
  private async settle(run: JobRun): Promise<JobResult | null> {
    if (this.ac.signal.aborted) return null;
    const v = await this.chain.job(run.id);
    if (!v || !run.txs.length) return null;
    const limit = v.deadline + 3n;
    const end = await this.waitJob(run, () => false, { until: limit });
    return TERMINAL_STATUSES.includes(end.status) ? this.finish(run, end) : null;
  }

  private me(v: JobView): boolean {
    return v.solver === this.address;
  }

  private async drive(run: JobRun, v0: JobView, dataset: Dataset): Promise<JobResult> {
    const spec = v0.terms.spec!;
    const T = spec.steps;
    const k = spec.checkpointInterval;
    let v = v0;
    for (;;) {
      if (this.ac.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'solver stopped');
      switch (v.status) {
        case 'open': {
          const pay = () => ({ kind: 'job-accept' as const, jobId: v0.id, daPeer: this.host!.peerId, daAddrs: this.daAddrs() });
          const tx = await this.sendPhaseTx(run, v, pay());
          v = await this.waitJob(run, (j) => j.status !== 'open', { tx, resend: () => this.chain.send(pay(), this.o.fee, this.maxTxBytes) });
          if (!this.me(v)) {
            this.emit({ type: 'lost', jobId: run.id, solver: v.solver });
            return { jobId: run.id, status: 'lost', outcome: v.outcome, earnings: null, reason: v.solver ? `accepted by ${v.solver}` : `job ${v.status}` };
          }
          run.log.info({ tx: tx.hash }, 'accepted');
          this.emit({ type: 'accepted', jobId: run.id, txHash: tx.hash, bond: v.terms.solverStake, bounty: v.terms.bounty });
          break;
        }
        case 'accepted':
          v = await this.waitJob(run, (j) => j.status !== 'accepted');
          break;
        case 'training': {
          if (!this.me(v)) throw new SolverError('SOLVER_BAD_JOB', `job is solved by ${v.solver}, not ${this.address}`);
          run.artifacts ??= await this.trainedArtifacts(run, v, spec, dataset);
          const c = run.artifacts.commitment();
          const pay = { kind: 'trace-commit' as const, jobId: v.id, ...c };
          v = (await this.chain.job(run.id)) ?? v;
          if (v.status !== 'training') break;
          const tx = await this.sendPhaseTx(run, v, pay);
          v = await this.waitJob(run, (j) => j.status !== 'training', { tx, resend: () => this.chain.send(pay, this.o.fee, this.maxTxBytes), until: v.deadline });
          if (v.commitment && bytesEqual(v.commitment.traceRoot, c.traceRoot)) {
            run.log.info({ tx: tx.hash, traceRoot: toHex(c.traceRoot) }, 'committed');
            this.emit({ type: 'committed', jobId: run.id, traceRoot: toHex(c.traceRoot), txHash: tx.hash });
          }
          break;
        }
        case 'committed':
          v = await this.waitJob(run, (j) => j.status !== 'committed');
          break;
        case 'challenged': {
          run.log.info({ segments: v.segments, committee: v.committeeCount }, 'challenged');
          this.emit({ type: 'challenged', jobId: run.id, segments: v.segments, committee: v.committeeCount });
          if (this.o.cheat?.kind === 'withhold') {
            this.emit({ type: 'withheld', jobId: run.id });
            run.log.warn('test cheat: withholding the openings');
            v = await this.waitJob(run, (j) => j.status !== 'challenged');
            break;
          }
          run.artifacts ??= await this.openArtifacts(run.id, v);
          const indices = requiredCheckpointIndices(T, k, v.segments);
          const pay = { kind: 'job-open' as const, jobId: v.id, openings: run.artifacts.openings(indices) };
          const tx = await this.sendPhaseTx(run, v, pay);
          v = await this.waitJob(run, (j) => j.status !== 'challenged', { tx, resend: () => this.chain.send(pay, this.o.fee, this.maxTxBytes), until: v.deadline });
          if (v.status === 'attesting' || v.status === 'revealing') {
            run.log.info({ tx: tx.hash, count: indices.length }, 'opened');
            this.emit({ type: 'opened', jobId: run.id, count: indices.length, txHash: tx.hash });
          }
          break;
        }
        case 'attesting':
          v = await this.waitJob(run, (j) => j.status !== 'attesting');
          break;
        case 'revealing':
          v = await this.reveal(run, v, T, k);
          break;
        case 'finalized':
        case 'slashed':
        case 'expired':
          return this.finish(run, v);
      }
    }
  }

  /** Gives up when the phase deadline has passed: a transaction can land at height = deadline at the latest. */
  private async sendPhaseTx(run: JobRun, v: JobView, payload: Parameters<ChainClient['send']>[0]): Promise<SentTx> {
    if (v.height !== null && v.height >= v.deadline) {
      throw new SolverError('SOLVER_DEADLINE', `${payload.kind}: the ${v.status} deadline ${v.deadline} has passed (height ${v.height})`);
    }
    const tx = await this.chain.send(payload, this.o.fee, this.maxTxBytes);
    run.txs.push(tx);
    run.log.debug({ kind: payload.kind, hash: tx.hash, nonce: String(tx.nonce), bytes: tx.bytes }, 'sent');
    return tx;
  }

  /**
   * Waits until `done(job)` or the job ended. With `tx`, a transaction that left the mempool without
   * landing is sent again (`resend`). With `until`, gives up (SOLVER_DEADLINE) once the height passes it.
   */
  private async waitJob(run: JobRun, done: (v: JobView) => boolean, o: { tx?: SentTx; resend?: () => Promise<SentTx>; until?: bigint; check?: (v: JobView) => Promise<void> } = {}): Promise<JobView> {
    let tx = o.tx;
    let missing = 0;
    let resent = 0;
    for (let i = 1; ; i++) {
      if (this.ac.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'solver stopped');
      let v: JobView | null | undefined; // undefined: the node could not be asked
      try {
        v = await this.chain.job(run.id);
      } catch (e) {
        if (!isRetryable(e)) throw e;
        run.log.warn({ err: errText(e) }, 'cannot read the job; retrying');
      }
      if (v === null) {
        // job_get answered NOT_FOUND: a node of another chain, or one that lost its state
        if (++missing >= 10) throw new SolverError('SOLVER_BAD_JOB', `the node no longer knows job ${shortId(run.id)}`);
      } else if (v) {
        missing = 0;
        this.waker.seeHeight(v.height);
        if (done(v) || TERMINAL_STATUSES.includes(v.status)) return v;
        if (o.until !== undefined && v.height !== null && v.height > o.until) {
          throw new SolverError('SOLVER_DEADLINE', `job still ${v.status} at height ${v.height}, past its deadline ${o.until}`);
        }
        if (i % 3 === 0) {
          if (tx && o.resend && (await this.chain.txState(tx)) === 'dropped') {
            // dropped again and again: the chain rejects it at execution, and resending cannot help
            if (++resent > MAX_RESENDS) throw new SolverError('SOLVER_TX_FAILED', `${run.id.slice(0, 8)}…: transaction ${tx.hash} keeps leaving the mempool without landing (${MAX_RESENDS} resends)`);
            run.log.warn({ hash: tx.hash }, 'transaction dropped without landing; sending it again');
            tx = await o.resend();
            run.txs.push(tx);
          }
          await o.check?.(v);
        }
      }
      await this.waker.wait(this.ac.signal);
    }
  }

  /** Trains the job (or reuses a finished record of this very run) and returns its artifacts. */
  private async trainedArtifacts(run: JobRun, v: JobView, spec: ModelSpec, dataset: Dataset): Promise<SolverArtifacts> {
    const seed = v.seed;
    if (!seed) throw new SolverError('SOLVER_BAD_JOB', 'job is training but has no seed');
    const existing = await this.lookupArtifacts(v.id);
    if (existing && bytesEqual(existing.seed, seed) && existing.specJson === v.terms.specText && !this.o.cheat) {
      run.log.info('reusing the finished trace on disk');
      return existing;
    }
    this.artifacts.delete(run.id);
    let initialParams: Float32Array[] | undefined;
    if (v.terms.parent) {
      // normally cached by the check before accepting; after a restart, from disk or fetched again
      const bytes = await this.parentState(v.terms.parent, run.id, run.abort.signal);
      initialParams = initialStateFromParent(createTrainer(spec, dataset, seed), bytes).params;
    }
    const writer = SolverArtifacts.create(this.o.dataDir, { jobId: v.id, specJson: v.terms.specText!, datasetRoot: v.terms.datasetRoot, seed, overwrite: true });
    const T = spec.steps;
    const deadline = v.deadline;
    this.emit({ type: 'training', jobId: run.id, steps: T, checkpointInterval: spec.checkpointInterval, dataset: this.registry.nameOf(v.terms.datasetRoot) ?? dataset.name, cheat: describeCheat(this.o.cheat) });
    run.log.info({ steps: T, k: spec.checkpointInterval, deadline: String(deadline), cheat: describeCheat(this.o.cheat) }, 'training');
    const t0 = performance.now();
    let lastEmit = -Infinity;
    let result;
    try {
      result = await trainJob({
        spec, dataset, jobId: v.id, seed, sink: writer, cheat: this.o.cheat, initialParams, signal: run.abort.signal,
        onStep: (t, loss) => {
          const now = performance.now();
          if (now - lastEmit < this.o.progressIntervalMs && t + 1 < T) return;
          lastEmit = now;
          const rate = (t + 1) / Math.max(1e-9, (now - t0) / 1000);
          this.emit({ type: 'progress', jobId: run.id, step: t + 1, steps: T, loss: Number.isFinite(loss) ? loss : null, stepsPerSecond: rate, etaSeconds: rate > 0 ? (T - t - 1) / rate : null });
          const h = this.waker.height;
          if (h !== null && h >= deadline && !run.abort.signal.aborted) {
            run.abort.abort(new SolverError('SOLVER_DEADLINE', `the commit deadline ${deadline} passed while training (height ${h}, step ${t + 1} of ${T})`));
          }
        },
      });
    } catch (e) {
      writer.abort();
      if (e instanceof MlError) throw new SolverError('SOLVER_ARTIFACTS', `training failed: ${e.message}`);
      throw e;
    }
    const art = await writer.finish();
    if (!bytesEqual(art.commitment().traceRoot, result.traceRoot)) {
      throw new SolverError('SOLVER_ARTIFACTS', `artifacts on disk give trace root ${toHex(art.commitment().traceRoot)}, training gave ${toHex(result.traceRoot)}`);
    }
    this.artifacts.set(run.id, art);
    run.log.info({ wallSeconds: result.wallSeconds, stepsPerSecond: T / Math.max(1e-9, result.wallSeconds), traceRoot: toHex(result.traceRoot), lastLoss: result.lastLoss }, 'trained');
    this.emit({ type: 'trained', jobId: run.id, steps: T, wallSeconds: result.wallSeconds, traceRoot: toHex(result.traceRoot), lastLoss: result.lastLoss });
    return art;
  }

  /** The artifacts of a committed job (after a restart); they must match the commitment on chain. */
  private async openArtifacts(id: string, v: JobView): Promise<SolverArtifacts> {
    const a = await this.lookupArtifacts(v.id);
    if (!a) throw new SolverError('SOLVER_ARTIFACTS', `no artifacts for job ${shortId(id)} in ${this.o.dataDir}`);
    if (v.commitment && !bytesEqual(a.commitment().traceRoot, v.commitment.traceRoot)) {
      throw new SolverError('SOLVER_ARTIFACTS', `artifacts for job ${shortId(id)} do not match the trace committed on chain`);
    }
    return a;
  }

  /** Sends every required range not yet on chain, split under maxTxBytes, and waits for the verdict. */
  private async reveal(run: JobRun, v: JobView, T: number, k: number): Promise<JobView> {
    run.artifacts ??= await this.openArtifacts(run.id, v);
    const art = run.artifacts;
    let sent: SentTx[] = [];
    let items = 0;
    let rounds = 0;
    const sendMissing = async (job: JobView): Promise<void> => {
      const done = await this.chain.revealedFroms(run.id);
      const ranges = requiredRevealRanges(T, k, job.segments).filter((r) => !done.has(r.from));
      if (!ranges.length) return;
      const payloads = splitRevealPayloads(this.chainId, job.id, await art.revealItems(ranges), this.maxTxBytes);
      sent = [];
      for (const p of payloads) sent.push(await this.sendPhaseTx(run, job, p));
      items += ranges.length;
      run.log.info({ ranges: ranges.length, txs: payloads.length, bytes: sent.map((t) => t.bytes) }, 'revealed');
    };
    await sendMissing(v);
    this.emit({ type: 'revealed', jobId: run.id, items, txs: sent.length, txHashes: sent.map((t) => t.hash) });
    return this.waitJob(run, (j) => j.status !== 'revealing', {
      until: v.deadline,
      // a reveal that left the mempool without landing: send what is still missing (only when none is pending)
      check: async (job) => {
        const states = await Promise.all(sent.map((t) => this.chain.txState(t)));
        if (states.includes('dropped') && !states.includes('pending')) {
          if (++rounds > MAX_RESENDS) throw new SolverError('SOLVER_TX_FAILED', `reveal transactions keep leaving the mempool without landing (${MAX_RESENDS} rounds)`);
          run.log.warn('a reveal transaction was dropped; revealing the missing ranges again');
          await sendMissing(job);
        }
      },
    });
  }

  /** What the job paid or cost, from its outcome, the terms and this solver's transaction receipts. */
  private async finish(run: JobRun, v: JobView): Promise<JobResult> {
    let fees = 0n;
    const seen = new Set<string>();
    for (const tx of run.txs) {
      if (seen.has(tx.hash)) continue;
      seen.add(tx.hash);
      const r = await this.chain.receipt(tx.hash).catch(() => null);
      if (r) fees += r.fee;
    }
    const balanceAfter = (await this.chain.account()).balance;
    const status = v.status as 'finalized' | 'slashed' | 'expired';
    const bond = v.terms.solverStake;
    const bounty = status === 'finalized' ? v.terms.bounty : 0n;
    const earnings: Earnings = {
      status, outcome: v.outcome, bounty, bond, bondReturned: status === 'finalized', fees,
      net: status === 'finalized' ? bounty - fees : status === 'slashed' ? -(bond + fees) : -fees,
      balanceBefore: run.balanceBefore, balanceAfter, observedDelta: balanceAfter - run.balanceBefore,
    };
    run.log.info({ status, outcome: v.outcome, bounty: String(bounty), bond: String(bond), fees: String(fees), net: String(earnings.net), observedDelta: String(earnings.observedDelta) }, 'job ended');
    this.emit({ type: 'ended', jobId: run.id, earnings });
    return { jobId: run.id, status, outcome: v.outcome, earnings, reason: null };
  }
}
