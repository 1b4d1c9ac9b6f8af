/**
 * Proposals: canonical encoding, signing bytes, signing and verification.
 *   proposal      = [height(u64), round(u32), polRound(u32) | nil, blockHash(32), block(bin), proposer(20), signature(64)]
 *   signing bytes = encode(["polchain/proposal/v1", chainId, height, round, polRound | nil, blockHash])
 * polRound -1 is encoded as nil. The block bytes are bound by blockHash (checked with the node's hashBlock).
 */
import { encode, decodeCanonical, Reader, type Encodable } from '../vm/index.ts';
import { ConsensusError } from './errors.ts';
import type { Proposal, UnsignedProposal } from './types.ts';
import { sign, errorMessage } from '../primitives/index.ts';
import { verifyConsensusSignature } from './signature-cache.ts';

export const PROPOSAL_DOMAIN = 'polchain/proposal/v1';

const pol = (p: number): number | null => (p < 0 ? null : p);

export function proposalSigningBytes(chainId: string, p: Omit<UnsignedProposal, 'block' | 'proposer'>): Uint8Array {
  return encode([PROPOSAL_DOMAIN, chainId, p.height, p.round, pol(p.polRound), p.blockHash] as Encodable[]);
}

export function encodeProposal(p: Proposal): Uint8Array {
  return encode([p.height, p.round, pol(p.polRound), p.blockHash, p.block, p.proposer, p.signature] as Encodable[]);
}

/** A proposal's first fields, height, round and polRound (nil: -1; below round), in full and compact form alike; throws on others. */
export function readProposalRound(r: Reader, what: string): { height: bigint; round: number; polRound: number } {
  const height = r.u64('height');
  const round = r.u32('round');
  const pr = r.raw();
  if (pr !== null && !(typeof pr === 'number' && Number.isInteger(pr) && pr >= 0 && pr <= 0xffffffff)) throw new Error(`${what}.polRound: expected u32 or nil`);
  const polRound = pr === null ? -1 : (pr as number);
  if (polRound >= round) throw new Error(`${what}.polRound: must be below round`);
  return { height, round, polRound };
}

export function decodeProposal(bytes: Uint8Array): Proposal {
  let v: unknown;
  try {
    v = decodeCanonical(bytes, 'proposal');
  } catch (e) {
    throw new ConsensusError('CONSENSUS_MALFORMED', errorMessage(e));
  }
  return readProposal(v);
}

/** A proposal from its decoded canonical value (decodeProposal, or a caller that decoded the bytes to tell forms apart). */
export function readProposal(v: unknown): Proposal {
  try {
    const r = Reader.of(v, 'proposal', 7, 'CODEC_MALFORMED');
    const { height, round, polRound } = readProposalRound(r, 'proposal');
    return { height, round, polRound, blockHash: r.bytes('blockHash', 32), block: r.bytes('block'), proposer: r.bytes('proposer', 20), signature: r.bytes('signature', 64) };
  } catch (e) {
    throw new ConsensusError('CONSENSUS_MALFORMED', errorMessage(e));
  }
}

export function signProposal(chainId: string, p: UnsignedProposal, seed: Uint8Array): Proposal {
  return { ...p, signature: sign(seed, proposalSigningBytes(chainId, p)) };
}

export function verifyProposalSignature(chainId: string, p: Proposal, consensusKey: Uint8Array): boolean {
  return verifyConsensusSignature(consensusKey, proposalSigningBytes(chainId, p), p.signature);
}
