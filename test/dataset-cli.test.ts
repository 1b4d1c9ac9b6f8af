// `polchain dataset add | list`: users' files become stored datasets (csv, jsonl, npy, text), bad files
// are refused with typed errors naming line/field and store nothing, and `job submit --dataset`
// resolves stored names and roots. The DA half (a real node serving them) is in dataset-da-node.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetRoot, loadDataset } from '../ml-runtime/index.ts';
import { DatasetStore } from '../node/jobs/index.ts';
import { resolveDataset } from '../node/cli/index.ts';
import { npy } from './helpers/npy-file.ts';
import { bytesToHex } from '../primitives/index.ts';
import { cli } from './helpers/cli-capture.ts';

const f32 = (v: number[]) => new Uint8Array(new Float32Array(v).buffer);

test('dataset add stores csv, jsonl, npy and text files, prints root and size, and list shows them', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-dsadd-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dd = ['--data-dir', join(dir, 'data')];
  await writeFile(join(dir, 'flowers.csv'), 'sl,sw,pl,pw,species\n5.1,3.5,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n6.3,3.3,6.0,2.5,virginica\n4.9,3.0,1.4,0.2,setosa\n');
  await writeFile(join(dir, 'pts.jsonl'), '{"x":[1,2],"y":0}\n{"x":[3,4],"y":1}\n');
  await writeFile(join(dir, 'img.npy'), npy('|u1', [2, 2, 2], new Uint8Array([0, 1, 2, 3, 4, 5, 6, 255])));
  await writeFile(join(dir, 'lab.npy'), npy('<i4', [2], new Uint8Array(new Int32Array([1, 0]).buffer)));
  await writeFile(join(dir, 'story.txt'), 'Once upon a time, ünïcode text became tokens.\n'.repeat(4));

  const csv = await cli(['dataset', 'add', join(dir, 'flowers.csv'), '--format', 'csv', '--json', ...dd]);
  assert.equal(csv.code, 0, csv.err);
  const c = JSON.parse(csv.out);
  assert.equal(c.name, 'flowers');
  assert.equal(c.count, 4);
  assert.equal(c.encodedBytes, 4 * (1 + 1 + 4 + 16 + 1 + 4));
  assert.deepEqual(c.classNames, ['setosa', 'versicolor', 'virginica']);
  const stored = new DatasetStore(join(dir, 'data', 'datasets'));
  const ds = stored.load(c.root.slice(2))!;
  assert.equal('0x' + bytesToHex(datasetRoot(ds)), c.root, 'the printed root is the Merkle root of the stored samples');
  assert.deepEqual([...ds.features.subarray(4, 8)], [7.0, 3.2, 4.7, 1.4].map(Math.fround));
  assert.deepEqual([...ds.labels], [0, 1, 2, 0]);

  const js = await cli(['dataset', 'add', join(dir, 'pts.jsonl'), '--format', 'jsonl', '--name', 'points', '--json', ...dd]);
  assert.equal(js.code, 0, js.err);
  assert.equal(JSON.parse(js.out).count, 2);
  const np = await cli(['dataset', 'add', join(dir, 'img.npy'), '--format', 'npy', '--labels', join(dir, 'lab.npy'), '--json', ...dd]);
  assert.equal(np.code, 0, np.err);
  assert.deepEqual(JSON.parse(np.out).featureShape, [2, 2]);
  const tx = await cli(['dataset', 'add', join(dir, 'story.txt'), '--format', 'text', '--context', '16', '--stride', '16', ...dd]);
  assert.equal(tx.code, 0, tx.err);
  const textBytes = Buffer.byteLength('Once upon a time, ünïcode text became tokens.\n'.repeat(4));
  const windows = Math.floor((textBytes - 17) / 16) + 1;
  assert.match(tx.out, new RegExp(`^stored dataset "story": root 0x[0-9a-f]{64}\\n  ${windows} samples, ${windows * (1 + 1 + 4 + 32 + 1 + 4 + 32)} bytes encoded; next-token, features \\[16\\] tok, outputs 256`));
  // the same file again is a no-op; the same name for other data is refused
  const again = await cli(['dataset', 'add', join(dir, 'flowers.csv'), '--format', 'csv', ...dd]);
  assert.match(again.out, /^already stored dataset "flowers"/);
  const clash = await cli(['dataset', 'add', join(dir, 'pts.jsonl'), '--format', 'jsonl', '--name', 'flowers', ...dd]);
  assert.equal(clash.code, 1);
  assert.match(clash.err, /DATASET_NAME: a dataset named "flowers" is already stored with root/);
  const bundled = await cli(['dataset', 'add', join(dir, 'pts.jsonl'), '--format', 'jsonl', '--name', 'iris', ...dd]);
  assert.match(bundled.err, /DATASET_NAME: "iris" is a bundled dataset's name/);

  const list = await cli(['dataset', 'list', ...dd]);
  assert.equal(list.code, 0, list.err);
  assert.deepEqual(list.out.split('\n').map((l) => l.split(/\s+/)[0]), ['flowers', 'img', 'points', 'story']);
  assert.equal((await readdir(join(dir, 'data', 'datasets'))).length, 8);

  // job submit's --dataset: a stored name, a stored root, a bundled name and a bundled root
  const data = join(dir, 'data');
  assert.equal(bytesToHex(resolveDataset('flowers', data).root), c.root.slice(2));
  const byRoot = resolveDataset(c.root, data);
  assert.equal(byRoot.name, 'flowers');
  assert.equal(byRoot.kind, 'stored');
  assert.equal(byRoot.dataset.count, 4);
  assert.equal(resolveDataset(c.root.slice(2).toUpperCase(), data).name, 'flowers');
  const irisRoot = bytesToHex(datasetRoot(loadDataset('iris').train));
  assert.deepEqual([resolveDataset(irisRoot, data).name, resolveDataset(irisRoot, data).kind], ['iris', 'bundled']);
  assert.equal(resolveDataset('iris', data).dataset.count, 120);
  assert.throws(() => resolveDataset('nope', data), /--dataset "nope": no bundled dataset .* and no dataset stored in .* \(flowers, img, points, story\) has this name/);
  assert.throws(() => resolveDataset('ab'.repeat(32), data), /has this root/);
});

test('malformed files are refused with a typed error naming the line/field, exit 1, and nothing is stored', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-dsbad-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dd = ['--data-dir', join(dir, 'data')];
  const cases: Array<[string, string | Uint8Array, string[], RegExp]> = [
    ['empty.csv', '', ['--format', 'csv'], /DATASET_PARSE: csv: the file is empty/],
    ['num.csv', 'a,b,c\n1,2,0\n1,two,1\n', ['--format', 'csv'], /DATASET_PARSE: csv: line 3, column 2 \("b"\): "two" is not a finite float32 number/],
    ['ragged.csv', '1,2,0\n1,2,3,0\n', ['--format', 'csv'], /DATASET_PARSE: csv: line 2: 4 fields, the first row has 3 \(ragged rows\)/],
    ['utf.csv', new Uint8Array([0x31, 0x2c, 0x32, 0x2c, 0x30, 0x0a, 0x31, 0x2c, 0xfe, 0x2c, 0x30]), ['--format', 'csv'], /DATASET_PARSE: csv: line 2: byte 8 is not valid UTF-8/],
    ['bad.jsonl', '{"x":[1],"y":0}\n{"x":[1],"y":0\n', ['--format', 'jsonl'], /DATASET_PARSE: jsonl: line 2: bad JSON/],
    ['field.jsonl', '{"x":[1,null],"y":0}\n', ['--format', 'jsonl'], /DATASET_PARSE: jsonl: line 1, field x\[1\]: null is not a finite float32 number/],
    ['empty.jsonl', '\n\n', ['--format', 'jsonl'], /DATASET_PARSE: jsonl: no samples/],
    ['magic.npy', 'PK\x03\x04 a zip, not an array', ['--format', 'npy', '--labels', 'LAB'], /DATASET_PARSE: npy: features, magic: not an \.npy file/],
    ['f8.npy', npy('<f8', [2, 1], new Uint8Array(16)), ['--format', 'npy', '--labels', 'LAB'], /DATASET_PARSE: npy: features, descr: dtype "<f8" is not supported/],
    ['short.npy', npy('<f4', [2, 2], f32([1, 2, 3])), ['--format', 'npy', '--labels', 'LAB'], /DATASET_PARSE: npy: features, data: 12 data bytes, shape \(2, 2\) of float32 needs 16/],
    ['rows.npy', npy('<f4', [3, 1], f32([1, 2, 3])), ['--format', 'npy', '--labels', 'LAB'], /DATASET_PARSE: npy: labels, shape: 2 labels for 3 feature rows/],
    ['empty.txt', '', ['--format', 'text'], /DATASET_PARSE: text: the file is empty/],
    ['latin1.txt', new Uint8Array([...Buffer.from('caf'), 0xe9, ...Buffer.from(' au lait, '.repeat(10))]), ['--format', 'text'], /DATASET_PARSE: text: line 1: byte 3 is not valid UTF-8/],
    ['short.txt', 'too short', ['--format', 'text', '--context', '32'], /DATASET_PARSE: text: 9 bytes do not fill one window of 32/],
    ['big.csv', '1,2,0\n'.repeat(100), ['--format', 'csv', '--max-file-bytes', '599'], /DATASET_TOO_LARGE: .*big\.csv is 600 bytes, the limit is 599/],
  ];
  await writeFile(join(dir, 'lab.npy'), npy('<i4', [2], new Uint8Array(8)));
  for (const [file, content, flags, re] of cases) {
    await writeFile(join(dir, file), content);
    const r = await cli(['dataset', 'add', join(dir, file), ...flags.map((f) => (f === 'LAB' ? join(dir, 'lab.npy') : f)), ...dd]);
    assert.equal(r.code, 1, `${file}: ${r.err}`);
    assert.match(r.err, re, file);
    assert.doesNotMatch(r.err, /\n\s+at /, `${file}: no stack trace`);
    assert.equal(r.out, '', file);
  }
  await assert.rejects(readdir(join(dir, 'data', 'datasets')), /ENOENT/, 'nothing was stored, not even the folder');
  // a name that cannot be stored is refused before the file is even read
  const badName = await cli(['dataset', 'add', join(dir, 'missing.csv'), '--format', 'csv', '--name', 'my data', ...dd]);
  assert.equal(badName.code, 1);
  assert.match(badName.err, /DATASET_NAME: dataset name "my data" must be 1\.\.64 of/);
  const usage = await cli(['dataset', 'add', join(dir, 'num.csv'), '--format', 'xlsx', ...dd]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--format must be one of csv, jsonl, npy, text, got "xlsx"/);
});
