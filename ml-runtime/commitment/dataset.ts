// Datasets in memory, their canonical per-sample encoding and their Merkle commitments.
//
// Sample encoding (version 1), the leaf data of the dataset's Merkle tree:
//   u8 version = 1
//   u8 featureKind: 0 = uint8 (value = float32(byte / 255)), 1 = float32 little-endian
//   u32be featureCount, then the features
//   u8 labelKind: 0 = class (u32be class index), 1 = regression (u32be n, then n float32 LE targets)
import { MlError } from './errors.ts';
import { merkleProof, merkleRootFromLeafHashes, leafHash, verifyMerkleProof, type MerkleProof } from '../../primitives/index.ts';


export type Task = 'classification' | 'regression';

export interface Dataset {
  /** e.g. "mnist/train" */
  name: string;
  task: Task;
  featureShape: number[];
  featureSize: number;
  /** classes (classification) or targets per sample (regression) */
  outputSize: number;
  count: number;
  featureKind: 'u8' | 'f32';
  /** raw features as encoded: Uint8Array for u8, Float32Array for f32; count * featureSize */
  raw: Uint8Array | Float32Array;
  /** features as used in training (float32), count * featureSize */
  features: Float32Array;
  /** classification: class index per sample; regression: count * outputSize targets */
  labels: Uint32Array | Float32Array;
}

export interface DatasetSplit {
  name: string;
  train: Dataset;
  test: Dataset;
}

export function makeDataset(d: Omit<Dataset, 'features'>): Dataset {
  const n = d.count * d.featureSize;
  if (d.raw.length !== n) throw new MlError('DATASET_INVALID', `${d.name}: ${d.raw.length} feature values, expected ${n}`);
  const expectLabels = d.task === 'classification' ? d.count : d.count * d.outputSize;
  if (d.labels.length !== expectLabels) throw new MlError('DATASET_INVALID', `${d.name}: ${d.labels.length} labels, expected ${expectLabels}`);
  let features: Float32Array;
  if (d.featureKind === 'u8') {
    features = new Float32Array(n);
    for (let i = 0; i < n; i++) features[i] = d.raw[i]! / 255;
  } else {
    features = d.raw as Float32Array;
    for (let i = 0; i < n; i++) if (!Number.isFinite(features[i]!)) throw new MlError('DATASET_INVALID', `${d.name}: feature ${i} is not finite`);
  }
  if (d.task === 'classification') {
    for (let i = 0; i < d.count; i++) if (d.labels[i]! >= d.outputSize) throw new MlError('DATASET_INVALID', `${d.name}: sample ${i} has class ${d.labels[i]} >= ${d.outputSize}`);
  }
  return { ...d, features };
}

function checkIndex(ds: Dataset, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= ds.count) throw new MlError('DATASET_SAMPLE_RANGE', `${ds.name}: sample index ${i} out of range 0..${ds.count - 1}`);
}

/** Canonical bytes of sample i. */
export function encodeSample(ds: Dataset, i: number): Uint8Array {
  checkIndex(ds, i);
  const fs = ds.featureSize;
  const fBytes = ds.featureKind === 'u8' ? fs : fs * 4;
  const lBytes = ds.task === 'classification' ? 4 : 4 + ds.outputSize * 4;
  const out = new Uint8Array(1 + 1 + 4 + fBytes + 1 + lBytes);
  const dv = new DataView(out.buffer);
  out[0] = 1;
  out[1] = ds.featureKind === 'u8' ? 0 : 1;
  dv.setUint32(2, fs, false);
  let o = 6;
  if (ds.featureKind === 'u8') {
    out.set((ds.raw as Uint8Array).subarray(i * fs, (i + 1) * fs), o);
    o += fs;
  } else {
    for (let j = 0; j < fs; j++, o += 4) dv.setFloat32(o, ds.raw[i * fs + j]!, true);
  }
  if (ds.task === 'classification') {
    out[o++] = 0;
    dv.setUint32(o, ds.labels[i]!, false);
  } else {
    out[o++] = 1;
    dv.setUint32(o, ds.outputSize, false); o += 4;
    for (let j = 0; j < ds.outputSize; j++, o += 4) dv.setFloat32(o, ds.labels[i * ds.outputSize + j]!, true);
  }
  return out;
}

/** Decodes a sample encoding (checks the version and kinds). */
export function decodeSample(bytes: Uint8Array): { featureKind: 'u8' | 'f32'; features: Float32Array; classIndex?: number; targets?: Float32Array } {
  const bad = (m: string): never => { throw new MlError('DATASET_INVALID', `sample encoding: ${m}`); };
  if (bytes.length < 7 || bytes[0] !== 1) bad('unknown version');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = bytes[1] === 0 ? 'u8' : bytes[1] === 1 ? 'f32' : bad(`unknown feature kind ${bytes[1]}`);
  const fs = dv.getUint32(2, false);
  let o = 6;
  const features = new Float32Array(fs);
  if (o + fs * (kind === 'u8' ? 1 : 4) + 5 > bytes.length) bad('truncated features');
  for (let j = 0; j < fs; j++) {
    if (kind === 'u8') features[j] = bytes[o++]! / 255;
    else { features[j] = dv.getFloat32(o, true); o += 4; }
  }
  const lk = bytes[o++];
  if (lk === 0) {
    if (o + 4 !== bytes.length) bad('bad length');
    return { featureKind: kind, features, classIndex: dv.getUint32(o, false) };
  }
  if (lk !== 1) bad(`unknown label kind ${lk}`);
  const n = dv.getUint32(o, false); o += 4;
  if (o + 4 * n !== bytes.length) bad('bad length');
  const targets = new Float32Array(n);
  for (let j = 0; j < n; j++, o += 4) targets[j] = dv.getFloat32(o, true);
  return { featureKind: kind, features, targets };
}

const leafCache = new WeakMap<Dataset, Uint8Array[]>();

/** Leaf hashes of all samples (memoised per dataset object). */
export function sampleLeafHashes(ds: Dataset): Uint8Array[] {
  let l = leafCache.get(ds);
  if (!l) {
    l = [];
    for (let i = 0; i < ds.count; i++) l.push(leafHash(encodeSample(ds, i)));
    leafCache.set(ds, l);
  }
  return l;
}

/** Merkle root over the canonical encodings of all samples, leaf i = sample i. */
export function datasetRoot(ds: Dataset): Uint8Array {
  return merkleRootFromLeafHashes(sampleLeafHashes(ds));
}

/** Inclusion proof for sample i. */
export function sampleProof(ds: Dataset, i: number): MerkleProof {
  checkIndex(ds, i);
  return merkleProof(sampleLeafHashes(ds), i);
}

/** True when `sampleBytes` is leaf proof.index of the dataset committed as `root`. */
export function verifySample(sampleBytes: Uint8Array, proof: MerkleProof, root: Uint8Array): boolean {
  return verifyMerkleProof(leafHash(sampleBytes), proof, root);
}

/** Inputs and targets of a batch: x is [B * featureSize], y is one-hot [B * classes] or targets [B * outputSize]. */
export function gatherBatch(ds: Dataset, indices: ArrayLike<number>): { x: Float32Array; y: Float32Array } {
  const B = indices.length;
  const fs = ds.featureSize;
  const os = ds.outputSize;
  const x = new Float32Array(B * fs);
  const y = new Float32Array(B * os);
  for (let b = 0; b < B; b++) {
    const i = indices[b]!;
    checkIndex(ds, i);
    x.set(ds.features.subarray(i * fs, (i + 1) * fs), b * fs);
    if (ds.task === 'classification') y[b * os + ds.labels[i]!] = 1;
    else y.set((ds.labels as Float32Array).subarray(i * os, (i + 1) * os), b * os);
  }
  return { x, y };
}
