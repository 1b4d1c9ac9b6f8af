// State pieces must each fit the chain's transaction size exactly as signed, at every offset: a piece
// one byte too large is a move the chain refuses, and a party that cannot supply state_t loses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signedSize, statePieces } from './dispute-moves.ts';
import { concatBytes } from '../../primitives/index.ts';

test('state pieces each fit maxTxBytes as signed, in order, and put back together give the state', () => {
  const jobId = new Uint8Array(32).fill(7);
  for (const [bytes, max] of [[305_464, 131_072], [305_464, 65_536], [163_384, 131_072], [676, 700], [70_000, 4_096]] as const) {
    const state = new Uint8Array(bytes).map((_, i) => i % 251);
    const pieces = statePieces('polchain-dev-0a0b0c0d', jobId, 3, state, max);
    let offset = 0;
    for (const p of pieces) {
      assert.equal(p.offset, offset, 'pieces follow each other');
      assert.equal(p.total, bytes);
      const size = signedSize('polchain-dev-0a0b0c0d', p);
      assert.ok(size <= max, `a piece at offset ${p.offset} signs to ${size} bytes, over ${max}`);
      offset += p.bytes.length;
    }
    assert.deepEqual(concatBytes(...pieces.map((p) => p.bytes)), state);
    // no more pieces than needed: all but the last are within 16 bytes of the limit
    for (const p of pieces.slice(0, -1)) assert.ok(signedSize('polchain-dev-0a0b0c0d', p) > max - 16, 'pieces are as large as they can be');
  }
});
