// Whether a model spec can train on a dataset at all: its input size, output size and loss must match
// the dataset's features, classes or targets, and task. Checked by the trainer, and by `job submit`
// before a bounty is escrowed for a job no solver could run.
import { MlError } from './errors.ts';
import { specShapes, isTransformerSpec, type ModelSpec, type TransformerSpec } from './spec/index.ts';
import type { Dataset } from './dataset.ts';

/** Throws MlError SPEC_DATASET_MISMATCH naming what does not fit. */
export function checkSpecFitsDataset(spec: ModelSpec, dataset: Pick<Dataset, 'name' | 'featureSize' | 'outputSize' | 'task'>): void {
  if (isTransformerSpec(spec)) return checkTransformerFits(spec, dataset);
  if (dataset.task === 'next-token') {
    throw new MlError('SPEC_DATASET_MISMATCH', `dataset ${dataset.name} is a next-token (language-model) set; train it with a transformer spec (model.type "transformer")`);
  }
  const inSize = spec.inputShape.reduce((a, b) => a * b, 1);
  if (inSize !== dataset.featureSize) {
    throw new MlError('SPEC_DATASET_MISMATCH', `spec inputShape [${spec.inputShape.join(', ')}] has ${inSize} elements, dataset ${dataset.name} has ${dataset.featureSize} features per sample`);
  }
  const out = specShapes(spec).outputShape;
  if (out.length !== 1 || out[0] !== dataset.outputSize) {
    throw new MlError('SPEC_DATASET_MISMATCH', `model output shape [${out.join(', ')}] does not match dataset ${dataset.name} (${dataset.outputSize} ${dataset.task === 'classification' ? 'classes' : 'targets'})`);
  }
  if (dataset.task === 'classification' && spec.loss !== 'categorical_crossentropy') {
    throw new MlError('SPEC_DATASET_MISMATCH', `dataset ${dataset.name} is a classification set; use loss categorical_crossentropy, not ${spec.loss}`);
  }
  if (dataset.task === 'regression' && spec.loss !== 'mse') {
    throw new MlError('SPEC_DATASET_MISMATCH', `dataset ${dataset.name} is a regression set; use loss mse, not ${spec.loss}`);
  }
}

/** A transformer reads windows of `context` token ids below `vocab` and predicts the next id at every position. */
function checkTransformerFits(spec: TransformerSpec, dataset: Pick<Dataset, 'name' | 'featureSize' | 'outputSize' | 'task'>): void {
  const m = spec.model;
  if (dataset.task !== 'next-token') {
    throw new MlError('SPEC_DATASET_MISMATCH', `a transformer trains on a next-token dataset; ${dataset.name} is a ${dataset.task} set`);
  }
  if (dataset.featureSize !== m.context) {
    throw new MlError('SPEC_DATASET_MISMATCH', `model.context ${m.context} does not match dataset ${dataset.name}'s windows of ${dataset.featureSize} tokens`);
  }
  if (dataset.outputSize > m.vocab) {
    throw new MlError('SPEC_DATASET_MISMATCH', `model.vocab ${m.vocab} is smaller than dataset ${dataset.name}'s vocabulary of ${dataset.outputSize} tokens`);
  }
}
