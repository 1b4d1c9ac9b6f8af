// Training an accepted job into its artifacts on disk (step hashes and checkpoints), with progress
// events, a child job starting from its parent's final weights, and a stop at the commit deadline.
import { createTrainer, MlError, type Dataset, type ModelSpec } from '../../ml-runtime/index.ts';
import { SolverArtifacts, initialStateFromParent } from '../jobs/index.ts';
import type { ChunkSources } from './chunk-sources.ts';
import type { SolverContext } from './context.ts';
import { describeCheat } from './cheat.ts';
import { SolverError } from './errors.ts';
import type { JobView } from './job-view.ts';
import type { JobRun } from './job-runner.ts';
import { trainJob } from './train-job.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';
import { logHex } from '../util/index.ts';

/** Trains the job (or reuses a finished record of this very run) and returns its artifacts. */
export async function trainedArtifacts(
  c: SolverContext, sources: ChunkSources, run: JobRun, v: JobView, spec: ModelSpec, dataset: Dataset,
): Promise<SolverArtifacts> {
  const seed = v.seed;
  if (!seed) throw new SolverError('SOLVER_BAD_JOB', 'job is training but has no seed');
  const existing = await sources.lookupArtifacts(v.id);
  if (existing && equalBytes(existing.seed, seed) && existing.specJson === v.terms.specText && !c.o.cheat) {
    run.log.info('reusing the finished trace on disk');
    return existing;
  }
  sources.forgetArtifacts(run.id);
  let initialParams: Float32Array[] | undefined;
  if (v.terms.parent) {
    // normally cached by the check before accepting; after a restart, from disk or fetched again
    const bytes = await sources.parentState(v.terms.parent, run.id, run.abort.signal);
    initialParams = initialStateFromParent(createTrainer(spec, dataset, seed), bytes).params;
  }
  const writer = SolverArtifacts.create(c.o.dataDir, { jobId: v.id, specJson: v.terms.specText!, datasetRoot: v.terms.datasetRoot, seed, overwrite: true });
  const T = spec.steps;
  const deadline = v.deadline;
  c.emit({ type: 'training', jobId: run.id, steps: T, checkpointInterval: spec.checkpointInterval, dataset: c.registry.nameOf(v.terms.datasetRoot) ?? dataset.name, cheat: describeCheat(c.o.cheat) });
  run.log.info({ steps: T, k: spec.checkpointInterval, deadline: String(deadline), cheat: describeCheat(c.o.cheat) }, 'training');
  const t0 = performance.now();
  let lastEmit = -Infinity;
  let result;
  try {
    result = await trainJob({
      spec, dataset, jobId: v.id, seed, sink: writer, cheat: c.o.cheat, initialParams, signal: run.abort.signal,
      onStep: (t, loss) => {
        const now = performance.now();
        if (now - lastEmit < c.o.progressIntervalMs && t + 1 < T) return;
        lastEmit = now;
        const rate = (t + 1) / Math.max(1e-9, (now - t0) / 1000);
        c.emit({ type: 'progress', jobId: run.id, step: t + 1, steps: T, loss: Number.isFinite(loss) ? loss : null, stepsPerSecond: rate, etaSeconds: rate > 0 ? (T - t - 1) / rate : null });
        const h = c.waker.height;
        if (h !== null && h >= deadline && !run.abort.signal.aborted) {
          run.abort.abort(new SolverError('SOLVER_DEADLINE', `the commit deadline ${deadline} passed while training (height ${h}, step ${t + 1} of ${T})`));
        }
      },
    });
  } catch (e) {
    writer.abort();
    if (e instanceof MlError) throw new SolverError('SOLVER_ARTIFACTS', `training failed: ${e.message}`);
    throw e;
  }
  const art = await writer.finish();
  if (!equalBytes(art.commitment().traceRoot, result.traceRoot)) {
    throw new SolverError('SOLVER_ARTIFACTS', `artifacts on disk give trace root ${bytesToHex(art.commitment().traceRoot)}, training gave ${bytesToHex(result.traceRoot)}`);
  }
  sources.rememberArtifacts(run.id, art);
  if (result.divergedAt !== null) {
    run.log.warn({ step: result.divergedAt, steps: T, reason: result.divergence, traceRoot: logHex(result.traceRoot) }, 'the run became non-finite: its prefix is recorded as a diverged run');
    c.emit({ type: 'diverged', jobId: run.id, step: result.divergedAt, steps: T, reason: result.divergence ?? '' });
    return art;
  }
  run.log.info({ wallSeconds: result.wallSeconds, stepsPerSecond: T / Math.max(1e-9, result.wallSeconds), traceRoot: logHex(result.traceRoot), lastLoss: result.lastLoss }, 'trained');
  c.emit({ type: 'trained', jobId: run.id, steps: T, wallSeconds: result.wallSeconds, traceRoot: bytesToHex(result.traceRoot), lastLoss: result.lastLoss });
  return art;
}
