import { equalBytes } from '../../primitives/index.ts';
import type { GossipVerdict, P2pHost } from '../p2p/index.ts';
import { requestCatchup } from './catchup.ts';
import type { CompactProposal } from './compact-proposal.ts';
import type { InboundMessage } from './gossip.ts';

/** A compact proposal this node cannot rebuild: the full one is asked of the peer that sent it, then of every peer, this many times. */
const FETCH_ATTEMPTS = 3;

export interface ProposalFetchOptions {
  p2p: P2pHost;
  /** The height the engine is deciding. */
  height: () => bigint;
  /** The driver's path for catch-up's answers: decoded (null if not), checked and queued like gossip. */
  deliver: (kind: 'proposal' | 'vote', bytes: Uint8Array) => { m: InboundMessage; verdict: GossipVerdict } | null;
}

/**
 * Completes compact proposals that name transactions this node lacks: asks the peer that sent one
 * for the full proposal (catch-up's request, answered with what its engine holds for the height),
 * then every peer, three times, 50-150 ms apart. Block sync's stall poll remains behind this.
 */
export class ProposalFetcher {
  /** Heights and rounds whose full proposal is being fetched. */
  private readonly inFlight = new Set<string>();
  private stopped = false;
  /** Full proposals obtained this way. */
  fetched = 0;

  constructor(private readonly o: ProposalFetchOptions) {}

  stop(): void {
    this.stopped = true;
  }

  /** Starts fetching `c`'s full proposal unless one is under way for its height and round (a second compact proposal for a round is an equivocating proposer's). */
  fetch(c: CompactProposal, from: string): void {
    const key = `${c.height}/${c.round}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    let got = false;
    const done = () => got || this.stopped || this.o.height() !== c.height;
    const deliver = (kind: 'proposal' | 'vote', bytes: Uint8Array) => {
      const r = this.o.deliver(kind, bytes);
      const ev = r?.m.ev;
      if (r?.verdict === 'accept' && ev?.type === 'proposal' && ev.proposal.round === c.round && equalBytes(ev.proposal.blockHash, c.blockHash)) got = true;
    };
    void (async () => {
      try {
        for (let attempt = 0; attempt < FETCH_ATTEMPTS && !done(); attempt++) {
          const peers = attempt === 0 ? [from] : this.o.p2p.peers().map((p) => p.peerId);
          for (const peer of peers) {
            await requestCatchup(this.o.p2p, peer, c.height, deliver);
            if (done()) break;
          }
          if (!done()) await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
        }
        if (got) this.fetched++;
      } finally {
        this.inFlight.delete(key);
      }
    })();
  }
}
