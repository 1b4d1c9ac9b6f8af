// The batch of one training step built from the canonical bytes of just its samples (the dispute
// referee holds no dataset): the same x and y that gatherBatch builds from a whole dataset.
import { MlError } from '../commitment/errors.ts';
import { decodeSample } from '../commitment/dataset.ts';
import { isTransformerSpec, type ModelSpec, type SpecShapes, type TransformerSpec } from '../commitment/spec/index.ts';

/**
 * x: batchSize inputs of the spec's input size; y: one-hot class rows (loss categorical_crossentropy:
 * a classification set) or target rows (loss mse: a regression set) of the spec's output size, for
 * the dataset indices `indices` in order (an index may repeat where a batch straddles two epochs).
 * Throws DATASET_INVALID naming the first index whose sample is missing, does not decode, or does
 * not fit the spec: a feature count other than the input size, a non-finite feature (no dataset
 * holds one: makeDataset rejects it), a class index at or above the output size, a regression
 * target count other than the output size, or a label of the other task.
 */
export function batchFromSamples(
  spec: ModelSpec, shapes: SpecShapes, indices: ArrayLike<number>, samples: ReadonlyMap<number, Uint8Array>,
): { x: Float32Array; y: Float32Array } {
  if (isTransformerSpec(spec)) return tokenBatchFromSamples(spec, indices, samples);
  const fs = spec.inputShape.reduce((a, b) => a * b, 1);
  const os = shapes.outputShape.reduce((a, b) => a * b, 1);
  const classification = spec.loss === 'categorical_crossentropy';
  const B = indices.length;
  const x = new Float32Array(B * fs);
  const y = new Float32Array(B * os);
  const decoded = new Map<number, ReturnType<typeof decodeSample>>();
  for (let b = 0; b < B; b++) {
    const i = indices[b]!;
    const bad = (m: string): never => { throw new MlError('DATASET_INVALID', `sample ${i} (batch row ${b}): ${m}`, { index: i }); };
    let d = decoded.get(i);
    if (!d) {
      const bytes = samples.get(i);
      if (!(bytes instanceof Uint8Array)) bad('missing');
      try {
        d = decodeSample(bytes!);
      } catch (e) {
        bad(e instanceof Error ? e.message : String(e));
      }
      decoded.set(i, d!);
    }
    const { features, classIndex, targets } = d!;
    if (features.length !== fs) bad(`${features.length} features, the spec's input has ${fs}`);
    for (let j = 0; j < fs; j++) if (!Number.isFinite(features[j]!)) bad(`feature ${j} is not finite`);
    x.set(features, b * fs);
    if (classification) {
      if (classIndex === undefined) bad('has regression targets, the spec trains a classifier (categorical_crossentropy)');
      if (classIndex! >= os) bad(`class ${classIndex} is not below the spec's ${os} outputs`);
      y[b * os + classIndex!] = 1;
    } else {
      if (targets === undefined) bad('has a class label, the spec trains a regression (mse)');
      if (targets!.length !== os) bad(`${targets!.length} targets, the spec's output has ${os}`);
      y.set(targets!, b * os);
    }
  }
  return { x, y };
}

/** Transformer batch: x the windows' token ids, y their next-token ids (as float32), both batchSize * context; ids must be below model.vocab. */
function tokenBatchFromSamples(spec: TransformerSpec, indices: ArrayLike<number>, samples: ReadonlyMap<number, Uint8Array>): { x: Float32Array; y: Float32Array } {
  const T = spec.model.context;
  const V = spec.model.vocab;
  const B = indices.length;
  const x = new Float32Array(B * T);
  const y = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const i = indices[b]!;
    const bad = (m: string): never => { throw new MlError('DATASET_INVALID', `sample ${i} (batch row ${b}): ${m}`, { index: i }); };
    const bytes = samples.get(i);
    if (!(bytes instanceof Uint8Array)) bad('missing');
    let d: ReturnType<typeof decodeSample>;
    try {
      d = decodeSample(bytes!);
    } catch (e) {
      return bad(e instanceof Error ? e.message : String(e));
    }
    if (d.featureKind !== 'tok' || !d.nextTokens) bad('is not a token window, the spec trains a transformer (next_token_crossentropy)');
    if (d.features.length !== T) bad(`${d.features.length} tokens, the spec's context is ${T}`);
    for (let j = 0; j < T; j++) {
      if (d.features[j]! >= V || d.nextTokens![j]! >= V) bad(`token ${j} is not below the spec's vocabulary of ${V}`);
    }
    x.set(d.features, b * T);
    y.set(d.nextTokens!, b * T);
  }
  return { x, y };
}
