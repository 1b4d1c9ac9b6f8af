// The solver's training of a job: ml-runtime's runTrace (hashing on a worker thread while the next
// step runs) streaming step hashes and checkpoints into a sink (the job's on-disk artifacts), so that
// memory stays bounded by a few states. The honest path is exactly runTraceSync's trace. Test-only
// cheats (cheat-hooks.ts) are hooks that change what is trained but not how it is committed.
import { createTrainer, runTrace, CHUNK_SIZE, MlError, type Dataset, type ModelSpec, type TraceHook, type TraceSink } from '../../ml-runtime/index.ts';
import { cheatHooks, skipStepsOf } from './cheat-hooks.ts';
import type { CheatMode } from './cheat.ts';
import { SolverError } from './errors.ts';

export type { TraceSink } from '../../ml-runtime/index.ts';
export { withLearningRate, skipStepsOf } from './cheat-hooks.ts';

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
  const progress: TraceHook = {
    onStep: (t, loss) => {
      if (loss !== null) lastLoss = loss;
      o.onStep?.(t, lastLoss ?? Number.NaN);
    },
  };
  const hooks = [...(o.initialParams ? [parentStart(o.initialParams)] : []), ...cheatHooks(o.spec, o.dataset, o.seed, o.cheat), progress];
  let r;
  try {
    r = await runTrace(tr, o.jobId, { sink: o.sink, hooks, chunkSize: o.chunkSize ?? CHUNK_SIZE, signal: o.signal });
  } catch (e) {
    if (o.signal?.aborted && e === o.signal.reason && !(e instanceof Error)) {
      throw new SolverError('SOLVER_STOPPED', `training aborted${e === undefined ? '' : `: ${String(e)}`}`);
    }
    throw e;
  }
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
  };
}
