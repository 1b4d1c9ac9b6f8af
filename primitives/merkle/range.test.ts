import { test } from 'node:test';
import assert from 'node:assert/strict';
import { merkleRangeProof, verifyMerkleRange, merkleRoot, merkleRootFromLeafHashes, merkleProof, leafHash } from './index.ts';
import { sha256 } from '../sha256.ts';
import { MerkleError } from '../errors.ts';

const items = (n: number) => Array.from({ length: n }, (_, i) => new Uint8Array([i, (i * 13) & 255, 7]));
const flip = (b: Uint8Array): Uint8Array => { const c = b.slice(); c[0]! ^= 1; return c; };

test('every range of every tree size 1..40 verifies against merkleRoot, and tampering fails (every kind checked up to 20 leaves)', () => {
  for (let n = 1; n <= 40; n++) {
    const leaves = items(n).map(leafHash);
    const root = merkleRoot(items(n));
    const biggerRoot = merkleRootFromLeafHashes([...leaves, leaves[0]!]);
    for (let from = 0; from < n; from++) {
      for (let to = from; to < n; to++) {
        const range = leaves.slice(from, to + 1);
        const sib = merkleRangeProof(leaves, from, to);
        const at = `n=${n} ${from}..${to}`;
        assert.ok(verifyMerkleRange(range, from, n, sib, root), at);
        assert.ok(!verifyMerkleRange(range, from, n, [...sib, leaves[0]!], root), `extra sibling ${at}`);
        if (sib.length) {
          assert.ok(!verifyMerkleRange(range, from, n, sib.slice(0, -1), root), `missing sibling ${at}`);
          assert.ok(!verifyMerkleRange(range, from, n, [flip(sib[0]!), ...sib.slice(1)], root), `tampered sibling ${at}`);
          if (n <= 20 && sib.length > 1) assert.ok(!verifyMerkleRange(range, from, n, [...sib].reverse(), root) || sib.every((s) => s === sib[0]), `reordered ${at}`);
        }
        const bad = range.slice();
        bad[bad.length - 1] = flip(bad[bad.length - 1]!);
        assert.ok(!verifyMerkleRange(bad, from, n, sib, root), `tampered leaf ${at}`);
        if (n > 1 && n <= 20) {
          assert.ok(!verifyMerkleRange(range, from, n + 1, sib, biggerRoot), `wrong count ${at}`);
          if (to + 1 < n) assert.ok(!verifyMerkleRange(range, from + 1, n, sib, root), `shifted ${at}`);
          if (to > from) assert.ok(!verifyMerkleRange(range.slice(1), from + 1, n, sib, root), `shorter range, same proof ${at}`);
        }
        if (n <= 20) assert.ok(!verifyMerkleRange(range, from, n, sib, flip(root)), `wrong root ${at}`);
      }
    }
  }
});

test('a single-leaf range proof is the ordinary inclusion proof and verifies against merkleRoot() (the trace-root rule)', () => {
  const hashes = Array.from({ length: 13 }, (_, i) => sha256(new Uint8Array([i])));
  const root = merkleRoot(hashes);
  const leaves = hashes.map(leafHash);
  for (let t = 0; t < hashes.length; t++) {
    const sib = merkleRangeProof(leaves, t, t);
    assert.deepEqual(sib, merkleProof(leaves, t).siblings);
    assert.ok(verifyMerkleRange([leafHash(hashes[t]!)], t, hashes.length, sib, root));
    assert.ok(!verifyMerkleRange([hashes[t]!], t, hashes.length, sib, root), 'raw step hash is not the leaf hash');
  }
});

test('malformed input is rejected without throwing', () => {
  const leaves = items(6).map(leafHash);
  const root = merkleRootFromLeafHashes(leaves);
  const sib = merkleRangeProof(leaves, 1, 3);
  const cases: Array<[string, () => boolean]> = [
    ['empty range', () => verifyMerkleRange([], 1, 6, sib, root)],
    ['range past count', () => verifyMerkleRange(leaves.slice(1, 4), 4, 6, sib, root)],
    ['negative from', () => verifyMerkleRange(leaves.slice(1, 4), -1, 6, sib, root)],
    ['fractional from', () => verifyMerkleRange(leaves.slice(1, 4), 1.5, 6, sib, root)],
    ['zero count', () => verifyMerkleRange(leaves.slice(1, 4), 1, 0, sib, root)],
    ['short leaf', () => verifyMerkleRange([leaves[1]!.subarray(1), leaves[2]!, leaves[3]!], 1, 6, sib, root)],
    ['short sibling', () => verifyMerkleRange(leaves.slice(1, 4), 1, 6, [sib[0]!.subarray(0, 31), ...sib.slice(1)], root)],
    ['short root', () => verifyMerkleRange(leaves.slice(1, 4), 1, 6, sib, root.subarray(1))],
    ['not arrays', () => verifyMerkleRange(null as unknown as Uint8Array[], 1, 6, undefined as unknown as Uint8Array[], root)],
    ['non-bytes sibling', () => verifyMerkleRange(leaves.slice(1, 4), 1, 6, ['x' as unknown as Uint8Array], root)],
  ];
  for (const [what, f] of cases) assert.equal(f(), false, what);
  assert.equal(verifyMerkleRange(leaves.slice(1, 4), 1, 6, sib, root), true);
  assert.throws(() => merkleRangeProof(leaves, 3, 2), (e: unknown) => e instanceof MerkleError && e.code === 'MERKLE_INVALID');
  assert.throws(() => merkleRangeProof(leaves, 0, 6), (e: unknown) => e instanceof MerkleError && e.code === 'MERKLE_INVALID');
});
