import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadDataset, syntheticRegression } from '../../ml-runtime/index.ts';
import { DatasetRegistry, JobsError } from './index.ts';
import { testId } from '../../test/helpers/job-fixtures.ts';
import { hexToBytes, bytesToHex } from '../../primitives/index.ts';

const golden = JSON.parse(readFileSync(new URL('../../ml-runtime/data/golden-roots.json', import.meta.url), 'utf8')) as Record<string, { train: { root: string } }>;
const isCode = (code: string) => (e: unknown) => e instanceof JobsError && e.code === code;

test('bundled training splits are found by their committed roots, and roots by name', (t) => {
  const reg = new DatasetRegistry();
  assert.equal(bytesToHex(reg.rootOf('iris')), golden.iris!.train.root);
  assert.equal(reg.byRoot(hexToBytes(golden.iris!.train.root)), loadDataset('iris').train);
  const t0 = performance.now();
  const mnist = reg.byRoot(hexToBytes(golden.mnist!.train.root));
  t.diagnostic(`mnist found by root in ${(performance.now() - t0).toFixed(0)} ms (load + datasetRoot of every bundled set not yet hashed)`);
  assert.equal(mnist?.count, 8000);
  assert.equal(reg.nameOf(hexToBytes(golden.mnist!.train.root)), 'mnist');
  for (const name of ['synthetic-classification', 'synthetic-regression']) assert.equal(bytesToHex(reg.rootOf(name)), golden[name]!.train.root);
  assert.equal(reg.byRoot(testId('nothing')), undefined);
  assert.throws(() => reg.rootOf('cifar'), isCode('DATASET_UNKNOWN'));
});

test('datasets added at run time are found by root; names cannot be reused for other data', () => {
  const reg = new DatasetRegistry(['iris']);
  const small = syntheticRegression(40, 3, 'small').train;
  const root = reg.add('small', small);
  assert.equal(reg.byRoot(root), small);
  assert.deepEqual(reg.add('small', small), root);
  assert.throws(() => reg.add('small', syntheticRegression(41, 3, 'small').train), isCode('DATASET_MISMATCH'));
  assert.throws(() => reg.add('iris', small), isCode('DATASET_MISMATCH'));
  assert.deepEqual(reg.names().sort(), ['iris', 'small']);
  // a registry limited to iris never loads mnist, even for an unknown root
  assert.equal(reg.byRoot(hexToBytes(golden.mnist!.train.root)), undefined);
});
