// The pure step function: (state_t, t) -> state_{t+1}, with batch indices and dropout masks
// taken from the PRF at step t, gradients from tfjs on the active backend, and the update from
// train/optimizer.ts. trainStep reads its batch from the trainer's dataset; trainStepOnBatch takes
// the batch as given (the dispute referee, which holds only the batch's samples) and is the one
// body both run.
import { tf } from '../tf.ts';
import { MlError } from '../commitment/errors.ts';
import { specShapes, specInputShape, specTargetSize, isTransformerSpec, type ModelSpec, type SpecShapes } from '../commitment/spec/index.ts';
import { batchIndices } from '../commitment/prf/index.ts';
import { checkSpecFitsDataset, gatherBatch, type Dataset } from '../commitment/index.ts';
import { initParams, forward, batchLoss } from './model.ts';
import { transformerLogits, nextTokenLoss } from './transformer.ts';
import { applyUpdate, decayMaskOf } from './optimizer.ts';
import { layoutOfSpec } from '../commitment/state-layout.ts';
import { assertFinite, decodeState, markFinite, type StateLayout, type TrainState } from '../commitment/state.ts';

/** What one step needs besides the state and its batch: spec, seed (init, dropout) and state layout. */
export interface StepContext {
  spec: ModelSpec;
  shapes: SpecShapes;
  seed: Uint8Array;
  layout: StateLayout;
}

/** Everything fixed for a job: spec, training set and seed. */
export interface Trainer extends StepContext {
  dataset: Dataset;
}

export { layoutOfSpec };

/** A job's step context without a dataset (the batch then comes from elsewhere: trainStepOnBatch). */
export function createStepContext(spec: ModelSpec, seed: Uint8Array): StepContext {
  const shapes = specShapes(spec);
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new MlError('PRF_INVALID', `job seed must be 32 bytes, got ${seed?.length}`);
  return { spec, shapes, seed, layout: layoutOfSpec(spec) };
}

export function createTrainer(spec: ModelSpec, dataset: Dataset, seed: Uint8Array): Trainer {
  checkSpecFitsDataset(spec, dataset);
  return { ...createStepContext(spec, seed), dataset };
}

/** state_0: PRF-initialised parameters, zero optimiser slots, step 0. */
export function initialState(tr: StepContext): TrainState {
  const params = initParams(tr.shapes, tr.seed);
  const slots = tr.layout.slotSizes.map((n) => new Float32Array(n));
  return { step: 0, params, slots };
}

/**
 * The derived initial state of a job with a parent (docs/jobs.md §4): the parent's final parameters,
 * zero optimiser slots, step 0. The parent may have used another optimiser, so its slot tensors are
 * only counted (they must be whole copies of the parameter sizes) and then dropped. Throws
 * STATE_DECODE when the parent's state does not fit this spec's parameters.
 */
export function initialStateFromParent(tr: Pick<StepContext, 'layout'>, parentBytes: Uint8Array): TrainState {
  if (parentBytes.length < 16) throw new MlError('STATE_DECODE', `parent state of ${parentBytes.length} bytes is shorter than a state header`);
  const count = new DataView(parentBytes.buffer, parentBytes.byteOffset, parentBytes.byteLength).getUint32(12, false);
  const P = tr.layout.paramSizes.length;
  if (count < P || (count - P) % P !== 0) {
    throw new MlError('STATE_DECODE', `parent state has ${count} tensors; the spec has ${P} parameter tensors, so that is not parameters plus whole optimiser slots`);
  }
  const slotSizes: number[] = [];
  for (let i = 0; i < (count - P) / P; i++) slotSizes.push(...tr.layout.paramSizes);
  const parent = decodeState(parentBytes, { paramSizes: tr.layout.paramSizes, slotSizes });
  return { step: 0, params: parent.params, slots: tr.layout.slotSizes.map((n) => new Float32Array(n)) };
}

/** Checks that a state has the spec's tensor sizes. */
export function checkState(tr: StepContext, s: TrainState): void {
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
  const idx = batchIndices(tr.seed, s.step, tr.spec.batchSize, tr.dataset.count);
  const { x, y } = gatherBatch(tr.dataset, idx);
  return trainStepOnBatch(tr, s, x, y);
}

/**
 * The step state_t -> state_{t+1} on a given batch: `x` holds batchSize inputs of the spec's input
 * size, `y` batchSize one-hot class rows or target rows of the spec's output size (as gatherBatch
 * builds them from the samples of batchIndices(seed, t, batchSize, n)). Dropout masks come from
 * (seed, t) alone. Throws NonFiniteStateError when state_{t+1} holds NaN/Inf.
 */
export function trainStepOnBatch(tr: StepContext, s: TrainState, x: Float32Array, y: Float32Array): StepResult {
  checkState(tr, s);
  const t = s.step;
  const { spec, shapes } = tr;
  const inSize = specInputShape(spec).reduce((a, b) => a * b, 1);
  const outSize = specTargetSize(spec, shapes);
  if (x.length !== spec.batchSize * inSize || y.length !== spec.batchSize * outSize) {
    throw new MlError('DATASET_INVALID', `batch of ${x.length} inputs and ${y.length} targets, the spec needs ${spec.batchSize} x ${inSize} and ${spec.batchSize} x ${outSize}`);
  }
  let loss = 0;
  const grads: Float32Array[] = [];
  tf.tidy(() => {
    const ps = s.params.map((p, i) => tf.tensor(p, shapes.params[i]!.shape));
    const f = (...w: ReturnType<typeof tf.tensor>[]) => batchLoss(spec, shapes, w, x, y, { seed: tr.seed, step: t }) as ReturnType<typeof tf.scalar>;
    const { value, grads: g } = tf.valueAndGrads(f)(ps);
    loss = value.dataSync()[0]!;
    for (const gi of g) grads.push(new Float32Array(gi.dataSync() as Float32Array));
  });
  const u = applyUpdate(spec.optimizer, t, s.params, s.slots, grads, decayMaskOf(shapes));
  const next: TrainState = { step: t + 1, params: u.params, slots: u.slots };
  // (o + m + v) * 0 is 0 when all three are finite float32 values (their double sum cannot
  // overflow), NaN otherwise; z === 0 exactly when every stored value is finite. If not,
  // locate the first bad value for the error.
  if (u.finite) markFinite(next);
  else assertFinite(next);
  return { state: next, loss };
}

/** Predictions [count, outputSize] for `ds` in batches (no dropout). */
export function predict(tr: StepContext, s: TrainState, ds: Dataset, batch = 500): Float32Array {
  checkState(tr, s);
  const { spec, shapes } = tr;
  if (isTransformerSpec(spec)) throw new MlError('SPEC_INVALID', 'predict takes a layered spec; a transformer is evaluated with nextTokenEval');
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

/** Mean next-token cross-entropy of state `s` over every position of every window of `ds` (no dropout), in batches. */
export function nextTokenEval(tr: StepContext, s: TrainState, ds: Dataset, batch = 256): { count: number; tokens: number; loss: number } {
  const spec = tr.spec;
  if (!isTransformerSpec(spec)) throw new MlError('SPEC_INVALID', 'next-token loss needs a transformer spec');
  checkState(tr, s);
  if (ds.task !== 'next-token' || ds.featureSize !== spec.model.context) {
    throw new MlError('SPEC_DATASET_MISMATCH', `${ds.name} is not a next-token set of ${spec.model.context}-token windows`);
  }
  const T = spec.model.context;
  let sum = 0;
  for (let start = 0; start < ds.count; start += batch) {
    const n = Math.min(batch, ds.count - start);
    tf.tidy(() => {
      const ps = s.params.map((p, i) => tf.tensor(p, tr.shapes.params[i]!.shape));
      const ids = Int32Array.from(ds.features.subarray(start * T, (start + n) * T));
      const y = Float32Array.from(ds.labels.subarray(start * T, (start + n) * T));
      sum += nextTokenLoss(transformerLogits(spec, ps, ids, null), y).dataSync()[0]! * n;
    });
  }
  return { count: ds.count, tokens: ds.count * T, loss: sum / ds.count };
}

/** Accuracy (classification), mean squared error (regression) or mean next-token loss (transformer) of state `s` on `ds`. */
export function evaluate(tr: StepContext, s: TrainState, ds: Dataset): { count: number; accuracy?: number; correct?: number; mse?: number; loss?: number } {
  if (isTransformerSpec(tr.spec)) { const r = nextTokenEval(tr, s, ds); return { count: r.count, loss: r.loss }; }
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
