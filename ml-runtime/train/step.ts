// The pure step function: (state_t, t) -> state_{t+1}, with batch indices and dropout masks
// taken from the PRF at step t, gradients from tfjs on the active backend, and the update from
// train/optimizer.ts.
import { tf } from '../tf.ts';
import { MlError } from '../commitment/errors.ts';
import { specShapes, type ModelSpec, type SpecShapes } from '../commitment/spec/index.ts';
import { batchIndices } from '../commitment/prf/index.ts';
import { checkSpecFitsDataset, gatherBatch, type Dataset } from '../commitment/index.ts';
import { initParams, forward, lossOf } from './model.ts';
import { applyUpdate, slotsPerParam } from './optimizer.ts';
import { assertFinite, markFinite, type StateLayout, type TrainState } from '../commitment/state.ts';

/** Everything fixed for a job: spec, training set and seed. */
export interface Trainer {
  spec: ModelSpec;
  shapes: SpecShapes;
  dataset: Dataset;
  seed: Uint8Array;
  layout: StateLayout;
}

export function createTrainer(spec: ModelSpec, dataset: Dataset, seed: Uint8Array): Trainer {
  const shapes = specShapes(spec);
  checkSpecFitsDataset(spec, dataset);
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new MlError('PRF_INVALID', `job seed must be 32 bytes, got ${seed?.length}`);
  const paramSizes = shapes.params.map((p) => p.size);
  const k = slotsPerParam(spec.optimizer);
  const slotSizes: number[] = [];
  for (let i = 0; i < k; i++) slotSizes.push(...paramSizes);
  return { spec, shapes, dataset, seed, layout: { paramSizes, slotSizes } };
}

/** state_0: PRF-initialised parameters, zero optimiser slots, step 0. */
export function initialState(tr: Trainer): TrainState {
  const params = initParams(tr.shapes, tr.seed);
  const slots = tr.layout.slotSizes.map((n) => new Float32Array(n));
  return { step: 0, params, slots };
}

/** Checks that a state has the spec's tensor sizes. */
export function checkState(tr: Trainer, s: TrainState): void {
  const sizes = [...tr.layout.paramSizes, ...tr.layout.slotSizes];
  const got = [...s.params, ...s.slots];
  if (!Number.isSafeInteger(s.step) || s.step < 0) throw new MlError('STATE_MISMATCH', `state step ${s.step} is not a non-negative integer`);
  if (s.params.length !== tr.layout.paramSizes.length || s.slots.length !== tr.layout.slotSizes.length) {
    throw new MlError('STATE_MISMATCH', `state has ${s.params.length} parameter and ${s.slots.length} slot tensors, the spec needs ${tr.layout.paramSizes.length} and ${tr.layout.slotSizes.length}`);
  }
  got.forEach((t, i) => {
    if (t.length !== sizes[i]) throw new MlError('STATE_MISMATCH', `state tensor ${i} has ${t.length} elements, the spec needs ${sizes[i]}`);
  });
}

export interface StepResult {
  state: TrainState;
  /** The batch loss before the update (float32). */
  loss: number;
}

/** The pure step function: state_t -> state_{t+1}. Throws NonFiniteStateError when state_{t+1} holds NaN/Inf. */
export function trainStep(tr: Trainer, s: TrainState): StepResult {
  checkState(tr, s);
  const t = s.step;
  const { spec, shapes } = tr;
  const idx = batchIndices(tr.seed, t, spec.batchSize, tr.dataset.count);
  const { x, y } = gatherBatch(tr.dataset, idx);
  let loss = 0;
  const grads: Float32Array[] = [];
  tf.tidy(() => {
    const xt = tf.tensor(x, [spec.batchSize, ...spec.inputShape]);
    const yt = tf.tensor(y, [spec.batchSize, tr.dataset.outputSize]);
    const ps = s.params.map((p, i) => tf.tensor(p, shapes.params[i]!.shape));
    const f = (...w: ReturnType<typeof tf.tensor>[]) => lossOf(spec, forward(spec, shapes, w, xt, { seed: tr.seed, step: t }), yt) as ReturnType<typeof tf.scalar>;
    const { value, grads: g } = tf.valueAndGrads(f)(ps);
    loss = value.dataSync()[0]!;
    for (const gi of g) grads.push(new Float32Array(gi.dataSync() as Float32Array));
  });
  const u = applyUpdate(spec.optimizer, t, s.params, s.slots, grads);
  const next: TrainState = { step: t + 1, params: u.params, slots: u.slots };
  // (o + m + v) * 0 is 0 when all three are finite float32 values (their double sum cannot
  // overflow), NaN otherwise; z === 0 exactly when every stored value is finite. If not,
  // locate the first bad value for the error.
  if (u.finite) markFinite(next);
  else assertFinite(next);
  return { state: next, loss };
}

/** Predictions [count, outputSize] for `ds` in batches (no dropout). */
export function predict(tr: Trainer, s: TrainState, ds: Dataset, batch = 500): Float32Array {
  checkState(tr, s);
  const { spec, shapes } = tr;
  const out = new Float32Array(ds.count * ds.outputSize);
  for (let start = 0; start < ds.count; start += batch) {
    const n = Math.min(batch, ds.count - start);
    tf.tidy(() => {
      const xt = tf.tensor(ds.features.subarray(start * ds.featureSize, (start + n) * ds.featureSize), [n, ...spec.inputShape]);
      const ps = s.params.map((p, i) => tf.tensor(p, shapes.params[i]!.shape));
      out.set(forward(spec, shapes, ps, xt, null).dataSync() as Float32Array, start * ds.outputSize);
    });
  }
  return out;
}

/** Accuracy (classification) or mean squared error (regression) of state `s` on `ds`. */
export function evaluate(tr: Trainer, s: TrainState, ds: Dataset): { count: number; accuracy?: number; correct?: number; mse?: number } {
  const pred = predict(tr, s, ds);
  const k = ds.outputSize;
  if (ds.task === 'classification') {
    let correct = 0;
    for (let i = 0; i < ds.count; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (pred[i * k + j]! > pred[i * k + best]!) best = j;
      if (best === ds.labels[i]) correct++;
    }
    return { count: ds.count, correct, accuracy: correct / ds.count };
  }
  let se = 0;
  for (let i = 0; i < pred.length; i++) { const d = pred[i]! - ds.labels[i]!; se += d * d; }
  return { count: ds.count, mse: se / pred.length };
}
