// One job, driven by its status on chain: accept → train → commit → open → reveal → dispute window →
// result (or train → diverge → referee → dispute window → diverged). A solver restarted on the same
// data directory re-enters this loop at whatever phase the chain says. From the attest phase on, every
// look at the job also plays the solver's side of the dispute game (job-defence.ts).
import { requiredOpenings, requiredRanges, type Dataset } from '../../ml-runtime/index.ts';
import { SolverArtifacts } from '../jobs/index.ts';
import { isRetryable, type ChainClient, type SentTx } from './chain-client.ts';
import type { ChunkSources } from './chunk-sources.ts';
import type { SolverContext } from './context.ts';
import { JobDefence } from './job-defence.ts';
import { jobEnded } from './earnings.ts';
import { SolverError } from './errors.ts';
import type { JobResult, JobRun, TrainArtifacts } from './job-run.ts';
import { TERMINAL_STATUSES, shortId, type JobView } from './job-view.ts';
import { splitRevealPayloads } from './tx-split.ts';
import { bytesToHex, equalBytes, errorLine } from '../../primitives/index.ts';
import { logHex } from '../util/index.ts';

export type { JobResult, JobResultStatus, JobRun } from './job-run.ts';

/** How often a phase transaction that left the mempool without landing is sent again. */
const MAX_RESENDS = 5;

export class JobRunner {
  /** `train` (job-training.ts) is handed in by the Solver: training imports this runner's types. */
  constructor(private readonly c: SolverContext, private readonly sources: ChunkSources, private readonly train: TrainArtifacts) {}

  /** Works the job until it ends on chain, the solver gives up on it, or the solver stops. */
  async run(v0: JobView, dataset: Dataset): Promise<JobResult> {
    const abort = new AbortController();
    const onStop = () => abort.abort(new SolverError('SOLVER_STOPPED', 'solver stopped'));
    this.c.signal.addEventListener('abort', onStop, { once: true });
    const run: JobRun = {
      id: v0.idHex, log: this.c.log.child({ job: `0x${v0.idHex}` }), txs: [], balanceBefore: (await this.c.chain.account()).balance,
      artifacts: null, abort, dataset,
    };
    try {
      return await this.drive(run, v0, dataset);
    } catch (e) {
      if (this.c.signal.aborted) return { jobId: run.id, status: 'stopped', outcome: '', earnings: null, reason: 'solver stopped' };
      const reason = errorLine(e);
      const gaveUp = e instanceof SolverError && e.code === 'SOLVER_DEADLINE';
      run.log.warn({ err: reason }, gaveUp ? 'giving up on the job' : 'job failed');
      this.c.emit(gaveUp ? { type: 'gave-up', jobId: run.id, reason } : { type: 'error', jobId: run.id, message: reason });
      // the chain will end the job at its deadline: report the end when it comes soon
      const ended = await this.settle(run).catch(() => null);
      if (ended) return { ...ended, reason };
      return { jobId: run.id, status: gaveUp ? 'gave-up' : 'failed', outcome: '', earnings: null, reason };
    } finally {
      this.c.signal.removeEventListener('abort', onStop);
    }
  }

  /** After giving up: wait (at most a few blocks past the phase deadline) for the chain to end the job. */
  private async settle(run: JobRun): Promise<JobResult | null> {
    if (this.c.signal.aborted) return null;
    const v = await this.c.chain.job(run.id);
    if (!v || !run.txs.length) return null;
    const limit = v.deadline + 3n;
    const end = await this.waitJob(run, () => false, { until: limit });
    return TERMINAL_STATUSES.includes(end.status) ? jobEnded(this.c, run, end) : null;
  }

  private me(v: JobView): boolean {
    return v.solver === this.c.address;
  }

  private daAddrs(): string[] {
    return (this.c.host?.multiaddrs() ?? []).filter((a) => a.length <= 256).slice(0, 4);
  }

  private async drive(run: JobRun, v0: JobView, dataset: Dataset): Promise<JobResult> {
    const { c } = this;
    const spec = v0.terms.spec!;
    const T = spec.steps;
    const k = spec.checkpointInterval;
    let v = v0;
    for (;;) {
      if (c.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'solver stopped');
      switch (v.status) {
        case 'open': {
          const pay = () => ({ kind: 'job-accept' as const, jobId: v0.id, daPeer: c.host!.peerId, daAddrs: this.daAddrs() });
          const tx = await this.sendPhaseTx(run, v, pay());
          v = await this.waitJob(run, (j) => j.status !== 'open', { tx, resend: () => c.chain.send(pay(), c.o.fee, c.maxTxBytes) });
          if (!this.me(v)) {
            c.emit({ type: 'lost', jobId: run.id, solver: v.solver });
            return { jobId: run.id, status: 'lost', outcome: v.outcome, earnings: null, reason: v.solver ? `accepted by ${v.solver}` : `job ${v.status}` };
          }
          run.log.info({ tx: tx.hash }, 'accepted');
          c.emit({ type: 'accepted', jobId: run.id, txHash: tx.hash, bond: v.terms.solverStake, bounty: v.terms.bounty });
          break;
        }
        case 'accepted':
          v = await this.waitJob(run, (j) => j.status !== 'accepted');
          break;
        case 'training': {
          if (!this.me(v)) throw new SolverError('SOLVER_BAD_JOB', `job is solved by ${v.solver}, not ${c.address}`);
          run.artifacts ??= await this.train(c, this.sources, run, v, spec, dataset);
          if (run.artifacts.divergedAt !== null) {
            v = await this.diverge(run, v, run.artifacts);
            break;
          }
          const cm = run.artifacts.commitment();
          const pay = { kind: 'trace-commit' as const, jobId: v.id, ...cm };
          v = (await c.chain.job(run.id)) ?? v;
          if (v.status !== 'training') break;
          const tx = await this.sendPhaseTx(run, v, pay);
          v = await this.waitJob(run, (j) => j.status !== 'training', { tx, resend: () => c.chain.send(pay, c.o.fee, c.maxTxBytes), until: v.deadline });
          if (v.commitment && equalBytes(v.commitment.traceRoot, cm.traceRoot)) {
            run.log.info({ tx: tx.hash, traceRoot: logHex(cm.traceRoot) }, 'committed');
            c.emit({ type: 'committed', jobId: run.id, traceRoot: bytesToHex(cm.traceRoot), txHash: tx.hash });
          }
          break;
        }
        case 'committed':
          v = await this.waitJob(run, (j) => j.status !== 'committed');
          break;
        case 'challenged': {
          run.log.info({ segments: v.segments, committee: v.committeeCount }, 'challenged');
          c.emit({ type: 'challenged', jobId: run.id, segments: v.segments, committee: v.committeeCount });
          if (c.o.cheat?.kind === 'withhold') {
            c.emit({ type: 'withheld', jobId: run.id });
            run.log.warn('test cheat: withholding the openings');
            v = await this.waitJob(run, (j) => j.status !== 'challenged');
            break;
          }
          run.artifacts ??= await this.openArtifacts(run.id, v);
          const indices = requiredOpenings(T, k, v.segments);
          const pay = { kind: 'job-open' as const, jobId: v.id, openings: run.artifacts.openings(indices) };
          const tx = await this.sendPhaseTx(run, v, pay);
          v = await this.waitJob(run, (j) => j.status !== 'challenged', { tx, resend: () => c.chain.send(pay, c.o.fee, c.maxTxBytes), until: v.deadline });
          if (v.status === 'attesting' || v.status === 'revealing') {
            run.log.info({ tx: tx.hash, count: indices.length }, 'opened');
            c.emit({ type: 'opened', jobId: run.id, count: indices.length, txHash: tx.hash });
          }
          break;
        }
        case 'attesting': {
          // members whose fetch of a checkpoint failed demand its chunks on chain meanwhile
          const defence = await this.defence(run, v);
          v = await this.waitJob(run, (j) => j.status !== 'attesting', { each: (j) => defence.step(j) });
          break;
        }
        case 'redrawing':
          // the committee missed its quorum (docs/committee.md §6): a fresh one is drawn and attests again; nothing to send
          run.log.info('committee missed its quorum; waiting for the next committee');
          v = await this.waitJob(run, (j) => j.status !== 'redrawing');
          break;
        case 'revealing':
          v = await this.reveal(run, v, T, k);
          break;
        case 'diverging': {
          const defence = await this.defence(run, v);
          v = await this.waitJob(run, (j) => j.status !== 'diverging', { each: (j) => defence.step(j) });
          break;
        }
        case 'provisional': {
          run.log.info({ verdict: v.verdict, windowEnd: String(v.windowEnd), disputes: v.disputes.length }, 'provisional: dispute window open');
          c.emit({ type: 'provisional', jobId: run.id, verdict: v.verdict, windowEnd: v.windowEnd });
          const defence = await this.defence(run, v);
          v = await this.waitJob(run, (j) => j.status !== 'provisional', { each: (j) => defence.step(j) });
          break;
        }
        case 'finalized':
        case 'slashed':
        case 'expired':
        case 'diverged':
          return jobEnded(c, run, v);
      }
    }
  }

  /** The dispute play for this run's job (one per run: it remembers the moves it sent). */
  private async defence(run: JobRun, v: JobView): Promise<JobDefence> {
    if (run.defence) return run.defence;
    const { c } = this;
    const art = (run.artifacts ??= await this.openArtifacts(run.id, v));
    run.defence = new JobDefence({
      chain: c.chain, address: c.address, chainId: c.chainId, maxTxBytes: c.maxTxBytes, fee: c.o.fee, log: run.log, emit: (e) => c.emit(e),
      artifacts: art, dataset: run.dataset,
      parentState: (parent) => this.sources.parentState(parent, run.id, run.abort.signal),
      disputeMembers: !c.o.cheat && c.o.disputeMembers !== false,
      onSent: (tx) => run.txs.push(tx),
    });
    return run.defence;
  }

  /** A run that became non-finite after step t: commit h_0..h_t with JobDiverge and wait for the referee's check. */
  private async diverge(run: JobRun, v: JobView, art: SolverArtifacts): Promise<JobView> {
    const { c } = this;
    const t = art.divergedAt!;
    const cm = art.commitment();
    const pay = { kind: 'job-diverge' as const, jobId: v.id, step: t, ...cm };
    const tx = await this.sendPhaseTx(run, v, pay);
    const next = await this.waitJob(run, (j) => j.status !== 'training', { tx, resend: () => c.chain.send(pay, c.o.fee, c.maxTxBytes), until: v.deadline });
    if (next.commitment && equalBytes(next.commitment.traceRoot, cm.traceRoot)) {
      run.log.info({ tx: tx.hash, step: t, traceRoot: logHex(cm.traceRoot) }, 'committed the prefix of a diverged run');
      c.emit({ type: 'diverge-committed', jobId: run.id, step: t, traceRoot: bytesToHex(cm.traceRoot), txHash: tx.hash });
    }
    return next;
  }

  /** Gives up when the phase deadline has passed: a transaction can land at height = deadline at the latest. */
  private async sendPhaseTx(run: JobRun, v: JobView, payload: Parameters<ChainClient['send']>[0]): Promise<SentTx> {
    if (v.height !== null && v.height >= v.deadline) {
      throw new SolverError('SOLVER_DEADLINE', `${payload.kind}: the ${v.status} deadline ${v.deadline} has passed (height ${v.height})`);
    }
    const tx = await this.c.chain.send(payload, this.c.o.fee, this.c.maxTxBytes);
    run.txs.push(tx);
    run.log.debug({ kind: payload.kind, hash: tx.hash, nonce: String(tx.nonce), bytes: tx.bytes }, 'sent');
    return tx;
  }

  /**
   * Waits until `done(job)` or the job ended. With `tx`, a transaction that left the mempool without
   * landing is sent again (`resend`). With `until`, gives up (SOLVER_DEADLINE) once the height passes it.
   */
  private async waitJob(
    run: JobRun, done: (v: JobView) => boolean,
    o: { tx?: SentTx; resend?: () => Promise<SentTx>; until?: bigint; check?: (v: JobView) => Promise<void>; each?: (v: JobView) => Promise<void> } = {},
  ): Promise<JobView> {
    const { c } = this;
    let tx = o.tx;
    let missing = 0;
    let resent = 0;
    for (let i = 1; ; i++) {
      if (c.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'solver stopped');
      let v: JobView | null | undefined; // undefined: the node could not be asked
      try {
        v = await c.chain.job(run.id);
      } catch (e) {
        if (!isRetryable(e)) throw e;
        run.log.warn({ err: errorLine(e) }, 'cannot read the job; retrying');
      }
      if (v === null) {
        // job_get answered NOT_FOUND: a node of another chain, or one that lost its state
        if (++missing >= 10) throw new SolverError('SOLVER_BAD_JOB', `the node no longer knows job ${shortId(run.id)}`);
      } else if (v) {
        missing = 0;
        c.waker.seeHeight(v.height);
        if (done(v) || TERMINAL_STATUSES.includes(v.status)) return v;
        await o.each?.(v);
        if (o.until !== undefined && v.height !== null && v.height > o.until) {
          throw new SolverError('SOLVER_DEADLINE', `job still ${v.status} at height ${v.height}, past its deadline ${o.until}`);
        }
        if (i % 3 === 0) {
          if (tx && o.resend && (await c.chain.txState(tx)) === 'dropped') {
            // dropped again and again: the chain rejects it at execution, and resending cannot help
            if (++resent > MAX_RESENDS) throw new SolverError('SOLVER_TX_FAILED', `${run.id.slice(0, 8)}…: transaction ${tx.hash} keeps leaving the mempool without landing (${MAX_RESENDS} resends)`);
            run.log.warn({ hash: tx.hash }, 'transaction dropped without landing; sending it again');
            tx = await o.resend();
            run.txs.push(tx);
          }
          await o.check?.(v);
        }
      }
      await c.waker.wait(c.signal);
    }
  }

  /** The artifacts of a committed job (after a restart); they must match the commitment on chain. */
  private async openArtifacts(id: string, v: JobView): Promise<SolverArtifacts> {
    const a = await this.sources.lookupArtifacts(v.id);
    if (!a) throw new SolverError('SOLVER_ARTIFACTS', `no artifacts for job ${shortId(id)} in ${this.c.o.dataDir}`);
    if (v.commitment && !equalBytes(a.commitment().traceRoot, v.commitment.traceRoot)) {
      throw new SolverError('SOLVER_ARTIFACTS', `artifacts for job ${shortId(id)} do not match the trace committed on chain`);
    }
    return a;
  }

  /** Sends every required range not yet on chain, split under maxTxBytes, and waits for the verdict. */
  private async reveal(run: JobRun, v: JobView, T: number, k: number): Promise<JobView> {
    const { c } = this;
    run.artifacts ??= await this.openArtifacts(run.id, v);
    const art = run.artifacts;
    let sent: SentTx[] = [];
    let items = 0;
    let rounds = 0;
    const sendMissing = async (job: JobView): Promise<void> => {
      const done = await c.chain.revealedFroms(run.id);
      const ranges = requiredRanges(T, k, job.segments).filter((r) => !done.has(r.from));
      if (!ranges.length) return;
      const payloads = splitRevealPayloads(c.chainId, job.id, await art.revealItems(ranges), c.maxTxBytes);
      sent = [];
      for (const p of payloads) sent.push(await this.sendPhaseTx(run, job, p));
      items += ranges.length;
      run.log.info({ ranges: ranges.length, txs: payloads.length, bytes: sent.map((t) => t.bytes) }, 'revealed');
    };
    await sendMissing(v);
    c.emit({ type: 'revealed', jobId: run.id, items, txs: sent.length, txHashes: sent.map((t) => t.hash) });
    const defence = await this.defence(run, v);
    return this.waitJob(run, (j) => j.status !== 'revealing', {
      until: v.deadline,
      each: (j) => defence.step(j),
      // a reveal that left the mempool without landing: send what is still missing (only when none is pending)
      check: async (job) => {
        const states = await Promise.all(sent.map((t) => c.chain.txState(t)));
        if (states.includes('dropped') && !states.includes('pending')) {
          if (++rounds > MAX_RESENDS) throw new SolverError('SOLVER_TX_FAILED', `reveal transactions keep leaving the mempool without landing (${MAX_RESENDS} rounds)`);
          run.log.warn('a reveal transaction was dropped; revealing the missing ranges again');
          await sendMissing(job);
        }
      },
    });
  }
}
