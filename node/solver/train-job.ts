// The solver's training loop: runs a job's T steps on the active backend (det for consensus),
// hashing each state on a worker thread while the next step runs, and streams step hashes and
// checkpoints into a sink (the job's on-disk artifacts) so that memory stays bounded by a few
// states. The honest path produces exactly ml-runtime's runTrace (same steps, same hashes, same
// checkpoints). Test-only cheats (cheat.ts) change what is trained but not how it is committed,
// so hashes and checkpoints are computed over the faked states, as a cheating solver would.
import { segmentCount, createTrainer, initialState, trainStep, encodeState, chunkBytes, traceRoot as traceRootOf, checkpointsRoot as checkpointsRootOf, StepHashWorker, CHUNK_SIZE, MlError, type Checkpoint, type Dataset, type ModelSpec, type TrainState } from '../../ml-runtime/index.ts';
import { skipPeriod, type CheatMode } from './cheat.ts';
import { SolverError } from './errors.ts';
import { merkleRoot } from '../../primitives/index.ts';

/** Where the loop writes: node/jobs ArtifactWriter (SolverArtifacts.create) has this shape; tests use memory sinks. */
export interface TraceSink {
  /** h_t, called for t = 0, 1, ..., T in order. */
  addStepHash(t: number, h: Uint8Array): void | Promise<void>;
  /** Each checkpoint (steps 0, k, 2k, ..., T) in order, after the step hash of its step. */
  addCheckpoint(cp: Checkpoint): void | Promise<void>;
}

export interface TrainJobOptions {
  spec: ModelSpec;
  /** the training split whose root is the job's datasetRoot */
  dataset: Dataset;
  jobId: Uint8Array;
  seed: Uint8Array;
  sink: TraceSink;
  cheat?: CheatMode;
  /** A parent job's final parameters (docs/jobs.md §4: the initial state is those with zero optimiser slots). */
  initialParams?: Float32Array[];
  chunkSize?: number;
  /** After each step t -> t+1 (t = 0..T-1) with the batch loss before the update. */
  onStep?(step: number, loss: number): void;
  signal?: AbortSignal;
}

export interface TrainJobResult {
  steps: number;
  traceRoot: Uint8Array;
  checkpointsRoot: Uint8Array;
  finalStepHash: Uint8Array;
  finalChunkRoot: Uint8Array;
  checkpointCount: number;
  lastLoss: number | null;
  /** steps t whose update was skipped (skip-steps cheat), ascending */
  skippedSteps: number[];
  wallSeconds: number;
}

/** The spec with its learning rate multiplied by `factor` (rounded to float32 as specs are). */
export function withLearningRate(spec: ModelSpec, factor: number): ModelSpec {
  return { ...spec, optimizer: { ...spec.optimizer, learningRate: Math.fround(spec.optimizer.learningRate * factor) } };
}

/** The steps whose update a skip-steps solver skips: the first step of each faked segment. */
export function skipStepsOf(spec: ModelSpec, fraction: number): number[] {
  const k = spec.checkpointInterval;
  const n = segmentCount(spec.steps, k);
  const p = skipPeriod(fraction);
  const out: number[] = [];
  for (let j = 0; j < n; j += p) out.push(j * k);
  return out;
}

function copyState(s: TrainState, step: number): TrainState {
  return { step, params: s.params.map((a) => a.slice()), slots: s.slots.map((a) => a.slice()) };
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const r = signal.reason;
    throw r instanceof Error ? r : new SolverError('SOLVER_STOPPED', `training aborted${r === undefined ? '' : `: ${String(r)}`}`);
  }
}

/** Runs the job and streams its trace into `sink`. */
export async function trainJob(o: TrainJobOptions): Promise<TrainJobResult> {
  const t0 = performance.now();
  const T = o.spec.steps;
  const k = o.spec.checkpointInterval;
  const cheat = o.cheat;
  const trainSpec = cheat?.kind === 'wrong-lr' ? withLearningRate(o.spec, cheat.factor) : o.spec;
  const tr = createTrainer(trainSpec, o.dataset, o.seed);
  const skip = new Set(cheat?.kind === 'skip-steps' ? skipStepsOf(o.spec, cheat.fraction) : []);
  const chunkSize = o.chunkSize ?? CHUNK_SIZE;

  let s: TrainState = initialState(tr);
  if (o.initialParams) {
    if (o.initialParams.length !== s.params.length || o.initialParams.some((p, i) => p.length !== s.params[i]!.length)) {
      throw new MlError('STATE_MISMATCH', 'parent parameters do not have the shapes of this spec');
    }
    s = { step: 0, params: o.initialParams.map((p) => p.slice()), slots: s.slots };
  }

  const stepHashes: Uint8Array[] = new Array<Uint8Array>(T + 1);
  const cpMeta: { step: number; chunkRoot: Uint8Array; stepHash: Uint8Array }[] = [];
  let finalChunkRoot: Uint8Array | null = null;
  const hasher = new StepHashWorker();
  // Emission is a promise chain (in step order); `inflight` holds each step's emission so that the
  // loop can wait for step t-8 before running further, bounding the states and encodings in flight.
  let emitted: Promise<void> = Promise.resolve();
  const inflight: Promise<void>[] = [];
  let failure: unknown = null;
  const submit = (st: TrainState, transfer: boolean) => {
    const step = st.step;
    let cp: Omit<Checkpoint, 'stepHash'> | null = null;
    if (step % k === 0 || step === T) {
      const bytes = encodeState(st);
      const chunks = chunkBytes(bytes, chunkSize);
      cp = { step, bytes, chunkRoot: merkleRoot(chunks), chunkCount: chunks.length };
    }
    const h = hasher.submit(o.jobId, st, transfer);
    h.catch(() => undefined); // surfaced through the emission chain
    emitted = emitted.then(async () => {
      const hv = await h;
      stepHashes[step] = hv;
      await o.sink.addStepHash(step, hv);
      if (cp) {
        const full: Checkpoint = { ...cp, stepHash: hv };
        cpMeta.push({ step, chunkRoot: full.chunkRoot, stepHash: hv });
        if (step === T) finalChunkRoot = full.chunkRoot;
        await o.sink.addCheckpoint(full);
      }
    });
    const mine = emitted.catch((e: unknown) => { failure ??= e; });
    inflight.push(mine);
    if (inflight.length > 16) inflight.shift();
  };

  let lastLoss: number | null = null;
  try {
    aborted(o.signal);
    // state_0 is submitted without transfer: a parent's slots may alias `initialState` arrays.
    submit(s, false);
    for (let t = 0; t < T; t++) {
      let next: TrainState;
      if (skip.has(t)) {
        // the cheat: carry the state over as if the update had happened
        next = copyState(s, t + 1);
      } else {
        const r = trainStep(tr, s);
        next = r.state;
        lastLoss = r.loss;
      }
      const prev = s;
      s = next;
      // state_t is no longer needed (its checkpoint, if any, is encoded): move it to the worker.
      if (t > 0) submit(prev, true);
      o.onStep?.(t, lastLoss ?? Number.NaN);
      if ((t & 7) === 7) {
        const back = inflight[inflight.length - 8];
        if (back) await back;
        if (failure) throw failure;
        aborted(o.signal);
      }
    }
    if (T > 0) submit(s, false);
    await emitted;
  } catch (e) {
    await emitted.catch(() => undefined);
    throw e;
  } finally {
    await hasher.close();
  }
  if (failure) throw failure;
  return {
    steps: T,
    traceRoot: traceRootOf(stepHashes),
    checkpointsRoot: checkpointsRootOf(cpMeta),
    finalStepHash: stepHashes[T]!,
    finalChunkRoot: finalChunkRoot!,
    checkpointCount: cpMeta.length,
    lastLoss,
    skippedSteps: [...skip].sort((a, b) => a - b),
    wallSeconds: (performance.now() - t0) / 1000,
  };
}
