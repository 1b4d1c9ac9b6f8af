export interface BlockHeader {
  version: number;
  chainId: string;
  height: bigint;
  timestampMs: bigint; // proposer's clock; must exceed the parent's
  prevHash: Uint8Array; // 32 bytes; zero for height 1's parent when it is genesis
  txRoot: Uint8Array; // binary Merkle root over transaction hashes
  stateRoot: Uint8Array; // sparse Merkle root of the state after this block
  receiptsRoot: Uint8Array; // binary Merkle root over receipt hashes
  proposer: Uint8Array; // 20-byte address of the proposing validator
  lastCommitHash: Uint8Array; // SHA-256 of the body's lastCommit bytes; 32 zero bytes when it is nil
  evidenceHash: Uint8Array; // binary Merkle root over SHA-256 of each evidence item
  validatorsHash: Uint8Array; // validatorsHash() of the active set before this block (the set that votes on it)
  beacon: Uint8Array; // randomness beacon after this block: SHA-256(previous beacon || beaconSig)
}

export interface Block {
  header: BlockHeader;
  txs: Uint8Array[]; // canonical encodings of signed transactions, in execution order
  /** Consensus's commit of the previous block (opaque to the vm); null at height 1 and in solo mode. */
  lastCommit: Uint8Array | null;
  /** Consensus evidence items (opaque to the vm; judged by ConsensusHooks.evidenceOffender). */
  evidence: Uint8Array[];
  /** The proposer's 96-byte BLS signature over (chainId, height, previous beacon). */
  beaconSig: Uint8Array;
}

/** Signatures that finalised a block. Single-validator today; the BFT commit later extends it. */
export interface Commit {
  height: bigint;
  blockHash: Uint8Array;
  signatures: CommitSig[];
}

export interface CommitSig {
  validator: Uint8Array; // 20-byte address
  signature: Uint8Array; // ed25519 over commitSigningBytes
}
