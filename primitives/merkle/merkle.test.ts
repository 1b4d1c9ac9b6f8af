import { test } from 'node:test';
import assert from 'node:assert/strict';
import { merkleRoot, merkleRootFromLeafHashes, merkleProof, verifyMerkleProof, leafHash, innerHash, EMPTY_ROOT } from './index.ts';
import { sha256 } from '../sha256.ts';
import { bytesToHex } from '../bytes.ts';
import { MerkleError } from '../errors.ts';

const items = (n: number) => Array.from({ length: n }, (_, i) => new Uint8Array([i, i * 7 & 255, 3]));

test('leaf and inner hashes are domain separated', () => {
  const d = new Uint8Array([1, 2, 3]);
  assert.deepEqual(leafHash(d), sha256(new Uint8Array([0]), d));
  assert.deepEqual(innerHash(leafHash(d), leafHash(d)), sha256(new Uint8Array([1]), leafHash(d), leafHash(d)));
  assert.notDeepEqual(leafHash(d), sha256(d));
  assert.deepEqual(EMPTY_ROOT, sha256(new Uint8Array([2])));
  assert.deepEqual(merkleRoot([]), EMPTY_ROOT);
});

test('odd-node rule: the last node of an odd level is promoted, not duplicated', () => {
  const [a, b, c] = items(3).map(leafHash) as [Uint8Array, Uint8Array, Uint8Array];
  assert.deepEqual(merkleRootFromLeafHashes([a, b, c]), innerHash(innerHash(a, b), c));
  assert.notDeepEqual(merkleRootFromLeafHashes([a, b, c]), merkleRootFromLeafHashes([a, b, c, c]));
  assert.deepEqual(merkleRootFromLeafHashes([a]), a);
});

test('golden root of 5 fixed leaves', () => {
  assert.equal(bytesToHex(merkleRoot(items(5))), bytesToHex(innerHash(innerHash(innerHash(leafHash(items(5)[0]!), leafHash(items(5)[1]!)), innerHash(leafHash(items(5)[2]!), leafHash(items(5)[3]!))), leafHash(items(5)[4]!))));
});

test('every proof verifies for sizes 1..17, and fails when anything is changed', () => {
  for (let n = 1; n <= 17; n++) {
    const leaves = items(n).map(leafHash);
    const root = merkleRootFromLeafHashes(leaves);
    for (let i = 0; i < n; i++) {
      const p = merkleProof(leaves, i);
      assert.ok(verifyMerkleProof(leaves[i]!, p, root), `n=${n} i=${i}`);
      const other = leaves[(i + 1) % n]!;
      if (n > 1) assert.ok(!verifyMerkleProof(other, p, root), `wrong leaf n=${n} i=${i}`);
      if (n > 1) assert.ok(!verifyMerkleProof(leaves[i]!, { ...p, index: (i + 1) % n }, root) || (i + 1) % n === i, `wrong index n=${n} i=${i}`);
      assert.ok(!verifyMerkleProof(leaves[i]!, { ...p, siblings: [...p.siblings, leaves[0]!] }, root), 'extra sibling');
      if (p.siblings.length) {
        const bad = p.siblings.map((s) => s.slice());
        bad[0]![0] ^= 1;
        assert.ok(!verifyMerkleProof(leaves[i]!, { ...p, siblings: bad }, root), 'tampered sibling');
      }
    }
  }
});

test('bad inputs raise MERKLE_INVALID', () => {
  assert.throws(() => merkleProof([leafHash(new Uint8Array(1))], 1), (e: unknown) => e instanceof MerkleError && e.code === 'MERKLE_INVALID' && /out of range/.test(e.message));
  assert.throws(() => merkleRootFromLeafHashes([new Uint8Array(31)]), (e: unknown) => e instanceof MerkleError && /32 bytes/.test(e.message));
});

test('leaf and inner hashes equal the streamed definition at every size around the scratch buffer, and own their bytes', () => {
  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
  const held: Array<[Uint8Array, Uint8Array]> = [];
  for (const n of [0, 1, 31, 32, 33, 64, 4094, 4095, 4096, 4097, 10_000]) {
    const d = bytes(n, n);
    const want = sha256(new Uint8Array([0]), d);
    const got = leafHash(d);
    assert.equal(bytesToHex(got), bytesToHex(want), `leaf of ${n} bytes`);
    held.push([got, want]);
    const [l, r] = [bytes(n, 1), bytes(n === 0 ? 0 : n - 1, 2)];
    const inner = innerHash(l, r);
    assert.equal(bytesToHex(inner), bytesToHex(sha256(new Uint8Array([1]), l, r)), `inner of ${n} + ${r.length} bytes`);
    held.push([inner, sha256(new Uint8Array([1]), l, r)]);
  }
  // a later hash must not overwrite an earlier result (no view into shared scratch memory)
  for (const [got, want] of held) assert.equal(bytesToHex(got), bytesToHex(want));
});
