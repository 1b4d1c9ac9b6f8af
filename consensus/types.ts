/** Message types of the BFT protocol. Heights are bigint (u64), rounds are small integers (u32). */

export type VoteType = 'prevote' | 'precommit';
/** Numeric tags that go into the signed encoding: never renumber. */
export const VOTE_TYPE_TAG: Record<VoteType, number> = { prevote: 1, precommit: 2 };

export interface Vote {
  type: VoteType;
  height: bigint;
  round: number;
  blockHash: Uint8Array | null; // null = nil
  validator: Uint8Array; // 20-byte validator address
  signature: Uint8Array; // 64-byte ed25519 over voteSigningBytes
}

export type UnsignedVote = Omit<Vote, 'signature'>;

export interface Proposal {
  height: bigint;
  round: number;
  polRound: number; // -1, or the round of the proof-of-lock (2f+1 prevotes) for this block
  blockHash: Uint8Array; // 32 bytes; must equal the node's hashBlock(block)
  block: Uint8Array; // the complete block bytes
  proposer: Uint8Array; // 20-byte address
  signature: Uint8Array; // 64-byte ed25519 over proposalSigningBytes
}

export type UnsignedProposal = Omit<Proposal, 'signature'>;

export interface CommitSig {
  validator: Uint8Array;
  signature: Uint8Array; // a precommit signature (voteSigningBytes of the precommit)
}

/** +2/3 of precommits for one block at one round; carried in the next block as its "last commit". */
export interface Commit {
  height: bigint;
  round: number;
  blockHash: Uint8Array;
  signatures: CommitSig[]; // sorted by validator address, no duplicates
}

/** Two conflicting signed votes by one validator for the same (height, round, type). */
export interface DuplicateVoteEvidence {
  voteA: Vote;
  voteB: Vote; // encodeVote(voteA) < encodeVote(voteB) bytewise: one canonical form per pair
}
