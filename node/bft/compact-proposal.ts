import { Reader, decodeBlock, decodeCanonical, encode, encodeBlock, type Block, type Encodable } from '../../vm/index.ts';
import { ConsensusError, readProposal, readProposalRound, type Proposal } from '../../consensus/index.ts';
import { bytesToHex, errorMessage } from '../../primitives/index.ts';

/**
 * Compact proposals: what a proposer gossips instead of the whole block. Its transactions already
 * reached the other validators on the `tx` topic, so the proposal names them by hash and each
 * receiver rebuilds the block from its mempool (the idea of Bitcoin's BIP 152 compact blocks).
 *
 *   compact = [height(u64), round(u32), polRound(u32) | nil, blockHash(32), skeleton(bin), txHashes(bin), proposer(20), signature(64)]
 *
 * `skeleton` is the block's encoding with an empty transaction list; `txHashes` the SHA-256 of each
 * transaction's bytes, 32 bytes each, in block order. The signature is the proposal's own (it signs
 * height, round, polRound and blockHash, not the block bytes), so a compact proposal and the full
 * one carry the same signature, and the rebuilt block is exactly the proposer's: a canonical
 * encoding of the same header, transaction bytes, last commit, evidence and beacon signature. A
 * receiver missing a transaction fetches the full proposal from a peer (catch-up); the WAL and
 * catch-up keep carrying full proposals (7 fields), so replay never needs the mempool.
 */
export interface CompactProposal {
  height: bigint;
  round: number;
  polRound: number;
  blockHash: Uint8Array;
  /** Encoding of the block with no transactions. */
  skeletonBytes: Uint8Array;
  skeleton: Block;
  txHashes: Uint8Array[];
  proposer: Uint8Array;
  signature: Uint8Array;
}

export const COMPACT_PROPOSAL_FIELDS = 8;

const pol = (p: number): number | null => (p < 0 ? null : p);

/** The compact form of a proposal whose block is `block` (decoded from `p.block`), with its transactions' hashes in block order. */
export function encodeCompactProposal(p: Proposal, block: Block, txHashes: readonly Uint8Array[]): Uint8Array {
  const hashes = new Uint8Array(32 * txHashes.length);
  txHashes.forEach((h, i) => hashes.set(h, 32 * i));
  const skeleton = encodeBlock({ ...block, txs: [] });
  return encode([p.height, p.round, pol(p.polRound), p.blockHash, skeleton, hashes, p.proposer, p.signature] as Encodable[]);
}

/**
 * Decodes a compact proposal; throws CONSENSUS_MALFORMED on anything else, on a skeleton that is
 * not a block without transactions, or on more than `maxTxs` hashes (checked before any is read).
 */
export function decodeCompactProposal(v: unknown, maxTxs: number): CompactProposal {
  try {
    const r = Reader.of(v, 'compact proposal', COMPACT_PROPOSAL_FIELDS, 'CODEC_MALFORMED');
    const { height, round, polRound } = readProposalRound(r, 'compact proposal');
    const blockHash = r.bytes('blockHash', 32);
    const skeletonBytes = r.bytes('skeleton');
    const hashes = r.bytes('txHashes');
    if (hashes.length % 32 !== 0) throw new Error(`compact proposal.txHashes: ${hashes.length} bytes is not a whole number of 32-byte hashes`);
    if (hashes.length / 32 > maxTxs) throw new Error(`compact proposal.txHashes: ${hashes.length / 32} transactions; a block holds at most ${maxTxs}`);
    const proposer = r.bytes('proposer', 20);
    const signature = r.bytes('signature', 64);
    const skeleton = decodeBlock(skeletonBytes);
    if (skeleton.txs.length !== 0) throw new Error('compact proposal.skeleton: must carry no transactions');
    const txHashes = Array.from({ length: hashes.length / 32 }, (_, i) => hashes.subarray(32 * i, 32 * i + 32));
    return { height, round, polRound, blockHash, skeletonBytes, skeleton, txHashes, proposer, signature };
  } catch (e) {
    throw new ConsensusError('CONSENSUS_MALFORMED', errorMessage(e));
  }
}

/** The compact proposal with its skeleton as block: enough for the signature, proposer and header-hash checks. */
export function skeletonProposal(c: CompactProposal): Proposal {
  return { height: c.height, round: c.round, polRound: c.polRound, blockHash: c.blockHash, block: c.skeletonBytes, proposer: c.proposer, signature: c.signature };
}

/**
 * Rebuilds the full proposal from transactions this node holds: `lookup` returns the bytes whose
 * SHA-256 is the given hex hash (the mempool keys its entries so), so the rebuilt block is the
 * proposer's byte for byte. Returns the hashes it lacks instead when any is missing.
 */
export function rebuildProposal(
  c: CompactProposal, lookup: (hashHex: string) => Uint8Array | undefined,
): { proposal: Proposal; block: Block } | { missing: Uint8Array[] } {
  const txs: Uint8Array[] = [];
  const missing: Uint8Array[] = [];
  for (const h of c.txHashes) {
    const tx = lookup(bytesToHex(h));
    if (tx) txs.push(tx);
    else missing.push(h);
  }
  if (missing.length > 0) return { missing };
  const block: Block = { ...c.skeleton, txs };
  return { proposal: { ...skeletonProposal(c), block: encodeBlock(block) }, block };
}

/** A gossiped proposal in either form, with one canonical decode: full (7 fields) or compact (8). */
export function decodeGossipedProposal(bytes: Uint8Array, maxTxs: number): { full: Proposal } | { compact: CompactProposal } {
  let v: unknown;
  try {
    v = decodeCanonical(bytes, 'proposal');
  } catch (e) {
    throw new ConsensusError('CONSENSUS_MALFORMED', errorMessage(e));
  }
  if (Array.isArray(v) && v.length === COMPACT_PROPOSAL_FIELDS) return { compact: decodeCompactProposal(v, maxTxs) };
  return { full: readProposal(v) };
}
