import {
  checkInboundProposal, checkInboundVote, decodeProposal, decodeVote, encodeProposal, encodeVote, signVote,
  type ConsensusEvent, type InboundCheck, type InboundView, type Proposal, type Vote,
} from '../../consensus/index.ts';
import type { GossipVerdict, P2pHost } from '../p2p/index.ts';
import type { WalRecord } from './wal.ts';
import { decodeGossipedProposal, type CompactProposal } from './compact-proposal.ts';

/** A consensus message off the wire: the engine event and the WAL record that replays it. */
export interface InboundMessage {
  ev: ConsensusEvent;
  wal: WalRecord;
}

/** Decodes a gossiped (or caught-up) proposal or vote; throws on bytes that are not one. */
export function decodeConsensusMessage(kind: 'proposal' | 'vote', bytes: Uint8Array): InboundMessage {
  return kind === 'proposal'
    ? { ev: { type: 'proposal', proposal: decodeProposal(bytes) }, wal: { kind: 'proposal', bytes } }
    : { ev: { type: 'vote', vote: decodeVote(bytes) }, wal: { kind: 'vote', bytes } };
}

/**
 * The checks a proposal or vote passes before it is relayed, written to the WAL or handed to the
 * engine (consensus/inbound-checks.ts): signature, validator or proposer, height/round window, size.
 */
export function checkInboundMessage(view: InboundView, m: InboundMessage): InboundCheck {
  const ev = m.ev;
  if (ev.type === 'proposal') return checkInboundProposal(view, ev.proposal);
  if (ev.type === 'vote') return checkInboundVote(view, ev.vote);
  return { verdict: 'reject', code: 'CONSENSUS_MALFORMED', message: `not a proposal or vote: ${ev.type}` };
}

export interface GossipHandlers {
  /**
   * A proposal or vote that decoded, from peer `from`: the verdict decides whether gossipsub relays
   * it and how the peer's score moves ('reject' lowers it, repeated rejects ban the peer).
   */
  message(m: InboundMessage, from: string): GossipVerdict;
  /** A compact proposal (compact-proposal.ts): the block named by its transactions' hashes. */
  compact(c: CompactProposal, from: string): GossipVerdict;
  evidence(bytes: Uint8Array): GossipVerdict;
  tx(bytes: Uint8Array): GossipVerdict;
}

/**
 * The consensus topics (proposal, vote, evidence, tx) on the p2p host: what goes out is encoded
 * here, what comes in is decoded here and handed on.
 */
export class ConsensusGossip {
  /**
   * `equivocateSeed` is a test-only fault: with each prevote for a block, also send a conflicting
   * nil prevote signed with this seed around the double-sign guard.
   */
  constructor(
    private readonly p2p: P2pHost,
    private readonly chainId: string,
    private readonly equivocateSeed: Uint8Array | null = null,
  ) {}

  /** `maxTxs()`: the most transactions a block may hold (a compact proposal naming more is refused before it is read). */
  subscribe(h: GossipHandlers, maxTxs: () => number): Array<() => void> {
    const { p2p } = this;
    const vote = (bytes: Uint8Array, from: string): GossipVerdict => {
      let m: InboundMessage;
      try {
        m = decodeConsensusMessage('vote', bytes);
      } catch {
        return 'reject';
      }
      return h.message(m, from);
    };
    // The topic carries compact proposals; a full one (an older node's) is still taken.
    const proposal = (bytes: Uint8Array, from: string): GossipVerdict => {
      let d: ReturnType<typeof decodeGossipedProposal>;
      try {
        d = decodeGossipedProposal(bytes, maxTxs());
      } catch {
        return 'reject';
      }
      if ('compact' in d) return h.compact(d.compact, from);
      return h.message({ ev: { type: 'proposal', proposal: d.full }, wal: { kind: 'proposal', bytes } }, from);
    };
    return [
      p2p.onMessage('evidence', (bytes) => h.evidence(bytes)),
      p2p.onMessage('proposal', proposal),
      p2p.onMessage('vote', vote),
      p2p.onMessage('tx', (bytes) => h.tx(bytes)),
    ];
  }

  /** Gossips `compact` (the proposal's compact form) when given, else the whole proposal. */
  publishProposal(p: Proposal, compact?: Uint8Array | null): void {
    this.send('proposal', compact ?? encodeProposal(p));
  }

  publishVote(v: Vote): void {
    this.send('vote', encodeVote(v));
    if (this.equivocateSeed && v.type === 'prevote' && v.blockHash) {
      this.send('vote', encodeVote(signVote(this.chainId, { ...v, blockHash: null }, this.equivocateSeed)));
    }
  }

  publishEvidence(bytes: Uint8Array): void {
    this.send('evidence', bytes);
  }

  /** Gossip is best effort: a publish with no peers yet fails, and the catch-up poll covers it. */
  private send(topic: 'proposal' | 'vote' | 'evidence', bytes: Uint8Array): void {
    void this.p2p.publish(topic, bytes).catch(() => {});
  }
}
