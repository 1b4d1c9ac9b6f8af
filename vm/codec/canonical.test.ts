import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, decodeCanonical } from './index.ts';
import { decodeTx, encodeTx, isVmError, verifyTxBytes } from '../index.ts';
import { alice, bob, transfer, TEST_CHAIN } from '../../test/helpers/chain-fixtures.ts';
import { errorMessage } from '../../primitives/index.ts';

// msgpackr caches a DataView on the input array, so byte arrays are compared by content.
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const code = (f: () => unknown): string | undefined => {
  try { f(); return undefined; } catch (e) { return isVmError(e) ? e.code : `other: ${errorMessage(e)}`; }
};

test('round trip of every value kind the model uses', () => {
  const v = [1, 0xffffffff, 5n, (1n << 64n) - 1n, new Uint8Array([1, 2, 3]), 'pol', true, false, null, [[], [7n]]];
  assert.deepEqual(decodeCanonical(encode(v as never)), v);
});

test('non-canonical encodings are rejected: widened ints, floats, wide lengths, trailing bytes', () => {
  // [5] encoded with uint8 (0xcc 05) instead of a positive fixint.
  assert.equal(code(() => decodeCanonical(Uint8Array.from([0x91, 0xcc, 0x05]))), 'CODEC_NON_CANONICAL');
  // 5n canonical is d3 + 8 bytes; cf (uint64) for a value below 2^63 is another encoding of it.
  assert.equal(code(() => decodeCanonical(Uint8Array.from([0x91, 0xcf, 0, 0, 0, 0, 0, 0, 0, 5]))), 'CODEC_NON_CANONICAL');
  // float64 1.0 where an integer is expected.
  assert.equal(code(() => decodeCanonical(Uint8Array.from([0x91, 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]))), 'CODEC_NON_CANONICAL');
  // array16 holding one element.
  assert.equal(code(() => decodeCanonical(Uint8Array.from([0xdc, 0, 1, 0x05]))), 'CODEC_NON_CANONICAL');
  // trailing garbage
  assert.equal(code(() => decodeCanonical(Uint8Array.from([0x91, 0x05, 0x00]))), 'CODEC_MALFORMED');
  // truncated
  assert.equal(code(() => decodeCanonical(Uint8Array.from([0x92, 0x05]))), 'CODEC_MALFORMED');
});

test('every single-byte mutation of a valid transaction is rejected with a typed error', () => {
  const bytes = transfer(alice, bob, 10n, 0n);
  const original = decodeTx(bytes, 512);
  assert.equal(hex(encodeTx(original)), hex(bytes));
  assert.equal(verifyTxBytes(bytes, TEST_CHAIN, 512).tx.body.nonce, 0n);
  const codes = new Set<string>();
  for (let i = 0; i < bytes.length; i++) {
    for (const delta of [1, 0x80]) {
      const m = bytes.slice();
      m[i] = (m[i]! + delta) & 0xff;
      try {
        const decoded = decodeTx(m, 512);
        // A mutation that still decodes is the canonical encoding of what it decodes to (one tx, one hash)...
        assert.equal(hex(encodeTx(decoded)), hex(m));
      } catch (e) {
        assert.ok(isVmError(e), `mutation at ${i} threw a non-typed error: ${e}`);
      }
      // ...and never passes the full stateless check.
      assert.throws(() => verifyTxBytes(m, TEST_CHAIN, 512), (e: unknown) => isVmError(e) && (codes.add(e.code), true));
    }
  }
  for (const c of ['TX_BAD_SIGNATURE', 'CODEC_NON_CANONICAL', 'TX_WRONG_CHAIN']) assert.ok(codes.has(c), `no mutation produced ${c}: ${[...codes]}`);
});

test('wrong shapes are typed TX_MALFORMED with the field named', () => {
  const bytes = transfer(alice, bob, 10n, 0n);
  const v = decodeCanonical(bytes) as unknown[];
  const body = v[1] as unknown[];
  const withSmallNonce = encode([v[0], [body[0], 3, body[2], body[3]], v[2], v[3]] as never);
  assert.throws(() => decodeTx(withSmallNonce, 512), (e: any) => e.code === 'TX_MALFORMED' && /nonce/.test(e.message));
  const badKind = encode([v[0], [body[0], body[1], body[2], [99, new Uint8Array(20), 1n]], v[2], v[3]] as never);
  assert.throws(() => decodeTx(badKind, 512), (e: any) => e.code === 'TX_MALFORMED' && /kind/.test(e.message));
  const shortKey = encode([v[0], body, new Uint8Array(31), v[3]] as never);
  assert.throws(() => decodeTx(shortKey, 512), (e: any) => e.code === 'TX_MALFORMED' && /publicKey/.test(e.message));
  assert.throws(() => decodeTx(new Uint8Array(600), 512), (e: any) => e.code === 'TX_TOO_LARGE');
});
