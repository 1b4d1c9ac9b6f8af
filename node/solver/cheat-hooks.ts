// Test-only cheats as hooks over ml-runtime's one training loop (trace-hooks.ts): each changes what
// is trained (skipped updates, another learning rate, batch order, data or initialisation, faked
// states) while the loop still commits honestly to whatever comes out, as a cheating solver would.
// The solver's --test-cheat modes and test/helpers/job-sim's strategies are both built from these.
import {
  carryState, createTrainer, honestStep, initialState, makeDataset, segmentBounds, segmentCount,
  type Dataset, type ModelSpec, type StepOutcome, type TraceHook, type Trainer, type TrainState,
} from '../../ml-runtime/index.ts';
import { skipPeriod, type CheatMode } from './cheat.ts';

/** Carries the state over (as if the update had happened) at every step t with `skip(t)`. */
export function skipUpdates(skip: (t: number) => boolean): TraceHook {
  return { step: (t, s, next) => (skip(t) ? { state: carryState(s, t + 1), loss: null } : next(s)) };
}

/** Every step trained honestly, its reported (and so committed) loss multiplied by `factor` (only at steps `at` picks): the hashes stay right. */
export function lieAboutLoss(factor: number, at: (t: number) => boolean = () => true): TraceHook {
  return { step: (t, s, next) => { const o = next(s); return { ...o, loss: o.loss === null || !at(t) ? o.loss : Math.fround(o.loss * factor) }; } };
}

/** Trains `at` steps, then pads to T with the last state. */
export function stopEarly(at: number): TraceHook {
  return skipUpdates((t) => t >= at);
}

/** Every step by `other` (another learning rate, batch order or training set) instead of the job's trainer. */
export function trainWith(other: Trainer): TraceHook {
  const step = honestStep(other);
  return { step: (_t, s) => step(s) };
}

/** state_0 replaced by `s0` (another seed's initialisation, a parent's weights). */
export function startFrom(s0: (honest: TrainState) => TrainState): TraceHook {
  return { initial: s0 };
}

/** state_0 of the trainer with another seed. */
export function foreignInit(spec: ModelSpec, ds: Dataset, seed: Uint8Array): TraceHook {
  return startFrom(() => initialState(createTrainer(spec, ds, seed)));
}

/** States interpolated linearly between state_0 and `final` (the honest final state, obtained elsewhere). */
export function interpolateTo(final: TrainState, T: number): TraceHook {
  let s0: TrainState | null = null;
  const mix = (x: Float32Array, y: Float32Array, t: number) => {
    const o = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) o[i] = x[i]! + ((y[i]! - x[i]!) * t) / T;
    return o;
  };
  return {
    initial: (s) => (s0 = s),
    step: (t): StepOutcome => {
      const a = s0!;
      const n = t + 1;
      if (n === T) return { state: final, loss: null };
      return { state: { step: n, params: a.params.map((p, i) => mix(p, final.params[i]!, n)), slots: a.slots.map((p, i) => mix(p, final.slots[i]!, n)) }, loss: null };
    },
  };
}

/** The spec with its learning rate multiplied by `factor` (rounded to float32 as specs are). */
export function withLearningRate(spec: ModelSpec, factor: number): ModelSpec {
  return { ...spec, optimizer: { ...spec.optimizer, learningRate: Math.fround(spec.optimizer.learningRate * factor) } };
}

/** The same samples in reverse order. */
export function reversedDataset(ds: Dataset): Dataset {
  const n = ds.count;
  const fs = ds.featureSize;
  const ls = ds.task === 'classification' ? 1 : ds.outputSize;
  const raw = ds.featureKind === 'u8' ? new Uint8Array(ds.raw.length) : new Float32Array(ds.raw.length);
  const labels = ds.task === 'classification' ? new Uint32Array(ds.labels.length) : new Float32Array(ds.labels.length);
  for (let i = 0; i < n; i++) {
    raw.set(ds.raw.subarray((n - 1 - i) * fs, (n - i) * fs), i * fs);
    labels.set(ds.labels.subarray((n - 1 - i) * ls, (n - i) * ls), i * ls);
  }
  const { features: _f, ...rest } = ds;
  return makeDataset({ ...rest, name: `${ds.name}/reversed`, raw, labels });
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

/** The segment a fake-unsampled solver fakes: the one asked for, else the last-but-one (segment 0 when there is one). */
export function fakedSegment(spec: ModelSpec, segment: number | null): number {
  const n = segmentCount(spec.steps, spec.checkpointInterval);
  const j = segment ?? Math.max(0, n - 2);
  return Math.min(j, n - 1);
}

/**
 * The step t whose update a fake-unsampled solver skips: the middle of its segment, so that both
 * h_t (the last hash the parties agree on) and state_t (what the referee needs) lie inside it.
 */
export function fakedStepOf(spec: ModelSpec, segment: number | null): number {
  const k = spec.checkpointInterval;
  const j = fakedSegment(spec, segment);
  const from = j * k;
  const to = Math.min(from + k, spec.steps);
  return from + Math.floor((to - from - 1) / 2);
}

/** The hooks of the solver's --test-cheat mode (withhold trains honestly: it misbehaves later, on chain). */
export function cheatHooks(spec: ModelSpec, dataset: Dataset, seed: Uint8Array, cheat: CheatMode | undefined): TraceHook[] {
  if (cheat?.kind === 'skip-steps') {
    const skip = new Set(skipStepsOf(spec, cheat.fraction));
    return [skipUpdates((t) => skip.has(t))];
  }
  if (cheat?.kind === 'lie-loss') {
    if (cheat.segment === undefined) return [lieAboutLoss(cheat.factor)];
    const { from, to } = segmentBounds(spec.steps, spec.checkpointInterval, cheat.segment);
    return [lieAboutLoss(cheat.factor, (t) => t >= from && t < to)];
  }
  if (cheat?.kind === 'wrong-lr') return [trainWith(createTrainer(withLearningRate(spec, cheat.factor), dataset, seed))];
  if (cheat?.kind === 'fake-unsampled') {
    const t = fakedStepOf(spec, cheat.segment);
    return [skipUpdates((x) => x === t)];
  }
  return [];
}
