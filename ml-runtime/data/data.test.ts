import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadDataset, datasetRoot, encodeSample, decodeSample, sampleProof, verifySample, gatherBatch, makeDataset, DATASET_NAMES } from '../index.ts';

import { MlError } from '../commitment/errors.ts';
import { bytesToHex } from '../../primitives/index.ts';

const golden = JSON.parse(readFileSync(new URL('./golden-roots.json', import.meta.url), 'utf8')) as Record<string, { train: { count: number; root: string }; test: { count: number; root: string } }>;

test('bundled datasets have their committed sizes and Merkle roots', () => {
  for (const n of DATASET_NAMES) {
    const d = loadDataset(n);
    assert.equal(d.train.count, golden[n]!.train.count, `${n} train count`);
    assert.equal(d.test.count, golden[n]!.test.count, `${n} test count`);
    assert.equal(bytesToHex(datasetRoot(d.train)), golden[n]!.train.root, `${n} train root`);
    assert.equal(bytesToHex(datasetRoot(d.test)), golden[n]!.test.root, `${n} test root`);
  }
  assert.equal(golden.mnist!.train.count + golden.mnist!.test.count, 10000);
  assert.equal(golden.iris!.train.count + golden.iris!.test.count, 150);
});

test('MNIST: 784 byte pixels, classes 0..9 in both splits, bytes match the package values', () => {
  const m = loadDataset('mnist');
  assert.equal(m.train.featureSize, 784);
  assert.equal(m.train.featureKind, 'u8');
  const classes = new Set(m.test.labels);
  assert.equal(classes.size, 10);
  // sample 0 of train is digit 0, sample 0 of the package; feature = byte / 255
  const enc = encodeSample(m.train, 0);
  assert.equal(enc.length, 1 + 1 + 4 + 784 + 1 + 4);
  const dec = decodeSample(enc);
  assert.equal(dec.classIndex, 0);
  assert.deepEqual(dec.features, m.train.features.subarray(0, 784));
});

test('sample encodings round-trip and inclusion proofs verify (and fail for a wrong sample)', () => {
  for (const n of DATASET_NAMES) {
    const d = loadDataset(n).train;
    const root = datasetRoot(d);
    for (const i of [0, 1, d.count - 1, (d.count / 3) | 0]) {
      const bytes = encodeSample(d, i);
      const p = sampleProof(d, i);
      assert.ok(verifySample(bytes, p, root), `${n} sample ${i}`);
      const other = encodeSample(d, (i + 1) % d.count);
      assert.ok(!verifySample(other, p, root), `${n} wrong sample ${i}`);
      const dec = decodeSample(bytes);
      assert.deepEqual(dec.features, d.features.subarray(i * d.featureSize, (i + 1) * d.featureSize));
      if (d.task === 'classification') assert.equal(dec.classIndex, d.labels[i]);
      else if (d.task === 'next-token') assert.deepEqual([...dec.nextTokens!], [...d.labels.subarray(i * d.featureSize, (i + 1) * d.featureSize)]);
      else assert.deepEqual(dec.targets, (d.labels as Float32Array).subarray(i, i + 1));
    }
  }
});

test('gatherBatch builds one-hot targets', () => {
  const d = loadDataset('iris').train;
  const { x, y } = gatherBatch(d, [0, 50]);
  assert.equal(x.length, 8);
  assert.deepEqual([...y.subarray(0, 3)], [0, 0, 0].map((_, k) => (k === d.labels[0] ? 1 : 0)));
  assert.deepEqual([...x.subarray(4, 8)], [...d.features.subarray(200, 204)]);
});

const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof MlError && e.code === code && re.test(e.message);

test('dataset errors are typed and say what is wrong', () => {
  assert.throws(() => loadDataset('cifar'), isErr('DATASET_UNKNOWN', /unknown dataset "cifar" \(bundled: mnist, iris/));
  const d = loadDataset('iris').train;
  assert.throws(() => encodeSample(d, d.count), isErr('DATASET_SAMPLE_RANGE', /iris\/train: sample index 120 out of range 0\.\.119/));
  assert.throws(() => sampleProof(d, -1), isErr('DATASET_SAMPLE_RANGE', /out of range/));
  assert.throws(() => gatherBatch(d, [1.5]), isErr('DATASET_SAMPLE_RANGE', /sample index 1\.5/));
  const base = { name: 'x', task: 'classification' as const, featureShape: [2], featureSize: 2, outputSize: 2, count: 2, featureKind: 'f32' as const };
  assert.throws(() => makeDataset({ ...base, raw: new Float32Array(3), labels: new Uint32Array(2) }), isErr('DATASET_INVALID', /x: 3 feature values, expected 4/));
  assert.throws(() => makeDataset({ ...base, raw: new Float32Array(4), labels: new Uint32Array([0, 2]) }), isErr('DATASET_INVALID', /sample 1 has class 2 >= 2/));
  assert.throws(() => makeDataset({ ...base, raw: new Float32Array([0, NaN, 0, 0]), labels: new Uint32Array(2) }), isErr('DATASET_INVALID', /feature 1 is not finite/));
  assert.throws(() => decodeSample(new Uint8Array([9, 0, 0, 0, 0, 0, 0])), isErr('DATASET_INVALID', /unknown version/));
  const enc = encodeSample(d, 0);
  assert.throws(() => decodeSample(enc.subarray(0, enc.length - 1)), isErr('DATASET_INVALID', /truncated features/));
});

test('token windows (next-token) encode, decode, prove and batch; bad ids and mixed kinds are refused', () => {
  const raw = new Uint16Array([1, 2, 3, 4, 5, 6]);
  const labels = new Uint32Array([2, 3, 0, 5, 6, 0]);
  const ds = makeDataset({ name: 'tok', task: 'next-token', featureShape: [3], featureSize: 3, outputSize: 7, count: 2, featureKind: 'tok', raw, labels });
  const enc = encodeSample(ds, 1);
  assert.equal(enc.length, 1 + 1 + 4 + 6 + 1 + 4 + 6);
  assert.deepEqual([...enc.subarray(0, 2)], [1, 2]);
  const dec = decodeSample(enc);
  assert.equal(dec.featureKind, 'tok');
  assert.deepEqual([...dec.features], [4, 5, 6]);
  assert.deepEqual([...dec.nextTokens!], [5, 6, 0]);
  assert.ok(verifySample(enc, sampleProof(ds, 1), datasetRoot(ds)));
  const { x, y } = gatherBatch(ds, [1, 0]);
  assert.deepEqual([...x], [4, 5, 6, 1, 2, 3]);
  assert.deepEqual([...y], [5, 6, 0, 2, 3, 0]);
  const base = { name: 't', task: 'next-token' as const, featureShape: [3], featureSize: 3, outputSize: 7, count: 2, featureKind: 'tok' as const };
  assert.throws(() => makeDataset({ ...base, raw: new Uint16Array([1, 2, 7, 4, 5, 6]), labels }), isErr('DATASET_INVALID', /token 2 \(7\) outside the vocabulary 0\.\.6/));
  assert.throws(() => makeDataset({ ...base, raw, labels: new Uint32Array([2, 3, 0, 5, 9, 0]) }), isErr('DATASET_INVALID', /target 4 \(9\)/));
  assert.throws(() => makeDataset({ ...base, task: 'classification', raw, labels }), isErr('DATASET_INVALID', /token features go with task next-token/));
  const mixed = enc.slice(); mixed[12] = 0; // label kind 0 after token features
  assert.throws(() => decodeSample(mixed), isErr('DATASET_INVALID', /feature kind 2 with label kind 0/));
  assert.throws(() => decodeSample(enc.subarray(0, enc.length - 2)), isErr('DATASET_INVALID', /bad length/));
});
