// Runs a training job step by step and records what it commits: per-step hashes, the trace root and
// the checkpoints (their format is ml-runtime/commitment/trace-format.ts); replays a segment.
import { merkleRoot } from '../../primitives/index.ts';
import {
  MlError, chunkBytes, checkpointsRoot, encodeState, makeCheckpoint, stepHash, traceRoot,
  type Checkpoint, type Dataset, type ModelSpec, type TrainState,
} from '../commitment/index.ts';
import { createTrainer, initialState, trainStep, checkState, type Trainer } from './step.ts';
import { StepHashWorker } from './hash-worker.ts';

export interface TraceResult {
  stepHashes: Uint8Array[];
  losses: number[];
  traceRoot: Uint8Array;
  checkpoints: Checkpoint[];
  checkpointsRoot: Uint8Array;
  finalState: TrainState;
}

export interface TraceOptions {
  /** called after each step t -> t+1 with the new state's hash */
  onStep?(t: number, loss: number, hash: Uint8Array, state: TrainState): void;
  /** called for each checkpoint (also step 0); when given, checkpoints are not kept in the result */
  onCheckpoint?(cp: Checkpoint): void;
  chunkSize?: number;
}

/** Runs a job from state_0 for spec.steps steps. */
export function runTrace(tr: Trainer, jobId: Uint8Array, opts: TraceOptions = {}): TraceResult {
  const T = tr.spec.steps;
  const k = tr.spec.checkpointInterval;
  let s = initialState(tr);
  const stepHashes: Uint8Array[] = [stepHash(jobId, s)];
  const losses: number[] = [];
  const checkpoints: Checkpoint[] = [];
  const cpMeta: { step: number; chunkRoot: Uint8Array; stepHash: Uint8Array }[] = [];
  const takeCp = (st: TrainState) => {
    const cp = makeCheckpoint(jobId, st, opts.chunkSize);
    cpMeta.push({ step: cp.step, chunkRoot: cp.chunkRoot, stepHash: cp.stepHash });
    if (opts.onCheckpoint) opts.onCheckpoint(cp); else checkpoints.push(cp);
  };
  takeCp(s);
  for (let t = 0; t < T; t++) {
    const r = trainStep(tr, s);
    s = r.state;
    const h = stepHash(jobId, s);
    stepHashes.push(h);
    losses.push(r.loss);
    opts.onStep?.(t, r.loss, h, s);
    if (s.step % k === 0 || s.step === T) takeCp(s);
  }
  return { stepHashes, losses, traceRoot: traceRoot(stepHashes), checkpoints, checkpointsRoot: checkpointsRoot(cpMeta), finalState: s };
}

/**
 * Same result as runTrace, with h_t computed on a worker thread while the next step runs
 * (on a machine with a spare core, hashing then adds almost nothing to the step time).
 * `onStep` gets each step's loss and state; the state is valid only during the callback (its
 * buffers are later moved to the hash worker). Hashes arrive in `stepHashes`.
 */
export async function runTraceAsync(tr: Trainer, jobId: Uint8Array, opts: Omit<TraceOptions, 'onStep'> & { onStep?(t: number, loss: number, state: TrainState): void } = {}): Promise<TraceResult> {
  const T = tr.spec.steps;
  const k = tr.spec.checkpointInterval;
  const hasher = new StepHashWorker();
  try {
    let s = initialState(tr);
    const hashes: Promise<Uint8Array>[] = [];
    const losses: number[] = [];
    const checkpoints: Checkpoint[] = [];
    const cpMeta: { step: number; chunkRoot: Uint8Array; stepHash: Uint8Array }[] = [];
    // Checkpoints are encoded when reached and emitted, in order, once their hash is known.
    const encoded = new Map<number, { bytes: Uint8Array; chunkRoot: Uint8Array; chunkCount: number }>();
    let emitted: Promise<void> = Promise.resolve();
    const takeCp = (st: TrainState) => {
      const bytes = encodeState(st);
      const chunks = chunkBytes(bytes, opts.chunkSize);
      encoded.set(st.step, { bytes, chunkRoot: merkleRoot(chunks), chunkCount: chunks.length });
    };
    const submit = (st: TrainState, transfer: boolean) => {
      const step = st.step;
      const h = hasher.submit(jobId, st, transfer);
      hashes.push(h);
      const e = encoded.get(step);
      if (e) {
        encoded.delete(step);
        emitted = emitted.then(async () => {
          const cp: Checkpoint = { step, stepHash: await h, ...e };
          cpMeta.push(cp);
          if (opts.onCheckpoint) opts.onCheckpoint(cp); else checkpoints.push(cp);
        });
      }
    };
    takeCp(s);
    submit(s, false);
    for (let t = 0; t < T; t++) {
      const r = trainStep(tr, s);
      const prev = s;
      s = r.state;
      // state_t is no longer needed (its checkpoint, if any, is encoded): move it to the worker.
      if (t > 0) submit(prev, true);
      losses.push(r.loss);
      opts.onStep?.(t, r.loss, s);
      if (s.step % k === 0 || s.step === T) takeCp(s);
      // bounded: at most ~16 states in flight; yielding only every 8 steps keeps event-loop turns rare
      if (hashes.length % 8 === 0) await hashes[hashes.length - 8];
    }
    if (T > 0) submit(s, false);
    const stepHashes = await Promise.all(hashes);
    await emitted;
    return { stepHashes, losses, traceRoot: traceRoot(stepHashes), checkpoints, checkpointsRoot: checkpointsRoot(cpMeta), finalState: s };
  } finally {
    await hasher.close();
  }
}

/**
 * Re-executes steps fromStep -> toStep starting from `fromState` (whose step must be fromStep)
 * and returns [h_fromStep, ..., h_toStep] (toStep - fromStep + 1 hashes). A verifier compares
 * them with the committed leaves.
 */
export function replaySegment(spec: ModelSpec, dataset: Dataset, jobId: Uint8Array, seed: Uint8Array,
  fromState: TrainState, fromStep: number, toStep: number, onStep?: (t: number, loss: number) => void): Uint8Array[] {
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
    onStep?.(t, r.loss);
  }
  return out;
}
