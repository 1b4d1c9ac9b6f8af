import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importDataset, type ImportFormat, type ImportOptions } from './index.ts';
import { decodeSample, encodeSample, gatherBatch } from '../../commitment/dataset.ts';
import { MlError } from '../../commitment/errors.ts';
import { npy } from '../../../test/helpers/npy-file.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const run = (f: ImportFormat, b: Uint8Array | string, o: Partial<ImportOptions> = {}) => importDataset(f, typeof b === 'string' ? enc(b) : b, { name: 't', ...o });
const parseErr = (re: RegExp) => (e: unknown) => e instanceof MlError && e.code === 'DATASET_PARSE' && re.test(e.message);
const tooLarge = (re: RegExp) => (e: unknown) => e instanceof MlError && e.code === 'DATASET_TOO_LARGE' && re.test(e.message);

const f32bytes = (v: number[]) => new Uint8Array(new Float32Array(v).buffer);

test('csv: header detected, features as float32, named classes sorted, label column by name or index', () => {
  const { dataset: d, classNames } = run('csv', 'a,b,species\n1.5,2,setosa\r\n\n-3e1,.25,virginica\n0,1,setosa\n');
  assert.equal(d.count, 3);
  assert.deepEqual(classNames, ['setosa', 'virginica']);
  assert.deepEqual([...d.features], [1.5, 2, -30, 0.25, 0, 1]);
  assert.deepEqual([...d.labels], [0, 1, 0]);
  assert.equal(d.outputSize, 2);
  assert.equal(decodeSample(encodeSample(d, 1)).classIndex, 1);
  const byName = run('csv', 'k,x\n2,0.5\n0,1.5\n', { label: 'k' }).dataset;
  assert.deepEqual([...byName.labels], [2, 0]);
  assert.equal(byName.outputSize, 3);
  assert.deepEqual([...byName.features], [0.5, 1.5]);
  const reg = run('csv', '1,2,3.5\n4,5,6.5\n', { task: 'regression', label: '2' }).dataset;
  assert.equal(reg.task, 'regression');
  assert.deepEqual([...gatherBatch(reg, [1]).y], [6.5]);
});

test('csv: every defect is refused with DATASET_PARSE naming the line and column', () => {
  assert.throws(() => run('csv', ''), parseErr(/csv: the file is empty/));
  assert.throws(() => run('csv', '\n\n'), parseErr(/no data rows/));
  assert.throws(() => run('csv', 'a,b,c\n'), parseErr(/a header and no data rows/));
  assert.throws(() => run('csv', 'a,b,c\n1,2,0\n1,x2,1\n'), parseErr(/line 3, column 2 \("b"\): "x2" is not a finite float32 number/));
  assert.throws(() => run('csv', '1,2,0\n1,2\n'), parseErr(/line 2: 2 fields, the first row has 3 \(ragged rows\)/));
  assert.throws(() => run('csv', '1,1e39,0\n'), parseErr(/line 1, column 2: "1e39" is not a finite float32/));
  assert.throws(() => run('csv', '1,"2",0\n'), parseErr(/line 1: quoted fields are not supported/));
  assert.throws(() => run('csv', '1,2,0\n', { label: 'z' }), parseErr(/label column "z" is neither a header name nor an index 0\.\.2/));
  assert.throws(() => run('csv', new Uint8Array([0x31, 0x2c, 0x32, 0x0a, 0x31, 0x2c, 0xff, 0x0a])), parseErr(/line 2: byte 6 is not valid UTF-8/));
  assert.throws(() => run('csv', '1,2,0\n1,2,\n'), parseErr(/line 2, column 3: empty label/));
});

test('size limits are enforced while parsing: file bytes, samples, encoded bytes', () => {
  assert.throws(() => run('csv', '1,2,0\n'.repeat(10), { limits: { maxFileBytes: 59 } }), tooLarge(/file is 60 bytes, the limit is 59/));
  assert.throws(() => run('csv', '1,2,0\n'.repeat(10), { limits: { maxSamples: 9 } }), tooLarge(/more than 9 samples/));
  assert.throws(() => run('csv', '1,2,0\n'.repeat(10), { limits: { maxEncodedBytes: 100 } }), tooLarge(/10 samples of 19 bytes exceed the limit of 100/));
  assert.throws(() => run('text', 'x'.repeat(200), { context: 8, stride: 1, limits: { maxSamples: 100 } }), tooLarge(/192 windows, the limit is 100/));
});

test('text: UTF-8 bytes are the tokens (vocabulary 256), windows of --context every --stride, target shifted by one', () => {
  const s = 'héllo wörld, hello names\n';
  const b = enc(s);
  const d = run('text', s, { context: 8, stride: 4 }).dataset;
  assert.equal(d.task, 'next-token');
  assert.equal(d.outputSize, 256);
  assert.equal(d.count, Math.floor((b.length - 9) / 4) + 1);
  assert.deepEqual([...d.raw.subarray(8, 16)], [...b.subarray(4, 12)]);
  assert.deepEqual([...d.labels.subarray(8, 16)], [...b.subarray(5, 13)]);
  assert.equal(run('text', 'z'.repeat(65)).dataset.featureSize, 64, 'default context 64');
  assert.equal(run('text', 'z'.repeat(97)).dataset.count, 2, 'default stride 32');
});

test('text: defects refused with DATASET_PARSE', () => {
  assert.throws(() => run('text', ''), parseErr(/text: the file is empty/));
  assert.throws(() => run('text', 'short', { context: 8 }), parseErr(/5 bytes do not fill one window of 8/));
  assert.throws(() => run('text', new Uint8Array([0x61, 0x0a, 0x62, 0xc3, 0x28, 0x61, 0x61, 0x61, 0x61, 0x61]), { context: 4 }), parseErr(/line 2: byte 3 is not valid UTF-8/));
  assert.throws(() => run('text', new Uint8Array([0x61, 0xed, 0xa0, 0x80, 0x61, 0x61, 0x61]), { context: 4 }), parseErr(/byte 1 is not valid UTF-8/), 'a surrogate');
  assert.throws(() => run('text', 'abcdefghij', { context: 4, stride: 5 }), parseErr(/stride 5 outside 1\.\.context/));
});

test('jsonl: features and labels by field; defects name line and field', () => {
  const d = run('jsonl', '{"x":[1,2],"y":1}\n\n{"x":[3,4.5],"y":0}\n').dataset;
  assert.deepEqual([...d.features], [1, 2, 3, 4.5]);
  assert.deepEqual([...d.labels], [1, 0]);
  const r = run('jsonl', '{"f":[1],"t":[0.5,2]}\n', { task: 'regression', features: 'f', label: 't' }).dataset;
  assert.equal(r.outputSize, 2);
  assert.throws(() => run('jsonl', ''), parseErr(/jsonl: the file is empty/));
  assert.throws(() => run('jsonl', '{"x":[1],"y":0}\n{"x":[1],"y":0\n'), parseErr(/jsonl: line 2: bad JSON/));
  assert.throws(() => run('jsonl', '[1,2]\n'), parseErr(/line 1: not a JSON object/));
  assert.throws(() => run('jsonl', '{"x":[1],"y":0}\n{"x":[1,2],"y":0}\n'), parseErr(/line 2, field x: 2 features, line 1's sample has 1/));
  assert.throws(() => run('jsonl', '{"x":[1,"a"],"y":0}\n'), parseErr(/line 1, field x\[1\]: "a" is not a finite float32 number/));
  assert.throws(() => run('jsonl', '{"x":[1]}\n'), parseErr(/line 1, field y: missing/));
  assert.throws(() => run('jsonl', '{"x":[1],"y":-1}\n'), parseErr(/line 1, field y: class -1 is neither/));
});

test('npy: float32 or uint8 features with an integer label array; header, dtype and shape defects named', () => {
  const x = npy('<f4', [3, 2], f32bytes([1, 2, 3, 4, 5, 6]));
  const y = npy('<i8', [3], new Uint8Array(new BigInt64Array([2n, 0n, 1n]).buffer));
  const d = run('npy', x, { labels: y }).dataset;
  assert.deepEqual([...d.features], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...d.labels], [2, 0, 1]);
  const img = run('npy', npy('|u1', [2, 2, 2], new Uint8Array([0, 255, 1, 2, 3, 4, 5, 6])), { labels: npy('|u1', [2], new Uint8Array([0, 1])) }).dataset;
  assert.equal(img.featureKind, 'u8');
  assert.deepEqual(img.featureShape, [2, 2]);
  assert.equal(img.features[1], 1);
  assert.throws(() => run('npy', x), parseErr(/a label array is required/));
  assert.throws(() => run('npy', new Uint8Array(0), { labels: y }), parseErr(/npy: the file is empty/));
  assert.throws(() => run('npy', enc('not numpy at all'), { labels: y }), parseErr(/features, magic: not an \.npy file/));
  assert.throws(() => run('npy', npy('<f8', [3, 2], new Uint8Array(48)), { labels: y }), parseErr(/features, descr: dtype "<f8" is not supported/));
  assert.throws(() => run('npy', x.subarray(0, x.length - 4), { labels: y }), parseErr(/features, data: 20 data bytes, shape \(3, 2\) of float32 needs 24/));
  const fortran = x.slice();
  fortran.set(enc("'fortran_order': True,  "), 10 + new TextDecoder().decode(x.subarray(10, 74)).indexOf("'fortran_order'"));
  assert.throws(() => run('npy', fortran, { labels: y }), parseErr(/features, fortran_order: Fortran-order arrays are not supported/));
  assert.throws(() => run('npy', x, { labels: npy('<i4', [2], new Uint8Array(8)) }), parseErr(/labels, shape: 2 labels for 3 feature rows/));
  assert.throws(() => run('npy', npy('<f4', [1, 2], f32bytes([1, NaN])), { labels: npy('<i4', [1], new Uint8Array(4)) }), parseErr(/features, element 1 \(sample 0\): NaN is not finite/));
  assert.throws(() => run('npy', x, { labels: npy('<f4', [3], f32bytes([0, 1, 2])) }), parseErr(/class labels must be a 1-D integer array/));
});
