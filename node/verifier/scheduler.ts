// The verifier's schedule: which jobs wait for a task slot, which run and in what phase, and the
// CPU slots replays take. Fetching is network-bound and runs for many jobs at once (bounded in time
// per job); replaying is CPU-bound (a worker thread each) and holds one of a few CPU slots. Both
// queues serve the earliest attest deadline first, so a job close to its deadline is never stuck
// behind one with time to spare.
import { availableParallelism } from 'node:os';
import { logHex } from '../util/index.ts';

export type TaskPhase = 'queued' | 'fetching' | 'waiting-cpu' | 'replaying' | 'submitting' | 'done';
/**
 * attested: a replayed digest was submitted; unavailable: UNAVAILABLE_DIGEST was submitted (data
 * missing or invalid, fetch budget spent, or no time left); skipped-late: the job no longer wanted this
 * attestation when its turn came or its work ended; cancelled: the service stopped or the job left the
 * window mid-task; failed: a local error or a refused submission.
 */
export type TaskDecision = 'attested' | 'unavailable' | 'skipped-late' | 'cancelled' | 'failed';

export interface TaskEntry {
  readonly key: string;
  readonly jobId: Uint8Array;
  readonly draws: number;
  /** the attest deadline: the last height the attestation may land at */
  readonly deadline: bigint;
  readonly queuedAt: bigint;
  startedAt: bigint | null;
  phase: TaskPhase;
  /** tries at the solver's data (dataset, checkpoints), including retries */
  fetchAttempts: number;
  /** the height at which fetching gives up (UNAVAILABLE, after its availability demand): the rest of the window is kept for the replay */
  fetchStopAt: bigint | null;
  /** the height at which the whole task gives up: the deadline less the blocks kept to include the attestation */
  stopAt: bigint | null;
  decision: TaskDecision | null;
  reason: string | null;
  decidedAt: bigint | null;
  /** aborts the task's fetches and replay; its reason says why */
  ctl: AbortController | null;
}

/** One task as node_status shows it (heights as numbers). */
export interface VerifierTaskView {
  job: string;
  draws: number;
  deadline: number;
  phase: TaskPhase;
  fetchAttempts: number;
  fetchStopAt: number | null;
  stopAt: number | null;
  /** blocks left before the current phase must end (fetching: fetchStopAt, otherwise stopAt or the deadline); never negative */
  budgetBlocks: number;
  decision: TaskDecision | null;
  reason: string | null;
  decidedAt: number | null;
}

export interface VerifierScheduleView {
  /** replays allowed at once (each on its own worker thread) */
  replaySlots: number;
  replaysRunning: number;
  replaysWaiting: number;
  /** tasks allowed at once (fetching, waiting for a CPU slot or replaying) */
  maxTasks: number;
  /** queued and running tasks, earliest deadline first */
  tasks: VerifierTaskView[];
  /** the latest decided tasks, newest first */
  recent: VerifierTaskView[];
}

/** Default CPU slots: every core but one (kept for consensus, p2p and the event loop), at least one. */
export function defaultReplaySlots(): number {
  return Math.max(1, availableParallelism() - 1);
}

export function taskView(e: TaskEntry, height: bigint): VerifierTaskView {
  const end = e.phase === 'fetching' && e.fetchStopAt !== null ? e.fetchStopAt : e.stopAt ?? e.deadline;
  const left = end - height;
  return {
    job: logHex(e.jobId), draws: e.draws, deadline: Number(e.deadline), phase: e.phase, fetchAttempts: e.fetchAttempts,
    fetchStopAt: e.fetchStopAt === null ? null : Number(e.fetchStopAt), stopAt: e.stopAt === null ? null : Number(e.stopAt),
    budgetBlocks: left > 0n ? Number(left) : 0, decision: e.decision, reason: e.reason, decidedAt: e.decidedAt === null ? null : Number(e.decidedAt),
  };
}

/** Orders by deadline, then by arrival. */
function earlier(a: { deadline: bigint; seq: number }, b: { deadline: bigint; seq: number }): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

interface Waiter {
  deadline: bigint;
  seq: number;
  grant(): void;
}

/**
 * Replays allowed at once. acquire() resolves with a release function when a slot is free; waiters
 * are served earliest deadline first; an aborted wait rejects with the signal's reason.
 */
export class CpuSlots {
  private busy = 0;
  private seq = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly slots: number) {}

  get running(): number {
    return this.busy;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(deadline: bigint, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const release = this.releaser();
    if (this.busy < this.slots && this.waiters.length === 0) {
      this.busy++;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        deadline, seq: this.seq++,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let i = this.waiters.findIndex((x) => earlier(w, x));
      if (i < 0) i = this.waiters.length;
      this.waiters.splice(i, 0, w);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiters.shift();
      if (next) next.grant(); // the slot passes straight on
      else this.busy--;
    };
  }
}

/** Tasks waiting for a task slot, earliest deadline first. */
export class TaskQueue {
  private seq = 0;
  private readonly items: Array<{ entry: TaskEntry; deadline: bigint; seq: number }> = [];

  get length(): number {
    return this.items.length;
  }

  push(entry: TaskEntry): void {
    const it = { entry, deadline: entry.deadline, seq: this.seq++ };
    let i = this.items.findIndex((x) => earlier(it, x));
    if (i < 0) i = this.items.length;
    this.items.splice(i, 0, it);
  }

  shift(): TaskEntry | undefined {
    return this.items.shift()?.entry;
  }

  clear(): TaskEntry[] {
    return this.items.splice(0).map((x) => x.entry);
  }

  entries(): TaskEntry[] {
    return this.items.map((x) => x.entry);
  }
}
