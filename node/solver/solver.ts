// The solver worker (docs/jobs.md): attaches to any node over JSON-RPC, finds open jobs it can run,
// accepts one, trains it on the det backend while writing its artifacts to disk, commits, serves the
// checkpoints over libp2p, opens and reveals when challenged, and reports what it earned. A job with
// a parent starts from the parent's final weights: from this solver's own artifacts, or fetched from
// the parent's solver and proven against the parent's commitment (parent-weights.ts), then served on
// to the committee, which asks the child's solver for them first.
//
// Each job is a small state machine driven by the job's status on chain (job-runner.ts), so a solver
// restarted on the same data directory picks up its running jobs where the chain says they are.
// This file holds the Solver's lifecycle and the loop that finds jobs; job-choice.ts decides which
// to take, job-training.ts trains them, chunk-sources.ts holds what the p2p server serves and
// earnings.ts accounts for how a job ended.
import { pino } from 'pino';
import { selectBackend, detRuntimeVersion, type Dataset } from '../../ml-runtime/index.ts';
import { createP2pHost } from '../p2p/index.ts';
import { loadSolverIdentity, saveListenAddrs } from './identity.ts';
import { DatasetRegistry, registerJobChunkServer, registerDatasetServer } from '../jobs/index.ts';
import { ChainClient } from './chain-client.ts';
import { describeCheat } from './cheat.ts';
import { ChunkSources } from './chunk-sources.ts';
import { SolverDaAccess } from './da-access.ts';
import type { SolverContext } from './context.ts';
import { SolverError } from './errors.ts';
import type { SolverEvent } from './events.ts';
import { decideJob } from './job-choice.ts';
import { JobRunner } from './job-runner.ts';
import type { JobResult } from './job-run.ts';
import { trainedArtifacts } from './job-training.ts';
import type { JobStatusName, JobView } from './job-view.ts';
import { DEFAULT_MAX_STEPS, DEFAULT_MAX_TX_BYTES, SOLVER_RUNTIME, type SolverOptions } from './options.ts';
import { Waker } from './waker.ts';
import { errorLine } from '../../primitives/index.ts';

const RUNNING: JobStatusName[] = ['accepted', 'training', 'diverging', 'committed', 'challenged', 'attesting', 'redrawing', 'revealing', 'provisional'];

export class Solver {
  readonly address: string;
  private readonly c: SolverContext;
  private readonly ac = new AbortController();
  private readonly sources: ChunkSources;
  private readonly runner: JobRunner;
  private readonly active = new Map<string, Promise<JobResult>>();
  /** jobs never to look at again (with why), and skip reasons already reported */
  private readonly ignored = new Map<string, string>();
  private readonly reported = new Map<string, string>();
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
    const o = { ...opts, maxSteps, maxJobs, fee: opts.fee ?? 1n, pollIntervalMs: opts.pollIntervalMs ?? 1000, progressIntervalMs: opts.progressIntervalMs ?? 500 };
    const log = opts.logger ?? pino({ level: 'silent' });
    // a node restart must not cost a job: calls retry for about two minutes before failing
    const chain = new ChainClient(opts.rpcUrl, opts.seed, log.child({ module: 'solver-rpc' }), this.ac.signal, { attempts: 30 });
    this.address = chain.addressText;
    this.c = {
      o, log, chain, address: this.address, signal: this.ac.signal, registry: new DatasetRegistry(),
      waker: new Waker(chain.rpc, log, o.pollIntervalMs),
      host: null, chainId: '', maxTxBytes: DEFAULT_MAX_TX_BYTES,
      emit: (e: SolverEvent): void => {
        try {
          o.onEvent?.(e);
        } catch (err) {
          log.warn({ err: errorLine(err), event: e.type }, 'onEvent handler threw');
        }
      },
    };
    this.sources = new ChunkSources(this.c);
    this.runner = new JobRunner(this.c, this.sources, trainedArtifacts);
    this.finishedP = new Promise((r) => (this.finished = r));
    if (opts.signal) {
      if (opts.signal.aborted) this.ac.abort();
      else opts.signal.addEventListener('abort', () => void this.stop(), { once: true });
    }
  }

  get peerId(): string | null {
    return this.c.host?.peerId ?? null;
  }

  multiaddrs(): string[] {
    return this.c.host?.multiaddrs() ?? [];
  }

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  /** Connects, starts the p2p host and its servers, and starts watching for jobs. Resolves once running. */
  async start(): Promise<void> {
    const { c } = this;
    if (this.started) throw new SolverError('SOLVER_BAD_OPTIONS', 'start() called twice');
    this.started = true;
    try {
      if (this.ac.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'aborted before start');
      await selectBackend('det', { allowFallback: false });
      const rt = await detRuntimeVersion();
      if (rt !== SOLVER_RUNTIME) throw new SolverError('SOLVER_BAD_OPTIONS', `the det backend is ${rt ?? 'absent'}, this solver runs ${SOLVER_RUNTIME}`);
      const status = await c.chain.status({ attempts: 20 });
      c.chainId = status.chainId;
      c.maxTxBytes = c.o.maxTxBytes ?? status.maxTxBytes ?? DEFAULT_MAX_TX_BYTES;
      c.waker.seeHeight(status.height);
      const id = await loadSolverIdentity(c.o.dataDir);
      const p2pOpts = (listen: string[]) => ({
        chainId: status.chainId, listen, bootstrap: [], privateKeySeed: id.keySeed, logger: c.log.child({ module: 'solver-p2p' }),
      });
      const wanted = c.o.p2p?.listen ?? id.previousListen ?? ['/ip4/127.0.0.1/tcp/0'];
      try {
        c.host = await createP2pHost(p2pOpts(wanted));
      } catch (e) {
        if (c.o.p2p?.listen || !id.previousListen) throw e;
        // the old port is taken: jobs announced on it become unreachable, new ones get the new address
        c.log.warn({ listen: wanted, err: errorLine(e) }, 'cannot listen on the previous addresses; in-flight jobs announced there cannot be served');
        c.host = await createP2pHost(p2pOpts(['/ip4/127.0.0.1/tcp/0']));
      }
      await saveListenAddrs(c.o.dataDir, c.host.multiaddrs());
      // stop() may have run while the host was starting: it could not close what did not exist yet
      if (this.ac.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'stopped while starting');
      await registerJobChunkServer(c.host, (jobId: Uint8Array) => this.sources.chunkSource(jobId), { access: new SolverDaAccess(c) });
      await registerDatasetServer(c.host, c.registry);
      c.waker.start();
    } catch (e) {
      this.ac.abort();
      await this.shutdown();
      this.finished(this.results);
      throw e;
    }
    const host = c.host;
    c.log.info({ address: this.address, chainId: c.chainId, peerId: host.peerId, addrs: host.multiaddrs(), maxTxBytes: c.maxTxBytes, cheat: describeCheat(c.o.cheat) }, 'solver started');
    c.emit({ type: 'started', chainId: c.chainId, address: this.address, peerId: host.peerId, addrs: host.multiaddrs() });
    this.loopDone = this.loop().catch((e: unknown) => {
      c.log.error({ err: errorLine(e) }, 'solver loop failed');
      c.emit({ type: 'error', jobId: null, message: errorLine(e) });
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
      this.c.waker.wake();
      await Promise.allSettled([...this.active.values()]);
      if (this.loopDone) await this.loopDone.catch(() => undefined);
      await this.shutdown();
      this.c.log.info({ jobs: this.results.length }, 'solver stopped');
      this.finished(this.results);
    })();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    await this.c.waker.close().catch(() => undefined);
    await this.c.host?.stop().catch(() => undefined);
    await this.c.chain.close().catch(() => undefined);
  }

  // ---- discovery --------------------------------------------------------------------------

  private async loop(): Promise<void> {
    const { c } = this;
    const signal = this.ac.signal;
    await this.resume();
    while (!signal.aborted) {
      try {
        if (c.waker.height === null) c.waker.seeHeight((await c.chain.status({ attempts: 1 })).height);
        if (this.active.size < c.o.maxJobs && !(c.o.once && this.results.some((r) => r.status !== 'lost'))) await this.scan();
      } catch (e) {
        if (signal.aborted) break;
        c.log.warn({ err: errorLine(e) }, 'scan for jobs failed; will retry');
      }
      await c.waker.wait(signal);
      // without WebSocket notifications, learn the height from the node while jobs run
      if (!signal.aborted && this.active.size > 0) {
        try { c.waker.seeHeight((await c.chain.status({ attempts: 1 })).height); } catch { /* next tick */ }
      }
    }
  }

  /** Jobs this account already solves (a restart on the same data dir): continue them. */
  private async resume(): Promise<void> {
    const { c } = this;
    for (const status of RUNNING) {
      let list;
      try {
        list = await c.chain.jobs(status, this.address);
      } catch (e) {
        if (this.ac.signal.aborted) return;
        c.log.warn({ err: errorLine(e), status }, 'cannot list running jobs to resume');
        continue;
      }
      for (const s of list) {
        if (this.active.has(s.idHex) || this.ac.signal.aborted) continue;
        try {
          const v = await c.chain.job(s.idHex);
          if (!v || !v.terms.spec) continue;
          const dataset = c.registry.byRoot(v.terms.datasetRoot);
          if (!dataset) {
            c.log.warn({ job: `0x${s.idHex}` }, 'cannot resume: dataset unknown');
            continue;
          }
          c.log.info({ job: `0x${s.idHex}`, status: v.status }, 'resuming job');
          this.launch(v, dataset);
        } catch (e) {
          if (this.ac.signal.aborted) return;
          c.log.warn({ job: `0x${s.idHex}`, err: errorLine(e) }, 'cannot resume job');
        }
      }
    }
  }

  private async scan(): Promise<void> {
    const { c } = this;
    const open = await c.chain.jobs('open');
    for (const s of open) {
      if (this.ac.signal.aborted || this.active.size >= c.o.maxJobs) return;
      if (this.active.has(s.idHex) || this.ignored.has(s.idHex)) continue;
      if (s.steps !== null && s.steps > c.o.maxSteps) {
        this.skip(s.idHex, `T = ${s.steps} exceeds the limit of ${c.o.maxSteps} steps`, true);
        continue;
      }
      const v = await c.chain.job(s.idHex);
      if (!v || v.status !== 'open') continue;
      const d = await decideJob(c, this.sources, v);
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
    this.c.log.info({ job: id, reason }, 'skipping job');
    this.c.emit({ type: 'skipped', jobId: id, reason });
  }

  private launch(v: JobView, dataset: Dataset): void {
    const p = this.runner.run(v, dataset)
      .catch((e: unknown): JobResult => ({ jobId: v.idHex, status: 'failed', outcome: '', earnings: null, reason: errorLine(e) }))
      .then((r) => {
        this.active.delete(v.idHex);
        this.ignored.set(v.idHex, `handled: ${r.status}`);
        if (r.status !== 'stopped') this.results.push(r);
        this.c.log.info({ job: `0x${v.idHex}`, status: r.status, outcome: r.outcome, reason: r.reason }, 'job done');
        if (this.c.o.once && r.status !== 'lost' && r.status !== 'stopped') void this.stop();
        this.c.waker.wake();
        return r;
      });
    this.active.set(v.idHex, p);
  }
}
