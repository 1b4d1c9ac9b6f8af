import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MerkleError, MerkleTree, leafHash, merkleProof, merkleRangeProof, merkleRootFromLeafHashes, u64be } from '../index.ts';

test('MerkleTree gives the roots, single proofs and range proofs of merkle.ts for every size up to 40', () => {
  for (let n = 1; n <= 40; n++) {
    const leaves = Array.from({ length: n }, (_, i) => leafHash(u64be(i)));
    const tree = MerkleTree.fromLeafHashes(leaves);
    assert.deepEqual(tree.root, merkleRootFromLeafHashes(leaves), `root n=${n}`);
    for (let i = 0; i < n; i++) {
      assert.deepEqual(tree.proof(i), merkleProof(leaves, i).siblings, `proof ${i}/${n}`);
      assert.deepEqual(tree.leaf(i), leaves[i]);
      for (let j = i; j < n; j += 3) assert.deepEqual(tree.rangeProof(i, j), merkleRangeProof(leaves, i, j), `range ${i}..${j}/${n}`);
    }
    assert.throws(() => tree.proof(n), (e: unknown) => e instanceof MerkleError && e.code === 'MERKLE_INVALID');
  }
});
