import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetRoot, importDataset } from '../../ml-runtime/index.ts';
import { DatasetRegistry, DatasetStore, JobsError } from './index.ts';
import { bytesToHex } from '../../primitives/index.ts';

const isCode = (code: string, re: RegExp) => (e: unknown) => e instanceof JobsError && e.code === code && re.test(e.message);
const csv = (name: string) => importDataset('csv', new TextEncoder().encode('1,2,0\n3,4.5,1\n-1,0,2\n'), { name }).dataset;
const text = () => importDataset('text', new TextEncoder().encode('abcdefghij'.repeat(5)), { name: 't', context: 8 }).dataset;

test('stored datasets load back bit for bit (f32 and token kinds) and a registry finds them by name and root', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-dstore-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s = new DatasetStore(join(dir, 'datasets'));
  const a = s.add('cls', csv('cls'), { format: 'csv', file: 'x.csv' });
  const b = s.add('tok', text(), { format: 'text', file: 't.txt' });
  assert.equal(a.existed, false);
  const fresh = new DatasetStore(join(dir, 'datasets'));
  for (const i of [a.info, b.info]) assert.equal(bytesToHex(datasetRoot(fresh.load(i.root)!)), i.root);
  assert.deepEqual([...fresh.load(b.info.root)!.raw.subarray(0, 3)], [97, 98, 99]);
  assert.equal(fresh.load('00'.repeat(32)), undefined);
  const reg = new DatasetRegistry([], fresh); // no bundled dataset: only the store can answer
  assert.deepEqual(reg.names(), ['cls', 'tok']);
  assert.equal(reg.nameOf(Buffer.from(a.info.root, 'hex')), 'cls');
  assert.equal(bytesToHex(reg.rootOf('tok')), b.info.root);
  assert.throws(() => s.add('bad name!', csv('x'), { format: 'csv', file: 'x' }), isCode('DATASET_NAME', /must be 1\.\.64 of/));
  assert.throws(() => s.add('mnist', csv('x'), { format: 'csv', file: 'x' }), isCode('DATASET_NAME', /bundled dataset's name/));
  assert.throws(() => s.add('other', csv('x'), { format: 'csv', file: 'x' }), isCode('DATASET_NAME', /already stored as "cls"/));
});

test('a damaged stored dataset is refused (DATASET_CORRUPT), never served as other data', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-dstore-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s = new DatasetStore(join(dir, 'datasets'));
  const { info } = s.add('cls', csv('cls'), { format: 'csv', file: 'x.csv' });
  const bin = join(dir, 'datasets', `${info.root}.bin`);
  const good = readFileSync(bin);
  const flipped = Buffer.from(good);
  flipped[5]! ^= 0x01; // one bit of a feature
  writeFileSync(bin, flipped);
  assert.throws(() => new DatasetStore(join(dir, 'datasets')).load(info.root), isCode('DATASET_CORRUPT', /no longer encode to its root/));
  writeFileSync(bin, good.subarray(0, good.length - 1));
  assert.throws(() => new DatasetStore(join(dir, 'datasets')).load(info.root), isCode('DATASET_CORRUPT', /35 bytes, the description needs 36/));
  writeFileSync(bin, good);
  writeFileSync(join(dir, 'datasets', `${info.root}.json`), '{"format":');
  assert.throws(() => new DatasetStore(join(dir, 'datasets')).load(info.root), isCode('DATASET_CORRUPT', /remove it and its \.bin/));
});
