import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTx, decodeTx, signTx } from '../../vm/index.ts';

import { requiredRanges } from '../../ml-runtime/index.ts';
import { packBySize, signedTxSize, splitRevealPayloads, type RevealItem } from './tx-split.ts';
import { SolverError } from './errors.ts';
import { sha256, leafHash, merkleRoot, verifyMerkleRange, u64be, MerkleTree } from '../../primitives/index.ts';

const chainId = 'polchain-dev';
const jobId = new Uint8Array(32).fill(0x5a);
const seed = new Uint8Array(32).fill(1);

/** Reveal items as a solver builds them: required ranges of a T-step trace with range proofs. */
function revealItems(T: number, k: number, segments: number[]): { items: RevealItem[]; root: Uint8Array } {
  const hashes = Array.from({ length: T + 1 }, (_, t) => sha256(u64be(t)));
  const tree = MerkleTree.fromLeafHashes(hashes.map(leafHash));
  const items = requiredRanges(T, k, segments).map((r) => ({ from: r.from, hashes: hashes.slice(r.from, r.to + 1), siblings: tree.rangeProof(r.from, r.to) }));
  return { items, root: merkleRoot(hashes) };
}

test('reveal transactions of a large challenge are split so each signed one is within maxTxBytes', () => {
  const T = 4096;
  const k = 64;
  const segments = Array.from({ length: 64 }, (_, i) => i); // q = 64 distinct draws: the largest reveal there is
  const { items, root } = revealItems(T, k, segments);
  assert.equal(items.length, 65);
  const maxTxBytes = 65536;
  const payloads = splitRevealPayloads(chainId, jobId, items, maxTxBytes);
  assert.ok(payloads.length >= 3, `${payloads.length} transactions`);
  // every item, once, in order
  assert.deepEqual(payloads.flatMap((p) => p.items.map((i) => i.from)), items.map((i) => i.from));
  let nonce = (1n << 63n) + 12345n; // the largest u64 form: sizes must not depend on the nonce
  for (const p of payloads) {
    const bytes = encodeTx(signTx({ chainId, nonce: nonce++, fee: 1_000_000n, payload: p }, seed));
    assert.ok(bytes.length <= maxTxBytes, `tx of ${bytes.length} bytes`);
    assert.equal(bytes.length, signedTxSize(chainId, p), 'the measured size is the signed size');
    const back = decodeTx(bytes, maxTxBytes).body.payload;
    assert.equal(back.kind, 'job-reveal');
    if (back.kind !== 'job-reveal') continue;
    for (const it of back.items) assert.ok(verifyMerkleRange(it.hashes.map(leafHash), it.from, T + 1, it.siblings, root), `item ${it.from} still proves`);
  }
  // packing is greedy: the next transaction's first item would not have fitted into the previous one
  for (let i = 0; i + 1 < payloads.length; i++) {
    const grown = { ...payloads[i]!, items: [...payloads[i]!.items, payloads[i + 1]!.items[0]!] };
    assert.ok(signedTxSize(chainId, grown) > maxTxBytes);
  }
  // a small reveal stays in one transaction
  assert.equal(splitRevealPayloads(chainId, jobId, revealItems(60, 20, [1]).items, maxTxBytes).length, 1);
});

test('a tighter limit gives more, smaller transactions; an item that cannot fit is an error', () => {
  const { items } = revealItems(1000, 20, [0, 7, 13, 49]);
  const one = signedTxSize(chainId, { kind: 'job-reveal', jobId, items: [items[1]!] });
  const limit = one + 40; // room for one segment item at a time, not two
  const payloads = splitRevealPayloads(chainId, jobId, items, limit);
  for (const p of payloads) assert.ok(signedTxSize(chainId, p) <= limit);
  assert.ok(payloads.length >= 4);
  assert.throws(() => splitRevealPayloads(chainId, jobId, items, one - 1), (e: unknown) => e instanceof SolverError && e.code === 'SOLVER_TX_TOO_LARGE');
});

test('packBySize keeps order and fills batches greedily', () => {
  const sizes = [3, 4, 2, 5, 1, 1, 6];
  const batches = packBySize(sizes, (b) => b.reduce((a, x) => a + x, 0), 7);
  assert.deepEqual(batches, [[3, 4], [2, 5], [1, 1], [6]]);
  assert.deepEqual(packBySize([], () => 0, 1), []);
  assert.throws(() => packBySize([2, 9], (b) => b.reduce((a, x) => a + x, 0), 7), /item 1 alone needs 9 bytes/);
});
