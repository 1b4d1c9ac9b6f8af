export { EMPTY_ROOT, leafHash, innerHash, merkleRoot, merkleRootFromLeafHashes, merkleProof, verifyMerkleProof } from './merkle.ts';
export type { MerkleProof } from './merkle.ts';
export { merkleRangeProof, verifyMerkleRange } from './range.ts';
export { MerkleTree } from './tree.ts';
