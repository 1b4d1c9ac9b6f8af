import { decodeCanonical, encode } from '../../vm/index.ts';
import { encodeProposal, encodeVote, type ConsensusState } from '../../consensus/index.ts';
import type { P2pHost } from '../p2p/index.ts';

/**
 * Catch-up: a node that missed gossip of the height in progress asks its peers for the proposal
 * and votes they hold for it, and replays them as if gossiped.
 */
export const CATCHUP_PROTOCOL = 'cs-catchup';

/** Answers with the proposals and votes held for the asked height (none when this node is elsewhere). */
export function serveCatchup(cs: ConsensusState | undefined, req: Uint8Array): Uint8Array {
  const [height] = decodeCanonical(req, 'catchup request') as [bigint];
  if (typeof height !== 'bigint' || !cs || height !== cs.height) return encode([[], []]);
  return encode([cs.heldProposals().map(encodeProposal), cs.heldVotes().map(encodeVote)]);
}

/** Asks every peer for `height`; hands each returned proposal and vote to `deliver`. */
export async function pollCatchup(
  p2p: P2pHost, height: bigint, deliver: (kind: 'proposal' | 'vote', bytes: Uint8Array) => void,
): Promise<void> {
  for (const peer of p2p.peers()) {
    try {
      const res = await p2p.request(peer.peerId, CATCHUP_PROTOCOL, encode([height]), { timeoutMs: 2000, maxResponseBytes: 8 << 20 });
      const [props, votes] = decodeCanonical(res, 'catchup response') as [Uint8Array[], Uint8Array[]];
      for (const p of props) deliver('proposal', p);
      for (const v of votes) deliver('vote', v);
    } catch {
      // an unreachable or slow peer: the next tick tries again
    }
  }
}
