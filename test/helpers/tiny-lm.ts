// A small next-token dataset for transformer tests (the bundled names set comes from ml-runtime/data):
// words joined by '.' into one stream over the vocabulary '.abcdefghijklmnopqrstuvwxyz', cut into
// windows of `context` tokens at every `stride`, targets the window shifted by one.
import { makeDataset, validateSpec, type Dataset, type TransformerSpec } from '../../ml-runtime/index.ts';

export const NAMES_VOCAB = '.abcdefghijklmnopqrstuvwxyz';
export const TINY_WORDS = ['anna', 'emma', 'olivia', 'ava', 'mia', 'ella', 'lily', 'nora', 'leo', 'liam', 'noah', 'oliver', 'eli', 'luna', 'mila', 'aria', 'ian', 'owen', 'ivy', 'lena'];

export function tinyTokenDataset(context: number, stride = 1, words = TINY_WORDS, name = 'tiny-names'): Dataset {
  const stream = `.${words.join('.')}.`;
  const ids = Array.from(stream, (c) => NAMES_VOCAB.indexOf(c));
  const starts: number[] = [];
  for (let s = 0; s + context + 1 <= ids.length; s += stride) starts.push(s);
  const raw = new Uint16Array(starts.length * context);
  const labels = new Uint32Array(starts.length * context);
  starts.forEach((s, i) => {
    for (let j = 0; j < context; j++) { raw[i * context + j] = ids[s + j]!; labels[i * context + j] = ids[s + j + 1]!; }
  });
  return makeDataset({ name, task: 'next-token', featureShape: [context], featureSize: context, outputSize: NAMES_VOCAB.length, count: starts.length, featureKind: 'tok', raw, labels });
}

export function tinyTransformerSpec(over: Record<string, unknown> = {}, model: Record<string, unknown> = {}): TransformerSpec {
  return validateSpec({
    format: 'polchain/model-spec/v1',
    model: { type: 'transformer', vocab: 27, context: 8, layers: 2, heads: 2, width: 16, mlpRatio: 4, dropout: 0, tiedEmbeddings: true, ...model },
    loss: 'next_token_crossentropy',
    optimizer: { type: 'adamw', learningRate: 0.01, weightDecay: 0.01, clipNorm: 1 },
    batchSize: 8, steps: 40, checkpointInterval: 10,
    ...over,
  }) as TransformerSpec;
}
