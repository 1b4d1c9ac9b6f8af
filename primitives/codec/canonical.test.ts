import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, withEncoding, decodeCanonical, type Encodable } from './canonical.ts';
import { CodecError } from '../errors.ts';

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const sample: Encodable = [1, 0xffffffff, 5n, (1n << 64n) - 1n, new Uint8Array([1, 2, 3]), 'pol', true, null, [new Uint8Array(40).fill(7), [9n]]];

test('a decoded value does not change when a later encode reuses the scratch buffer', () => {
  const bytes = encode(sample);
  const v = decodeCanonical(bytes) as unknown[];
  const before = hex(encode(v as Encodable));
  // overwrite msgpackr's scratch with other, longer content, both by encode and by withEncoding
  encode([new Uint8Array(300).fill(0xee), 'x'.repeat(200), 123n]);
  withEncoding([new Uint8Array(500).fill(0xdd)], (b) => b.length);
  decodeCanonical(encode([new Uint8Array(64).fill(0xcc)]));
  assert.equal(hex(encode(v as Encodable)), before);
  assert.deepEqual(v, sample);
});

test('withEncoding lends the same bytes encode returns, and encode owns its copy', () => {
  const own = encode(sample);
  assert.equal(withEncoding(sample, hex), hex(own));
  encode([new Uint8Array(100).fill(1)]);
  assert.equal(hex(own), withEncoding(sample, hex)); // the copy survived a later encode
});

test('byte strings come back as plain Uint8Array views of the input, even from a Buffer', () => {
  const buf = Buffer.from(encode(sample));
  const v = decodeCanonical(buf) as unknown[];
  const bin = v[4] as Uint8Array;
  assert.equal(bin.constructor, Uint8Array);
  assert.equal(((v[8] as unknown[])[0] as Uint8Array).constructor, Uint8Array);
  assert.equal(bin.buffer, buf.buffer); // a view, not a copy
  assert.deepEqual([...bin], [1, 2, 3]);
});

test('decoding leaves no cached DataView on the caller\'s array (a mempool keeps these bytes)', () => {
  const bytes = encode(sample);
  decodeCanonical(bytes);
  assert.equal(Object.keys(bytes).length, bytes.length); // only the indices: no added property
  assert.equal('dataView' in bytes, false);
});

test('the non-copying compare still rejects non-canonical and malformed input', () => {
  const code = (b: number[]) => { try { decodeCanonical(Uint8Array.from(b)); return 'ok'; } catch (e) { return e instanceof CodecError ? e.code : 'other'; } };
  assert.equal(code([0x91, 0xcc, 0x05]), 'CODEC_NON_CANONICAL'); // uint8 where a fixint is canonical
  assert.equal(code([0xdc, 0, 1, 0x05]), 'CODEC_NON_CANONICAL'); // array16 of one
  assert.equal(code([0x91, 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]), 'CODEC_NON_CANONICAL'); // float
  assert.equal(code([0x91, 0x05, 0x00]), 'CODEC_MALFORMED');
  // a canonical prefix of a longer scratch content is still compared by length
  encode([new Uint8Array(300).fill(0x91)]);
  assert.equal(code([0x92, 0x05]), 'CODEC_MALFORMED');
  assert.equal(code([0x91, 0x05]), 'ok');
});
