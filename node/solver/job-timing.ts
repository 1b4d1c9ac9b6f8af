// Whether this solver can train a job within its commit window (issue 11 item 4: a solver declines
// terms it cannot meet in time and says why). It times a few steps of the job's own spec on its own
// dataset, on this machine, and compares T steps with the commit window at the chain's observed block
// interval. Openings need no re-derivation here: the runner keeps every checkpoint's proof and state
// on disk (job-training.ts), so the open window only has to carry one transaction.
import { createTrainer, initialState, trainStep, type Dataset, type ModelSpec, type TrainState } from '../../ml-runtime/index.ts';

/** Timed steps (after one warm-up step), and the margin the estimate keeps for hashing, checkpoints and a busy machine. */
const PROBE_STEPS = 3;
const SAFETY_NUM = 3;
const SAFETY_DEN = 2;
/** Blocks of the commit window kept for the TraceCommit to land after training. */
const LANDING_BLOCKS = 2;

const measured = new Map<string, number>();

/** Milliseconds of one training step of `spec` on `dataset` here (cached per spec text and dataset). */
export function stepMs(spec: ModelSpec, specText: string, dataset: Dataset): number {
  const key = `${dataset.name}\n${specText}`;
  const have = measured.get(key);
  if (have !== undefined) return have;
  const tr = createTrainer(spec, dataset, new Uint8Array(32));
  // a run that turns non-finite (a job may diverge, and is then proven with JobDiverge) still took its step's time
  const step = (s: TrainState): TrainState => {
    try {
      return trainStep(tr, s).state;
    } catch {
      return initialState(tr);
    }
  };
  let s = step(initialState(tr));
  const t0 = performance.now();
  for (let i = 0; i < PROBE_STEPS; i++) s = step(s);
  const ms = Math.max((performance.now() - t0) / PROBE_STEPS, 0.001);
  measured.set(key, ms);
  return ms;
}

/** Why T steps at `ms` each do not fit `commitBlocks` blocks of `intervalMs`, or null when they do. */
export function commitTimeProblem(T: number, ms: number, commitBlocks: number, intervalMs: number): string | null {
  const needMs = (T * ms * SAFETY_NUM) / SAFETY_DEN;
  const haveMs = Math.max(0, commitBlocks - LANDING_BLOCKS) * intervalMs;
  if (needMs <= haveMs) return null;
  const fmt = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(0)} s` : `${x.toFixed(0)} ms`);
  return `cannot train in time: T = ${T} steps at ${ms.toFixed(2)} ms each (measured here) need about ${fmt(needMs)} with a 1.5x margin, `
    + `but the commit window of ${commitBlocks} blocks at ${intervalMs.toFixed(0)} ms per block leaves ${fmt(haveMs)} (${LANDING_BLOCKS} blocks kept to land the commit)`;
}
