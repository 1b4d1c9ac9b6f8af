// The solver's training of a job: ml-runtime's runTrace (hashing on a worker thread while the next
// step runs) streaming step hashes and checkpoints into a sink (the job's on-disk artifacts), so that
// memory stays bounded by a few states. The honest path is exactly runTraceSync's trace. Test-only
// cheats (cheat-hooks.ts) are hooks that change what is trained but not how it is committed.
//
// A run whose state_{t+1} is non-finite is not a failure of the solver (docs/disputes.md §6): the
// record is cut to the prefix h_0..h_t of a t-step run (checkpoints at min(i·k, t), the last one
// state_t), which JobDiverge commits and the referee then checks.
import {
  carryState, checkpointsRoot, createTrainer, makeCheckpoint, runTrace, traceRoot, CHUNK_SIZE, MlError, NonFiniteStateError,
  type Checkpoint, type Dataset, type ModelSpec, type TraceHook, type TraceSink, type TrainState,
} from '../../ml-runtime/index.ts';
import { cheatHooks, skipStepsOf } from './cheat-hooks.ts';
import type { CheatMode } from './cheat.ts';
import { SolverError } from './errors.ts';

export type { TraceSink } from '../../ml-runtime/index.ts';
export { withLearningRate, skipStepsOf } from './cheat-hooks.ts';

/** A sink that can become the prefix of a diverged run (node/jobs ArtifactWriter.cutAt). */
export interface CuttableSink extends TraceSink {
  cutAt?(t: number): void;
  /** the loss of every step, committed under the record's loss root (docs/jobs.md §1.1) */
  setLosses?(losses: readonly number[]): void;
}

export interface TrainJobOptions {
  spec: ModelSpec;
  /** the training split whose root is the job's datasetRoot */
  dataset: Dataset;
  jobId: Uint8Array;
  seed: Uint8Array;
  sink: CuttableSink;
  cheat?: CheatMode;
  /** A parent job's final parameters (docs/jobs.md §4: the initial state is those with zero optimiser slots). */
  initialParams?: Float32Array[];
  chunkSize?: number;
  /** After each step t -> t+1 (t = 0..T-1) with the batch loss before the update (the last real one for a skipped step). */
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
  /** t when state_{t+1} came out non-finite: the sink then holds the t-step prefix and the roots above are its */
  divergedAt: number | null;
  /** why the run diverged (the first non-finite value), when it did */
  divergence: string | null;
}

/** state_0 = the parent's parameters with zero optimiser slots. */
function parentStart(params: Float32Array[]): TraceHook {
  return {
    initial: (s) => {
      if (params.length !== s.params.length || params.some((p, i) => p.length !== s.params[i]!.length)) {
        throw new MlError('STATE_MISMATCH', 'parent parameters do not have the shapes of this spec');
      }
      return { step: 0, params: params.map((p) => p.slice()), slots: s.slots };
    },
  };
}

/** Runs the job and streams its trace into `sink`. */
export async function trainJob(o: TrainJobOptions): Promise<TrainJobResult> {
  const t0 = performance.now();
  const tr = createTrainer(o.spec, o.dataset, o.seed);
  let lastLoss: number | null = null;
  // what the record commits as loss_t: the step's reported loss, NaN where a hook trained nothing
  const losses: number[] = [];
  const progress: TraceHook = {
    onStep: (t, loss) => {
      losses[t] = loss ?? Number.NaN;
      if (loss !== null) lastLoss = loss;
      o.onStep?.(t, lastLoss ?? Number.NaN);
    },
  };
  // outermost, so it sees the state_t every other hook started from when a step comes out non-finite
  let diverged: { state: TrainState; error: NonFiniteStateError } | null = null;
  const catcher: TraceHook = {
    step: (_t, s, next) => {
      try {
        return next(s);
      } catch (e) {
        if (e instanceof NonFiniteStateError) diverged = { state: carryState(s, s.step), error: e };
        throw e;
      }
    },
  };
  // what reaches the sink (hashes, checkpoint leaves), for the prefix's roots when the run diverges
  const seen: Seen = { hashes: [], cps: [] };
  const sink: TraceSink = {
    addStepHash: (t, h) => { seen.hashes[t] = h; return o.sink.addStepHash(t, h); },
    addCheckpoint: (cp) => { seen.cps.push({ step: cp.step, chunkRoot: cp.chunkRoot, stepHash: cp.stepHash }); return o.sink.addCheckpoint(cp); },
  };
  const hooks = [catcher, ...(o.initialParams ? [parentStart(o.initialParams)] : []), ...cheatHooks(o.spec, o.dataset, o.seed, o.cheat), progress];
  const chunkSize = o.chunkSize ?? CHUNK_SIZE;
  let r;
  try {
    r = await runTrace(tr, o.jobId, { sink, hooks, chunkSize, signal: o.signal });
  } catch (e) {
    if (o.signal?.aborted && e === o.signal.reason && !(e instanceof Error)) {
      throw new SolverError('SOLVER_STOPPED', `training aborted${e === undefined ? '' : `: ${String(e)}`}`);
    }
    const d = diverged as { state: TrainState; error: NonFiniteStateError } | null;
    if (d && e === d.error && o.sink.cutAt && d.state.step >= 1) return cutPrefix(o, d.state, d.error, seen, chunkSize, lastLoss, t0);
    throw e;
  }
  o.sink.setLosses?.(losses);
  return {
    steps: o.spec.steps,
    traceRoot: r.traceRoot,
    checkpointsRoot: r.checkpointsRoot,
    finalStepHash: r.stepHashes[o.spec.steps]!,
    finalChunkRoot: r.finalChunkRoot,
    checkpointCount: r.checkpointCount,
    lastLoss,
    skippedSteps: o.cheat?.kind === 'skip-steps' ? skipStepsOf(o.spec, o.cheat.fraction) : [],
    wallSeconds: (performance.now() - t0) / 1000,
    divergedAt: null,
    divergence: null,
  };
}

interface Seen {
  hashes: Uint8Array[];
  cps: Array<Pick<Checkpoint, 'step' | 'chunkRoot' | 'stepHash'>>;
}

/** Records state_t as the last step and checkpoint of a t-step run (h_0..h_{t-1} and the checkpoints before t are in the sink already). */
async function cutPrefix(
  o: TrainJobOptions, s: TrainState, error: NonFiniteStateError, seen: Seen, chunkSize: number, lastLoss: number | null, t0: number,
): Promise<TrainJobResult> {
  const t = s.step;
  o.sink.cutAt!(t);
  const cp = makeCheckpoint(o.jobId, s, chunkSize);
  await o.sink.addStepHash(t, cp.stepHash);
  await o.sink.addCheckpoint(cp);
  const cps = [...seen.cps, cp];
  return {
    steps: t, traceRoot: traceRoot([...seen.hashes.slice(0, t), cp.stepHash]), checkpointsRoot: checkpointsRoot(cps), finalStepHash: cp.stepHash,
    finalChunkRoot: cp.chunkRoot, checkpointCount: cps.length, lastLoss, skippedSteps: [], wallSeconds: (performance.now() - t0) / 1000,
    divergedAt: t, divergence: error.message,
  };
}
