// Verification off the event loop: sampled segments are replayed in a worker thread, so consensus
// timeouts and p2p keep running while a committee member re-trains (DESIGN.md §2).
import { Worker } from 'node:worker_threads';
import { replayInputProblem } from './replay-input.ts';
import { JobsError, type JobsErrorCode } from './errors.ts';
import type { ReplayInput, ReplayProgress, ReplayResult, WorkerMessage, WorkerRequest } from './replay-protocol.ts';

export type { ReplayInput, ReplayProgress, ReplayResult, ReplaySegmentInput } from './replay-protocol.ts';

// The worker's code is TypeScript. ml-runtime's own workers are plain JS strings, which this one
// cannot be (it runs the whole trainer); Node 20 does not carry the parent's tsx hooks into a worker,
// whether tsx came in with --import or register() (bin/polchain.mjs). So a tiny ESM bootstrap
// registers tsx inside the worker first, then imports the entry file.
const BOOT = `import { workerData } from 'node:worker_threads';
const { register } = await import(workerData.tsxApi);
register();
await import(workerData.entry);`;
const BOOT_URL = new URL(`data:text/javascript,${encodeURIComponent(BOOT)}`);
const ENTRY = new URL('./replay-worker-main.ts', import.meta.url).href;

/**
 * Starting a worker costs ~1 s (tsx, tfjs, det kernels, then the dataset), so the last one is kept
 * for this long after a replay and reused; it is unref'd meanwhile and never keeps the process alive.
 */
const IDLE_MS = 15_000;
let idle: { worker: Worker; timer: NodeJS.Timeout } | null = null;
let nextId = 0;

function spawn(): Worker {
  const w = new Worker(BOOT_URL, { workerData: { tsxApi: import.meta.resolve('tsx/esm/api'), entry: ENTRY } });
  w.on('exit', () => {
    if (idle?.worker === w) {
      clearTimeout(idle.timer);
      idle = null;
    }
  });
  return w;
}

function take(): Worker {
  if (idle) {
    const { worker, timer } = idle;
    clearTimeout(timer);
    idle = null;
    worker.ref();
    return worker;
  }
  return spawn();
}

function release(w: Worker): void {
  if (idle) {
    void w.terminate(); // one spare is enough; concurrent replays are rare
    return;
  }
  w.unref();
  const timer = setTimeout(() => {
    if (idle?.worker === w) idle = null;
    void w.terminate();
  }, IDLE_MS);
  timer.unref();
  idle = { worker: w, timer };
}

export interface ReplayOptions {
  onProgress?(p: ReplayProgress): void;
  /** terminating the worker is the only way to stop a running step: abort does that */
  signal?: AbortSignal;
  /** least time between progress reports (default 250 ms; a report also follows each segment) */
  progressIntervalMs?: number;
}

const PASSED_THROUGH: ReadonlySet<string> = new Set<JobsErrorCode>(['DATASET_UNKNOWN', 'DATASET_MISMATCH', 'REPLAY_FAILED']);

/**
 * Replays `input.segments` on the det backend in a worker thread and returns h0 and each segment's
 * step hashes. Inputs that cannot be right (segment out of range, a missing state, a state whose
 * length does not fit the spec) fail before any worker is involved. Failures: REPLAY_FAILED (bad
 * state, wrong step, non-finite values, spec and dataset that do not fit), DATASET_UNKNOWN /
 * DATASET_MISMATCH, REPLAY_ABORTED.
 */
export function replaySegments(input: ReplayInput, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const problem = replayInputProblem(input);
  if (problem) return Promise.reject(new JobsError('REPLAY_FAILED', `replay input: ${problem}`));
  if (opts.signal?.aborted) return Promise.reject(new JobsError('REPLAY_ABORTED', 'replay aborted before it started'));
  const id = nextId++;
  const worker = take();
  return new Promise<ReplayResult>((resolve, reject) => {
    let settled = false;
    const finish = (err: JobsError | null, res?: ReplayResult, reusable = false) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (reusable) release(worker);
      else void worker.terminate();
      if (err) reject(err);
      else resolve(res!);
    };
    const onAbort = () => finish(new JobsError('REPLAY_ABORTED', 'replay aborted'));
    const onMessage = (m: WorkerMessage) => {
      if (m.id !== id) return;
      if (m.type === 'progress') {
        try {
          opts.onProgress?.({ segment: m.segment, stepsDone: m.stepsDone, stepsTotal: m.stepsTotal });
        } catch {
          // a throwing progress callback must not kill the replay
        }
      } else if (m.type === 'done') {
        finish(null, { h0: m.h0, segmentHashes: m.segmentHashes, segmentLosses: m.segmentLosses, startHashes: m.startHashes, cpuMs: m.cpuMs, ...(m.captured ? { captured: m.captured } : {}) }, true);
      } else {
        // the worker caught the failure itself and is still sound
        finish(new JobsError(PASSED_THROUGH.has(m.code) ? (m.code as JobsErrorCode) : 'REPLAY_FAILED', m.message), undefined, true);
      }
    };
    const onError = (e: Error) => finish(new JobsError('REPLAY_WORKER_DIED', `replay worker crashed: ${e.message}`, { cause: e }));
    const onExit = (code: number) => finish(new JobsError('REPLAY_WORKER_DIED', `replay worker exited (code ${code}) without a result`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    const req: WorkerRequest = { id, input, progressIntervalMs: opts.progressIntervalMs ?? 250 };
    worker.postMessage(req);
  });
}
