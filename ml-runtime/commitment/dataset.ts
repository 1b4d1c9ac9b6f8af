// Datasets in memory, their canonical per-sample encoding and their Merkle commitments.
//
// Sample encoding (version 1), the leaf data of the dataset's Merkle tree:
//   u8 version = 1
//   u8 featureKind: 0 = uint8 (value = float32(byte / 255)), 1 = float32 little-endian,
//                   2 = token ids (u16be each; the value is the id itself)
//   u32be featureCount, then the features
//   u8 labelKind: 0 = class (u32be class index), 1 = regression (u32be n, then n float32 LE targets),
//                 2 = next tokens (u32be n = featureCount, then n u16be target ids)
// Kinds 2 (task 'next-token': a language-model window and the same window shifted by one) were added
// without a version bump: every older sample still encodes to the same bytes, so old roots stay.
import { MlError } from './errors.ts';
import { merkleProof, merkleRootFromLeafHashes, leafHash, verifyMerkleProof, type MerkleProof } from '../../primitives/index.ts';


export type Task = 'classification' | 'regression' | 'next-token';
export type FeatureKind = 'u8' | 'f32' | 'tok';

export interface Dataset {
  /** e.g. "mnist/train" */
  name: string;
  task: Task;
  featureShape: number[];
  featureSize: number;
  /** classes (classification), targets per sample (regression) or vocabulary size (next-token) */
  outputSize: number;
  count: number;
  featureKind: FeatureKind;
  /** raw features as encoded: Uint8Array for u8, Float32Array for f32, Uint16Array for tok; count * featureSize */
  raw: Uint8Array | Float32Array | Uint16Array;
  /** features as used in training (float32; token ids for tok), count * featureSize */
  features: Float32Array;
  /** classification: class index per sample; regression: count * outputSize targets;
   *  next-token: count * featureSize target ids (window shifted by one) */
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
  if ((d.task === 'next-token') !== (d.featureKind === 'tok')) throw new MlError('DATASET_INVALID', `${d.name}: token features go with task next-token and only with it`);
  const expectLabels = d.task === 'classification' ? d.count : d.task === 'next-token' ? n : d.count * d.outputSize;
  if (d.labels.length !== expectLabels) throw new MlError('DATASET_INVALID', `${d.name}: ${d.labels.length} labels, expected ${expectLabels}`);
  let features: Float32Array;
  if (d.featureKind === 'tok') {
    if (!Number.isInteger(d.outputSize) || d.outputSize < 1 || d.outputSize > 65536) throw new MlError('DATASET_INVALID', `${d.name}: vocabulary of ${d.outputSize} outside 1..65536`);
    features = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = d.raw[i]!;
      if (!Number.isInteger(t) || t < 0 || t >= d.outputSize) throw new MlError('DATASET_INVALID', `${d.name}: token ${i} (${t}) outside the vocabulary 0..${d.outputSize - 1}`);
      if (!Number.isInteger(d.labels[i]!) || d.labels[i]! >= d.outputSize) throw new MlError('DATASET_INVALID', `${d.name}: target ${i} (${d.labels[i]}) outside the vocabulary 0..${d.outputSize - 1}`);
      features[i] = t;
    }
  } else if (d.featureKind === 'u8') {
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
  const fBytes = ds.featureKind === 'u8' ? fs : ds.featureKind === 'tok' ? fs * 2 : fs * 4;
  const lBytes = ds.task === 'classification' ? 4 : ds.task === 'next-token' ? 4 + fs * 2 : 4 + ds.outputSize * 4;
  const out = new Uint8Array(1 + 1 + 4 + fBytes + 1 + lBytes);
  const dv = new DataView(out.buffer);
  out[0] = 1;
  out[1] = ds.featureKind === 'u8' ? 0 : ds.featureKind === 'tok' ? 2 : 1;
  dv.setUint32(2, fs, false);
  let o = 6;
  if (ds.featureKind === 'tok') {
    for (let j = 0; j < fs; j++, o += 2) dv.setUint16(o, ds.raw[i * fs + j]!, false);
  } else if (ds.featureKind === 'u8') {
    out.set((ds.raw as Uint8Array).subarray(i * fs, (i + 1) * fs), o);
    o += fs;
  } else {
    for (let j = 0; j < fs; j++, o += 4) dv.setFloat32(o, ds.raw[i * fs + j]!, true);
  }
  if (ds.task === 'classification') {
    out[o++] = 0;
    dv.setUint32(o, ds.labels[i]!, false);
  } else if (ds.task === 'next-token') {
    out[o++] = 2;
    dv.setUint32(o, fs, false); o += 4;
    for (let j = 0; j < fs; j++, o += 2) dv.setUint16(o, ds.labels[i * fs + j]!, false);
  } else {
    out[o++] = 1;
    dv.setUint32(o, ds.outputSize, false); o += 4;
    for (let j = 0; j < ds.outputSize; j++, o += 4) dv.setFloat32(o, ds.labels[i * ds.outputSize + j]!, true);
  }
  return out;
}

/** Decodes a sample encoding (checks the version and kinds). */
export function decodeSample(bytes: Uint8Array): { featureKind: FeatureKind; features: Float32Array; classIndex?: number; targets?: Float32Array; nextTokens?: Uint16Array } {
  const bad = (m: string): never => { throw new MlError('DATASET_INVALID', `sample encoding: ${m}`); };
  if (bytes.length < 7 || bytes[0] !== 1) bad('unknown version');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind: FeatureKind = bytes[1] === 0 ? 'u8' : bytes[1] === 1 ? 'f32' : bytes[1] === 2 ? 'tok' : bad(`unknown feature kind ${bytes[1]}`);
  const fs = dv.getUint32(2, false);
  let o = 6;
  if (o + fs * (kind === 'u8' ? 1 : kind === 'tok' ? 2 : 4) + 5 > bytes.length) bad('truncated features');
  const features = new Float32Array(fs);
  for (let j = 0; j < fs; j++) {
    if (kind === 'u8') features[j] = bytes[o++]! / 255;
    else if (kind === 'tok') { features[j] = dv.getUint16(o, false); o += 2; }
    else { features[j] = dv.getFloat32(o, true); o += 4; }
  }
  const lk = bytes[o++];
  if ((kind === 'tok') !== (lk === 2)) bad(`feature kind ${bytes[1]} with label kind ${lk}`);
  if (lk === 0) {
    if (o + 4 !== bytes.length) bad('bad length');
    return { featureKind: kind, features, classIndex: dv.getUint32(o, false) };
  }
  if (lk === 2) {
    const n = dv.getUint32(o, false); o += 4;
    if (n !== fs || o + 2 * n !== bytes.length) bad('bad length');
    const nextTokens = new Uint16Array(n);
    for (let j = 0; j < n; j++, o += 2) nextTokens[j] = dv.getUint16(o, false);
    return { featureKind: kind, features, nextTokens };
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

/** Inputs and targets of a batch: x is [B * featureSize], y is one-hot [B * classes] or targets [B * outputSize];
 *  next-token: x holds the B windows' token ids and y their B * featureSize target ids (as float32). */
export function gatherBatch(ds: Dataset, indices: ArrayLike<number>): { x: Float32Array; y: Float32Array } {
  const B = indices.length;
  const fs = ds.featureSize;
  const os = ds.outputSize;
  const x = new Float32Array(B * fs);
  const y = new Float32Array(B * (ds.task === 'next-token' ? fs : os));
  for (let b = 0; b < B; b++) {
    const i = indices[b]!;
    checkIndex(ds, i);
    x.set(ds.features.subarray(i * fs, (i + 1) * fs), b * fs);
    if (ds.task === 'next-token') { y.set(ds.labels.subarray(i * fs, (i + 1) * fs), b * fs); continue; }
    if (ds.task === 'classification') y[b * os + ds.labels[i]!] = 1;
    else y.set((ds.labels as Float32Array).subarray(i * os, (i + 1) * os), b * os);
  }
  return { x, y };
}
