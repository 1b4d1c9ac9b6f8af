// Transaction and receipt roots use the ml-runtime's binary Merkle tree (one implementation for
// datasets, traces and blocks), so inclusion proofs for transactions come with it.
export { merkleRoot as orderedMerkleRoot, merkleProof, verifyMerkleProof, leafHash } from '../ml-runtime/merkle/index.ts';
