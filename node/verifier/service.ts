// The committee verifier (docs/jobs.md §4): when this node's validator sits on a job's committee,
// fetch the opened checkpoints from the solver, replay the sampled segments on a worker thread and
// post a JobAttest with the digest, or UNAVAILABLE_DIGEST when the data cannot be had or verified
// in time. Blocks only enqueue work; one task runs at a time, first come first served. This file
// holds the queue and its scheduling; task.ts runs one task. After the verdict, a dispute against
// this member's attestation is answered from the record kept on disk (member-defence.ts).
import { JobStatus, type BlockResult, type Job } from '../../vm/index.ts';
import { jobsBackend } from './verifier-backend.ts';
import { seedCredentials } from '../jobs/index.ts';
import { hasAttested, needsMe, short, type VerifierContext, type VerifierStats } from './context.ts';
import { VerifierError } from './errors.ts';
import type { VerifierOptions } from './options.ts';
import { BlockPace } from './pace.ts';
import { runTask, submitAttestation } from './task.ts';
import { MemberDefence } from './member-defence.ts';
import { listAttestationRecords, removeAttestationRecord } from './attestation-records.ts';
import { addressFromPublicKey, bytesToHex, encodeAddress, equalBytes, publicKeyFromSeed, errorMessage } from '../../primitives/index.ts';

const MAX_SUBMIT_TRIES = 3;
/** a job whose task failed locally is tried again on a later block, this many times in all */
const MAX_TASK_ATTEMPTS = 2;
/** blocks between looks for attestation records of jobs that have ended */
const PRUNE_EVERY = 32n;
const RUNNING_STATUSES: ReadonlySet<number> = new Set([
  JobStatus.Attesting, JobStatus.Revealing, JobStatus.Provisional, JobStatus.Challenged, JobStatus.Committed, JobStatus.Diverging,
]);

export class VerifierService {
  readonly address: Uint8Array;
  private readonly c: VerifierContext;
  private readonly queue: Uint8Array[] = [];
  private readonly hints: Uint8Array[] = [];
  /** tasks started per job (bounded retries after local failures); dropped when the job leaves the attest window */
  private readonly attempts = new Map<string, number>();
  private draining: Promise<void> | null = null;
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
    this.c = {
      o, address: this.address, log: o.logger,
      pace: new BlockPace(o.blockIntervalMs ?? 1000),
      // solvers serve checkpoints to committee members only: each request is signed with the consensus key
      backend: { ...jobsBackend(o.datasets, { concurrency: o.concurrency ?? 4, credentials: seedCredentials(o.validatorSeed, () => o.state.height) }), ...o.backend },
      now: o.now ?? Date.now,
      counters: { verified: 0, unavailable: 0, failed: 0, disagreed: 0, lastCpuMs: 0, bytesFetched: 0, demanded: 0, chunksFromChain: 0, disputeMoves: 0 },
      taken: new Set(), submitted: new Map(), digests: new Map(), current: null, stopped: false,
    };
    this.defence = new MemberDefence(this.c);
  }

  stats(): VerifierStats {
    const { c } = this;
    return { ...c.counters, queued: this.queue.length, running: c.current ? c.current.hex.slice(0, 12) : null };
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
    this.c.log.info({ validator: encodeAddress(this.address), resumed, height: Number(state.height) }, 'verifier started');
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
    while (this.draining || this.scanTimer || this.resends.size > 0) {
      if (this.scanTimer) await new Promise((r) => setImmediate(r));
      if (this.draining) await this.draining;
      await Promise.all(this.resends);
    }
  }

  /** Cancels the running task (no attestation is posted for it), drops the queue, waits for the task to end. */
  async stop(): Promise<void> {
    const { c } = this;
    if (c.stopped) {
      await this.draining;
      return;
    }
    c.stopped = true;
    this.o.signal?.removeEventListener('abort', this.onAbort);
    if (this.scanTimer) clearImmediate(this.scanTimer);
    this.scanTimer = null;
    this.queue.length = 0;
    c.current?.ctl.abort(new VerifierError('VERIFIER_CANCELLED', 'the verifier is stopping'));
    await this.draining;
    c.log.info({ ...this.stats() }, 'verifier stopped');
  }

  private enqueue(job: Job): boolean {
    const { c } = this;
    const hex = bytesToHex(job.id);
    if (c.stopped || c.taken.has(hex) || (this.attempts.get(hex) ?? 0) >= MAX_TASK_ATTEMPTS) return false;
    c.taken.add(hex);
    this.attempts.set(hex, (this.attempts.get(hex) ?? 0) + 1);
    this.queue.push(job.id);
    c.log.info({ job: short(job.id), segments: job.segments, deadline: Number(job.deadline), queued: this.queue.length }, 'verifier: job queued');
    this.draining ??= this.drain().finally(() => { this.draining = null; });
    return true;
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
    for (const hex of this.attempts.keys()) {
      const job = state.getJob(Buffer.from(hex, 'hex'));
      if (!job || job.status !== JobStatus.Attesting) {
        this.attempts.delete(hex);
        c.digests.delete(hex);
      }
    }
    // the running task ends early when its job left the attest window, and gives up (UNAVAILABLE)
    // once only the margin needed to include its attestation is left
    if (c.current) {
      const { hex, ctl, stopAt } = c.current;
      const job = state.getJob(Buffer.from(hex, 'hex'));
      if (!job || job.status !== JobStatus.Attesting || state.height >= job.deadline) {
        ctl.abort(new VerifierError('VERIFIER_CANCELLED', `the job is no longer attesting at height ${state.height}`));
      } else if (state.height >= stopAt) {
        ctl.abort(new VerifierError('VERIFIER_TIMEOUT', `not verified by height ${stopAt} (the attest deadline ${job.deadline} less the blocks kept to include the attestation)`));
      }
    }
    // disputes against this member's attestations: answered from its records, off the block path
    if (this.defence.wanted()) this.track(this.defence.poke());
    if (state.height >= this.lastPrune + PRUNE_EVERY) {
      this.lastPrune = state.height;
      this.track(this.prune());
    }
    // submitted attestations: forget the landed ones, re-send the ones the mempool dropped
    for (const [hex, sub] of c.submitted) {
      const job = state.getJob(Buffer.from(hex, 'hex'));
      if (!job || job.status !== JobStatus.Attesting || hasAttested(c, job)) {
        c.submitted.delete(hex);
        c.taken.delete(hex);
        continue;
      }
      if (this.o.isPending && !this.o.isPending(sub.txHash) && state.height < job.deadline) {
        if (sub.tries >= MAX_SUBMIT_TRIES) {
          c.log.warn({ job: short(job.id), tries: sub.tries }, 'verifier: attestation keeps leaving the mempool without landing; giving up');
          c.submitted.delete(hex);
          c.counters.failed++;
          continue;
        }
        const p = submitAttestation(c, job, sub.digest, sub.tries + 1).finally(() => this.resends.delete(p));
        this.resends.add(p);
      }
    }
  }

  /** Keeps `p` in the set idle() waits for; its failure is logged. */
  private track(p: Promise<void>): void {
    const q = p.catch((e: unknown) => this.c.log.error({ err: errorMessage(e) }, 'verifier: background work failed')).finally(() => this.resends.delete(q));
    this.resends.add(q);
  }

  /** Drops the attestation records of jobs that have ended: nothing can dispute them any more. */
  private async prune(): Promise<void> {
    const { state } = this.o;
    for (const hex of await listAttestationRecords(this.o.workDir)) {
      const job = state.getJob(Buffer.from(hex, 'hex'));
      if (job && RUNNING_STATUSES.has(job.status)) continue;
      await removeAttestationRecord(this.o.workDir, hex);
      this.c.log.debug({ job: `0x${hex}`, status: job?.status }, 'verifier: attestation record dropped; its job has ended');
    }
  }

  private async drain(): Promise<void> {
    const { c } = this;
    while (this.queue.length > 0 && !c.stopped) {
      const id = this.queue.shift()!;
      try {
        await runTask(c, id);
      } catch (e) {
        c.counters.failed++;
        c.log.error({ job: short(id), err: errorMessage(e) }, 'verifier: task failed');
      }
      if (!c.submitted.has(bytesToHex(id))) c.taken.delete(bytesToHex(id));
    }
  }
}
