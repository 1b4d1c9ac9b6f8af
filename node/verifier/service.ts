// The committee verifier (docs/jobs.md §4): when this node's validator sits on a job's committee,
// fetch the opened checkpoints from the solver, replay the sampled segments on a worker thread and
// post a JobAttest with the digest, or UNAVAILABLE_DIGEST when the data cannot be had or verified
// in time. Blocks only enqueue work. Several tasks run at once, earliest attest deadline first
// (scheduler.ts): fetching is bounded per job by a height derived from its deadline, and replays
// share a few CPU slots, so a job whose data never arrives holds up no other job's attestation.
// This file holds the schedule; task.ts runs one task. Work is keyed by (job id, committee draw):
// a redrawn job is attested again. After the verdict, a dispute against this member's attestation
// is answered from the record kept on disk (member-defence.ts).
import { JobStatus, type BlockResult, type Job } from '../../vm/index.ts';
import { jobsBackend } from './verifier-backend.ts';
import { seedCredentials } from '../jobs/index.ts';
import { hasAttested, needsMe, short, type VerifierContext, type VerifierStats } from './context.ts';
import { drawOf, segmentsToReplay, workKey } from './committee-draw.ts';
import { VerifierError } from './errors.ts';
import type { VerifierOptions } from './options.ts';
import { BlockPace } from './pace.ts';
import { CpuSlots, TaskQueue, defaultReplaySlots, taskView, type TaskEntry } from './scheduler.ts';
import { runTask, submitAttestation } from './task.ts';
import { MemberDefence } from './member-defence.ts';
import { listAttestationRecords, removeAttestationRecord } from './attestation-records.ts';
import { addressFromPublicKey, bytesToHex, encodeAddress, equalBytes, hexToBytes, publicKeyFromSeed, errorMessage } from '../../primitives/index.ts';

const MAX_SUBMIT_TRIES = 3;
/** a job whose task failed locally is tried again on a later block, this many times in all */
const MAX_TASK_ATTEMPTS = 2;
/** blocks between looks for attestation records of jobs that have ended */
const PRUNE_EVERY = 32n;
const RUNNING_STATUSES: ReadonlySet<number> = new Set([
  JobStatus.Attesting, JobStatus.Revealing, JobStatus.Provisional, JobStatus.Challenged, JobStatus.Committed, JobStatus.Diverging,
]);

const jobIdOf = (key: string): Uint8Array => hexToBytes(key.slice(0, key.indexOf(':')));

export class VerifierService {
  readonly address: Uint8Array;
  private readonly c: VerifierContext;
  private readonly queue = new TaskQueue();
  private readonly maxTasks: number;
  private readonly recentMax: number;
  /** decided tasks, newest first (node_status) */
  private readonly recent: TaskEntry[] = [];
  private readonly hints: Uint8Array[] = [];
  /** tasks started per work key (bounded retries after local failures); dropped when the job leaves the attest window */
  private readonly attempts = new Map<string, number>();
  /** the running tasks' promises, which idle() and stop() wait for */
  private readonly tasks = new Set<Promise<void>>();
  /** re-submissions started by a scan */
  private readonly resends = new Set<Promise<void>>();
  private scanTimer: NodeJS.Immediate | null = null;
  private started = false;
  private readonly defence: MemberDefence;
  private lastPrune = -PRUNE_EVERY;
  private readonly onAbort = () => void this.stop();

  constructor(private readonly o: VerifierOptions) {
    this.address = o.validatorAddress;
    if (!equalBytes(addressFromPublicKey(publicKeyFromSeed(o.validatorSeed)), o.validatorAddress)) {
      throw new VerifierError('VERIFIER_BAD_OPTIONS', 'validatorSeed does not belong to validatorAddress: a JobAttest must be signed by the committee member');
    }
    const slots = o.replaySlots ?? defaultReplaySlots();
    this.maxTasks = o.maxTasks ?? 16;
    this.recentMax = o.recentTasks ?? 16;
    if (!Number.isSafeInteger(slots) || slots < 1 || !Number.isSafeInteger(this.maxTasks) || this.maxTasks < 1) {
      throw new VerifierError('VERIFIER_BAD_OPTIONS', `replaySlots (${slots}) and maxTasks (${this.maxTasks}) must be positive integers`);
    }
    this.c = {
      o, address: this.address, log: o.logger,
      pace: new BlockPace(o.blockIntervalMs ?? 1000),
      // solvers serve checkpoints to committee members only: each request is signed with the consensus key
      backend: { ...jobsBackend(o.datasets, { concurrency: o.concurrency ?? 4, credentials: seedCredentials(o.validatorSeed, () => o.state.height) }), ...o.backend },
      now: o.now ?? Date.now,
      counters: { verified: 0, unavailable: 0, failed: 0, disagreed: 0, lastCpuMs: 0, bytesFetched: 0, demanded: 0, chunksFromChain: 0, unusable: 0, disputeMoves: 0 },
      taken: new Set(), submitted: new Map(), digests: new Map(), cpu: new CpuSlots(slots), running: new Map(), msPerStep: null, stopped: false,
    };
    this.defence = new MemberDefence(this.c);
  }

  stats(): VerifierStats {
    const { c } = this;
    const h = c.o.state.height;
    const running = [...c.running.values()].sort((a, b) => (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0));
    const tasks = [...this.queue.entries(), ...running].sort((a, b) => (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0));
    return {
      ...c.counters, queued: this.queue.length, running: running[0] ? short(running[0].jobId) : null,
      scheduler: {
        replaySlots: c.cpu.slots, replaysRunning: c.cpu.running, replaysWaiting: c.cpu.waiting, maxTasks: this.maxTasks,
        tasks: tasks.map((e) => taskView(e, h)), recent: this.recent.map((e) => taskView(e, h)),
      },
    };
  }

  /** Picks up jobs already in the attesting phase (e.g. after a restart) and starts listening. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { state } = this.o;
    if (this.o.signal?.aborted) {
      void this.stop();
      return;
    }
    this.o.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.c.pace.record(state.height, state.lastTimestampMs);
    const v = state.getValidator(this.address);
    if (!v) this.c.log.info({ validator: encodeAddress(this.address) }, 'verifier: not in the validator set yet; waiting for committee seats');
    let resumed = 0;
    for (const id of state.activeJobs) {
      const job = state.getJob(id);
      if (job && needsMe(this.c, job) && this.enqueue(job)) resumed++;
    }
    this.c.log.info({ validator: encodeAddress(this.address), resumed, height: Number(state.height), replaySlots: this.c.cpu.slots, maxTasks: this.maxTasks }, 'verifier started');
  }

  /**
   * Hook for node.onBlock: records the block time and schedules a scan on a later turn of the event
   * loop. Never does the work itself, so the consensus path is not held up.
   */
  onBlock(r: BlockResult): void {
    if (this.c.stopped || !this.started) return;
    this.c.pace.record(r.block.header.height, r.block.header.timestampMs);
    for (const u of r.jobUpdates ?? []) if (u.status === JobStatus.Attesting) this.hints.push(u.jobId);
    this.scanTimer ??= setImmediate(() => {
      this.scanTimer = null;
      this.scan();
    });
  }

  /** Resolves when no task is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.tasks.size > 0 || this.scanTimer || this.resends.size > 0) {
      if (this.scanTimer) await new Promise((r) => setImmediate(r));
      await Promise.all(this.tasks);
      await Promise.all(this.resends);
    }
  }

  /** Cancels the running tasks (no attestation is posted for them), drops the queue, waits for the tasks to end. */
  async stop(): Promise<void> {
    const { c } = this;
    if (c.stopped) {
      await Promise.all(this.tasks);
      return;
    }
    c.stopped = true;
    this.o.signal?.removeEventListener('abort', this.onAbort);
    if (this.scanTimer) clearImmediate(this.scanTimer);
    this.scanTimer = null;
    for (const e of this.queue.clear()) c.taken.delete(e.key);
    for (const e of c.running.values()) e.ctl?.abort(new VerifierError('VERIFIER_CANCELLED', 'the verifier is stopping'));
    await Promise.all(this.tasks);
    const { scheduler: _s, ...counters } = this.stats();
    c.log.info(counters, 'verifier stopped');
  }

  private enqueue(job: Job): boolean {
    const { c } = this;
    const key = workKey(job);
    if (c.stopped || c.taken.has(key) || (this.attempts.get(key) ?? 0) >= MAX_TASK_ATTEMPTS) return false;
    c.taken.add(key);
    this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
    const e: TaskEntry = {
      key, jobId: job.id, draws: drawOf(job), deadline: job.deadline, queuedAt: c.o.state.height, startedAt: null, phase: 'queued',
      fetchAttempts: 0, fetchStopAt: null, stopAt: null, decision: null, reason: null, decidedAt: null, ctl: null,
    };
    this.queue.push(e);
    c.log.info({
      job: short(job.id), draws: e.draws, segments: segmentsToReplay(job, this.address), deadline: Number(job.deadline), height: Number(c.o.state.height),
      queued: this.queue.length, running: c.running.size,
    }, 'verifier: job queued');
    this.pump();
    return true;
  }

  /** Starts queued tasks, earliest deadline first, while task slots are free. */
  private pump(): void {
    const { c } = this;
    while (!c.stopped && c.running.size < this.maxTasks && this.queue.length > 0) {
      const e = this.queue.shift()!;
      e.startedAt = c.o.state.height;
      c.running.set(e.key, e);
      const p: Promise<void> = this.runOne(e).finally(() => {
        this.tasks.delete(p);
        this.pump();
      });
      this.tasks.add(p);
    }
  }

  private async runOne(e: TaskEntry): Promise<void> {
    const { c } = this;
    try {
      await runTask(c, e);
    } catch (err) {
      c.counters.failed++;
      e.decision = 'failed';
      e.reason = errorMessage(err);
      c.log.error({ job: short(e.jobId), draws: e.draws, err: errorMessage(err) }, 'verifier: task failed');
    }
    c.running.delete(e.key);
    if (!c.submitted.has(e.key)) c.taken.delete(e.key);
    e.phase = 'done';
    e.decidedAt = c.o.state.height;
    e.ctl = null;
    this.recent.unshift(e);
    if (this.recent.length > this.recentMax) this.recent.length = this.recentMax;
    c.log.info({
      job: short(e.jobId), draws: e.draws, decision: e.decision, reason: e.reason, height: Number(e.decidedAt), deadline: Number(e.deadline),
      queuedAt: Number(e.queuedAt), startedAt: e.startedAt === null ? null : Number(e.startedAt), fetchAttempts: e.fetchAttempts,
      fetchStopAt: e.fetchStopAt === null ? null : Number(e.fetchStopAt),
    }, 'verifier: task decided');
  }

  private scan(): void {
    const { c } = this;
    if (c.stopped) return;
    if (this.o.isSyncing?.()) {
      this.hints.length = 0; // the active-job scan after the sync covers them
      return;
    }
    const { state } = this.o;
    const seen = new Set<string>();
    const visit = (id: Uint8Array) => {
      const hex = bytesToHex(id);
      if (seen.has(hex)) return;
      seen.add(hex);
      const job = state.getJob(id);
      if (job && needsMe(c, job)) this.enqueue(job);
    };
    for (const id of this.hints.splice(0)) visit(id);
    for (const id of state.activeJobs) visit(id);
    for (const key of [...this.attempts.keys()]) {
      const job = state.getJob(jobIdOf(key));
      if (!job || job.status !== JobStatus.Attesting || workKey(job) !== key) {
        this.attempts.delete(key);
        c.digests.delete(key);
      }
    }
    // a running task ends early when its job left the attest window (or was redrawn), gives up
    // fetching at its fetch budget's height, and gives up altogether (UNAVAILABLE) once only the
    // margin needed to include its attestation is left
    for (const e of c.running.values()) {
      if (!e.ctl || e.ctl.signal.aborted) continue;
      const job = state.getJob(e.jobId);
      if (!job || job.status !== JobStatus.Attesting || workKey(job) !== e.key || state.height >= job.deadline) {
        e.ctl.abort(new VerifierError('VERIFIER_CANCELLED', `the job is no longer attesting with committee draw ${e.draws} at height ${state.height}`));
      } else if (e.stopAt !== null && state.height >= e.stopAt) {
        e.ctl.abort(new VerifierError('VERIFIER_TIMEOUT', `not verified by height ${e.stopAt} (the attest deadline ${job.deadline} less the blocks kept to include the attestation)`));
      } else if (e.phase === 'fetching' && e.fetchStopAt !== null && state.height >= e.fetchStopAt) {
        c.log.warn({ job: short(e.jobId), draws: e.draws, fetchStopAt: Number(e.fetchStopAt), fetchAttempts: e.fetchAttempts, deadline: Number(job.deadline) }, 'verifier: fetch budget spent; giving up on the solver\'s data');
        e.ctl.abort(new VerifierError('VERIFIER_TIMEOUT', `the solver's data did not arrive by height ${e.fetchStopAt} (the fetch budget: the rest of the window, to ${e.stopAt}, is kept for the replay)`));
      }
    }
    // disputes against this member's attestations: answered from its records, off the block path
    if (this.defence.wanted()) this.track(this.defence.poke());
    if (state.height >= this.lastPrune + PRUNE_EVERY) {
      this.lastPrune = state.height;
      this.track(this.prune());
    }
    // submitted attestations: forget the landed ones, re-send the ones the mempool dropped
    for (const [key, sub] of c.submitted) {
      const job = state.getJob(jobIdOf(key));
      if (!job || job.status !== JobStatus.Attesting || workKey(job) !== key || hasAttested(c, job)) {
        c.submitted.delete(key);
        c.taken.delete(key);
        continue;
      }
      if (this.o.isPending && !this.o.isPending(sub.txHash) && state.height < job.deadline) {
        if (sub.tries >= MAX_SUBMIT_TRIES) {
          c.log.warn({ job: short(job.id), tries: sub.tries }, 'verifier: attestation keeps leaving the mempool without landing; giving up');
          c.submitted.delete(key);
          c.counters.failed++;
          continue;
        }
        this.track(submitAttestation(c, job, sub.digest, sub.tries + 1).then(() => {}));
      }
    }
    this.pump();
  }

  /** Keeps `p` in the set idle() waits for; its failure is logged. */
  private track(p: Promise<void>): void {
    const q = p.catch((e: unknown) => this.c.log.error({ err: errorMessage(e) }, 'verifier: background work failed')).finally(() => this.resends.delete(q));
    this.resends.add(q);
  }

  /** Drops the attestation records of jobs that have ended, and of committee draws the job has moved past: nothing can dispute them any more. */
  private async prune(): Promise<void> {
    const { state } = this.o;
    for (const { jobHex, draws } of await listAttestationRecords(this.o.workDir)) {
      const job = state.getJob(hexToBytes(jobHex));
      if (job && RUNNING_STATUSES.has(job.status) && drawOf(job) === draws) continue;
      await removeAttestationRecord(this.o.workDir, jobHex, draws);
      this.c.log.debug({ job: `0x${jobHex}`, draws, status: job?.status }, 'verifier: attestation record dropped; its job has ended or was redrawn');
    }
  }
}
