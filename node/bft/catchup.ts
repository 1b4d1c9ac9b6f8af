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
  for (const peer of p2p.peers()) await requestCatchup(p2p, peer.peerId, height, deliver);
}

/** Asks one peer for `height`; false when it did not answer (the caller's next tick tries again). */
export async function requestCatchup(
  p2p: P2pHost, peerId: string, height: bigint, deliver: (kind: 'proposal' | 'vote', bytes: Uint8Array) => void,
): Promise<boolean> {
  let props: Uint8Array[], votes: Uint8Array[];
  try {
    const res = await p2p.request(peerId, CATCHUP_PROTOCOL, encode([height]), { timeoutMs: 2000, maxResponseBytes: 8 << 20 });
    [props, votes] = decodeCanonical(res, 'catchup response') as [Uint8Array[], Uint8Array[]];
    if (!Array.isArray(props) || !Array.isArray(votes)) return false;
  } catch {
    return false; // an unreachable or slow peer
  }
  for (const p of props) if (p instanceof Uint8Array) deliver('proposal', p);
  for (const v of votes) if (v instanceof Uint8Array) deliver('vote', v);
  return true;
}
