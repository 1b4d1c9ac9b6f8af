/**
 * Votes: canonical encoding, signing bytes, signing and verification.
 *   vote          = [typeTag(1 prevote | 2 precommit), height(u64), round(u32), blockHash(32) | nil, validator(20), signature(64)]
 *   signing bytes = encode(["polchain/vote/v1", chainId, typeTag, height, round, blockHash | nil])
 */
import { encode, decodeCanonical, Reader, type Encodable } from '../vm/index.ts';
import { ConsensusError } from './errors.ts';
import { VOTE_TYPE_TAG, type UnsignedVote, type Vote, type VoteType } from './types.ts';
import { sign, errorMessage } from '../primitives/index.ts';
import { verifyConsensusSignature } from './signature-cache.ts';

export const VOTE_DOMAIN = 'polchain/vote/v1';

export function voteSigningBytes(chainId: string, v: Omit<UnsignedVote, 'validator'>): Uint8Array {
  return encode([VOTE_DOMAIN, chainId, VOTE_TYPE_TAG[v.type], v.height, v.round, v.blockHash] as Encodable[]);
}

export function encodeVote(v: Vote): Uint8Array {
  return encode([VOTE_TYPE_TAG[v.type], v.height, v.round, v.blockHash, v.validator, v.signature] as Encodable[]);
}

export function readVote(value: unknown, what = 'vote'): Vote {
  let tag: number, height: bigint, round: number, blockHash: Uint8Array | null, validator: Uint8Array, signature: Uint8Array;
  try {
    const r = Reader.of(value, what, 6, 'CODEC_MALFORMED');
    tag = r.u32('type');
    height = r.u64('height');
    round = r.u32('round');
    const h = r.raw();
    if (h !== null && !(h instanceof Uint8Array && h.length === 32)) throw new Error(`${what}.blockHash: expected 32 bytes or nil`);
    blockHash = h;
    validator = r.bytes('validator', 20);
    signature = r.bytes('signature', 64);
  } catch (e) {
    throw new ConsensusError('CONSENSUS_MALFORMED', errorMessage(e));
  }
  const type: VoteType | undefined = tag === 1 ? 'prevote' : tag === 2 ? 'precommit' : undefined;
  if (!type) throw new ConsensusError('CONSENSUS_MALFORMED', `${what}.type: unknown vote type ${tag}`);
  return { type, height, round, blockHash, validator, signature };
}

export function decodeVote(bytes: Uint8Array): Vote {
  let v: unknown;
  try {
    v = decodeCanonical(bytes, 'vote');
  } catch (e) {
    throw new ConsensusError('CONSENSUS_MALFORMED', errorMessage(e));
  }
  return readVote(v);
}

/** Signs with the validator's ed25519 seed (tests and tools; the node signs through a guarded Signer). */
export function signVote(chainId: string, v: UnsignedVote, seed: Uint8Array): Vote {
  return { ...v, signature: sign(seed, voteSigningBytes(chainId, v)) };
}

export function verifyVoteSignature(chainId: string, v: Vote, consensusKey: Uint8Array): boolean {
  return verifyConsensusSignature(consensusKey, voteSigningBytes(chainId, v), v.signature);
}
