// The simulated solver's strategies: honest, or one of the cheats. Every cheat that trains is a hook
// over ml-runtime's one training loop, built from the solver's own cheat hooks (node/solver), so a
// simulated cheater commits to its fake states exactly as the real loop would.
import {
  createTrainer, segmentBounds, segmentCount, trainStates, type Dataset, type ModelSpec, type TraceHook, type TrainState,
} from '../../../ml-runtime/index.ts';
import {
  foreignInit, interpolateTo, reversedDataset, skipUpdates, stopEarly, trainWith, withLearningRate,
} from '../../../node/solver/index.ts';

/**
 * How the solver produces its trace. Every strategy commits to what it computed (valid proofs over
 * its own fake trace); `segments` lists the segments it did not honestly compute where that is partial.
 */
export type Strategy =
  | { kind: 'honest' }
  /** within these segments every update is skipped (the state is carried over, step counter advanced) */
  | { kind: 'skip'; segments: number[] }
  /** states interpolated linearly between state_0 and the honest final state */
  | { kind: 'interpolate' }
  /** batch indices from another seed (initial weights from the right one) */
  | { kind: 'batch-order'; seed: Uint8Array }
  /** the training set in reverse order */
  | { kind: 'other-data' }
  /** the spec's learning rate times `factor` */
  | { kind: 'other-lr'; factor: number }
  /** random step hashes and garbage checkpoints: no training at all */
  | { kind: 'random-hashes' }
  /** an honest run on tfjs's own 'cpu' backend instead of det */
  | { kind: 'cpu-backend' }
  /** initial weights from another seed, then honest steps */
  | { kind: 'foreign-init'; seed: Uint8Array }
  /** trains `at` steps, then pads to T with the last state (step counter advanced) */
  | { kind: 'early-stop'; at: number }
  /** the states of another job's run (its seed), re-hashed under this job's id */
  | { kind: 'reuse'; seed: Uint8Array }
  /** 'reuse' with the seed of job `of` (known once that job is training) */
  | { kind: 'reuse-job'; of: Uint8Array };

/** The strategies that train: the hooks that make them, and the segments they fake. */
export type TrainingStrategy = Exclude<Strategy, { kind: 'honest' | 'random-hashes' | 'cpu-backend' | 'reuse-job' }>;

function allSegments(T: number, k: number): number[] {
  return Array.from({ length: segmentCount(T, k) }, (_, j) => j);
}

/** The honest final state (what an interpolating cheater obtained elsewhere). */
function honestFinal(spec: ModelSpec, ds: Dataset, seed: Uint8Array): TrainState {
  let s: TrainState | null = null;
  for (const o of trainStates(createTrainer(spec, ds, seed))) s = o.state;
  return s!;
}

export function strategyHooks(spec: ModelSpec, ds: Dataset, seed: Uint8Array, strategy: TrainingStrategy): { hooks: TraceHook[]; faked: number[] } {
  const T = spec.steps;
  const k = spec.checkpointInterval;
  const all = allSegments(T, k);
  switch (strategy.kind) {
    case 'skip': {
      const fake = new Set(strategy.segments);
      return { hooks: [skipUpdates((t) => fake.has(Math.floor(t / k)))], faked: [...fake].sort((a, b) => a - b) };
    }
    case 'early-stop':
      return { hooks: [stopEarly(strategy.at)], faked: all.filter((j) => segmentBounds(T, k, j).to > strategy.at) };
    case 'interpolate':
      return { hooks: [interpolateTo(honestFinal(spec, ds, seed), T)], faked: all };
    case 'batch-order':
      return { hooks: [trainWith(createTrainer(spec, ds, strategy.seed))], faked: all };
    case 'other-data':
      return { hooks: [trainWith(createTrainer(spec, reversedDataset(ds), seed))], faked: all };
    case 'other-lr':
      return { hooks: [trainWith(createTrainer(withLearningRate(spec, strategy.factor), ds, seed))], faked: all };
    case 'foreign-init':
      return { hooks: [foreignInit(spec, ds, strategy.seed)], faked: all };
    case 'reuse':
      return { hooks: [foreignInit(spec, ds, strategy.seed), trainWith(createTrainer(spec, ds, strategy.seed))], faked: all };
  }
}
