// Whether a model spec can train on a dataset at all: its input size, output size and loss must match
// the dataset's features, classes or targets, and task. Checked by the trainer, and by `job submit`
// before a bounty is escrowed for a job no solver could run.
import { MlError } from './errors.ts';
import { specShapes, type ModelSpec } from './spec/index.ts';
import type { Dataset } from './dataset.ts';

/** Throws MlError SPEC_DATASET_MISMATCH naming what does not fit. */
export function checkSpecFitsDataset(spec: ModelSpec, dataset: Pick<Dataset, 'name' | 'featureSize' | 'outputSize' | 'task'>): void {
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
