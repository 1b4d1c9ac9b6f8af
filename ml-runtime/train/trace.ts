// Runs a training job step by step and hands what it commits (per-step hashes, checkpoints on the
// schedule of commitment/schedule.ts) to a sink; replays a segment. One loop body (trainStates)
// drives both forms: runTrace hashes on a worker thread while the next step runs, runTraceSync
// hashes inline for tests and golden checks. Both give the same hashes, roots and checkpoints.
import {
  MlError, stepHash, type Dataset, type ModelSpec, type TrainState,
} from '../commitment/index.ts';
import { createTrainer, trainStep, checkState, type Trainer } from './step.ts';
import { StepHashWorker } from './hash-worker.ts';
import { trainStates, type TraceHook } from './trace-hooks.ts';
import { MemorySink, TraceRecorder, type SyncTraceSink, type TraceResult, type TraceSink } from './trace-sink.ts';

export interface TraceOptions<S extends TraceSink = TraceSink> {
  /** receives h_0..h_T and the checkpoints; default: a MemorySink whose checkpoints the result holds */
  sink?: S;
  /** observe or change each step, in order (trace-hooks.ts) */
  hooks?: readonly TraceHook[];
  chunkSize?: number;
  /** checked every few steps of the async loop; an abort throws the signal's reason */
  signal?: AbortSignal;
}

function sharesBuffers(a: TrainState, b: TrainState): boolean {
  const mine = new Set([...a.params, ...a.slots].map((x) => x.buffer));
  return [...b.params, ...b.slots].some((x) => mine.has(x.buffer));
}

/**
 * Runs a job from state_0 for spec.steps steps, with h_t computed on a worker thread while the next
 * step runs (on a machine with a spare core, hashing then adds almost nothing to the step time).
 * Memory stays bounded by a few states: at most ~16 are in flight.
 */
export async function runTrace(tr: Trainer, jobId: Uint8Array, o: TraceOptions = {}): Promise<TraceResult> {
  const memory = o.sink ? null : new MemorySink();
  const sink: TraceSink = o.sink ?? memory!;
  const rec = new TraceRecorder(tr.spec.steps, tr.spec.checkpointInterval, o.chunkSize);
  const hasher = new StepHashWorker();
  // Emission is a promise chain in step order; `inflight` holds each step's emission so that the loop
  // can wait for step t-8 before running further, bounding the states and encodings in flight.
  let emitted: Promise<void> = Promise.resolve();
  const inflight: Promise<void>[] = [];
  let failure: unknown = null;
  const submit = (st: TrainState, transfer: boolean) => {
    const step = st.step;
    const cp = rec.encode(st);
    const h = hasher.submit(jobId, st, transfer);
    h.catch(() => undefined); // surfaced through the emission chain
    emitted = emitted.then(async () => {
      const hv = await h;
      const full = rec.record(step, hv, cp);
      await sink.addStepHash(step, hv);
      if (full) await sink.addCheckpoint(full);
    });
    inflight.push(emitted.catch((e: unknown) => { failure ??= e; }));
    if (inflight.length > 16) inflight.shift();
  };
  let s: TrainState | null = null;
  try {
    o.signal?.throwIfAborted();
    for (const out of trainStates(tr, o.hooks)) {
      const prev = s;
      s = out.state;
      // state_0 is submitted without transfer: a parent's slots may alias initialState's arrays.
      if (prev === null) { submit(s, false); continue; }
      rec.loss(out.loss);
      // state_t is no longer needed (its checkpoint, if any, is encoded): move it to the worker.
      if (prev.step > 0) submit(prev, !sharesBuffers(prev, s));
      if ((s.step & 7) === 0) {
        const back = inflight[inflight.length - 8];
        if (back) await back;
        if (failure) throw failure;
        o.signal?.throwIfAborted();
      }
    }
    if (s!.step > 0) submit(s!, false);
    await emitted;
  } catch (e) {
    await emitted.catch(() => undefined);
    throw e;
  } finally {
    await hasher.close();
  }
  if (failure) throw failure;
  return rec.result(s!, memory);
}

/** The same run with h_t computed inline: for tests, golden checks and in-memory simulations. */
export function runTraceSync(tr: Trainer, jobId: Uint8Array, o: Omit<TraceOptions<SyncTraceSink>, 'signal'> = {}): TraceResult {
  const memory = o.sink ? null : new MemorySink();
  const sink: SyncTraceSink = o.sink ?? memory!;
  const rec = new TraceRecorder(tr.spec.steps, tr.spec.checkpointInterval, o.chunkSize);
  let s: TrainState | null = null;
  for (const out of trainStates(tr, o.hooks)) {
    if (s !== null) rec.loss(out.loss);
    s = out.state;
    const h = stepHash(jobId, s);
    const full = rec.record(s.step, h, rec.encode(s));
    sink.addStepHash(s.step, h);
    if (full) sink.addCheckpoint(full);
  }
  return rec.result(s!, memory);
}

/**
 * Re-executes steps fromStep -> toStep starting from `fromState` (whose step must be fromStep)
 * and returns [h_fromStep, ..., h_toStep] (toStep - fromStep + 1 hashes). A verifier compares
 * them with the committed leaves. `onStep` also sees state_{t+1} (valid during the call only), so
 * a challenger can keep the state the referee needs without a second loop.
 */
export function replaySegment(spec: ModelSpec, dataset: Dataset, jobId: Uint8Array, seed: Uint8Array,
  fromState: TrainState, fromStep: number, toStep: number, onStep?: (t: number, loss: number, state: TrainState) => void): Uint8Array[] {
  const tr = createTrainer(spec, dataset, seed);
  checkState(tr, fromState);
  if (fromState.step !== fromStep) throw new MlError('STATE_MISMATCH', `replay from step ${fromStep} got a state at step ${fromState.step}`);
  if (!Number.isInteger(toStep) || toStep < fromStep) throw new MlError('TRACE_INVALID', `replay range ${fromStep}..${toStep} is empty or reversed`);
  let s = fromState;
  const out = [stepHash(jobId, s)];
  for (let t = fromStep; t < toStep; t++) {
    const r = trainStep(tr, s);
    s = r.state;
    out.push(stepHash(jobId, s));
    onStep?.(t, r.loss, s);
  }
  return out;
}
