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
}

export interface Block {
  header: BlockHeader;
  txs: Uint8Array[]; // canonical encodings of signed transactions, in execution order
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
