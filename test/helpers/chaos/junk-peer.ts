// A hostile gossip peer of the chaos driver's own: a real libp2p host (the node's p2p layer, so it
// speaks the chain's status protocol and is not hung up on as a foreign node) that dials every
// validator, joins the four gossip topics and publishes junk: random bytes on every topic, copies of
// real votes and proposals with a flipped byte (bad signatures, broken encodings), votes over the
// vote size cap and near-4 MiB proposals. Validators are expected to ban it; after 5 bursts that
// reached no validator it comes back under a fresh peer id. It asserts nothing about how validators
// judge its messages: the driver checks only the chain's invariants.
import { randomBytes } from 'node:crypto';
import { createP2pHost, GOSSIP_HARD_MAX_BYTES, GOSSIP_TOPICS, type GossipTopic, type P2pHost } from '../../../node/p2p/index.ts';

const KiB = 1024;

export interface JunkStats {
  published: number;
  /** publishes that went out to at least one validator */
  delivered: number;
  oversized: number; mutated: number; identities: number; failed: number;
}

export class JunkPeer {
  readonly stats: JunkStats = { published: 0, delivered: 0, oversized: 0, mutated: 0, identities: 0, failed: 0 };
  private host: P2pHost | null = null;
  private readonly captured: Record<'vote' | 'proposal', Uint8Array[]> = { vote: [], proposal: [] };
  private tick = 0;
  private lonelyTicks = 0;

  constructor(private readonly chainId: string, private readonly validators: string[]) {}

  private async connect(): Promise<void> {
    await this.host?.stop().catch(() => undefined);
    this.host = await createP2pHost({
      chainId: this.chainId, bootstrap: this.validators, heartbeatMs: 200, redialMs: 1000,
      // our own caps must let the junk out; the validators' caps are what is being tested
      topicMaxBytes: { tx: GOSSIP_HARD_MAX_BYTES, vote: 64 * KiB, evidence: GOSSIP_HARD_MAX_BYTES, proposal: GOSSIP_HARD_MAX_BYTES },
    });
    this.stats.identities++;
    for (const topic of GOSSIP_TOPICS) {
      this.host.onMessage(topic, (data) => {
        if (topic === 'vote' || topic === 'proposal') {
          const list = this.captured[topic];
          list.push(data);
          if (list.length > 32) list.shift();
        }
        return 'ignore';
      });
    }
  }

  private async publish(topic: GossipTopic, data: Uint8Array): Promise<void> {
    try {
      if ((await this.host!.publish(topic, data)) > 0) this.stats.delivered++;
      this.stats.published++;
    } catch {
      this.stats.failed++;
    }
  }

  private mutate(topic: 'vote' | 'proposal'): Uint8Array | null {
    const list = this.captured[topic];
    if (!list.length) return null;
    const copy = Uint8Array.from(list[Math.floor(Math.random() * list.length)]!);
    // mostly the tail (the signature), sometimes anywhere (the encoding)
    const at = Math.random() < 0.7 ? copy.length - 1 - Math.floor(Math.random() * Math.min(64, copy.length)) : Math.floor(Math.random() * copy.length);
    copy[at] = copy[at]! ^ (1 + Math.floor(Math.random() * 255));
    this.stats.mutated++;
    return copy;
  }

  /** One burst of junk; every 10th burst also a near-4 MiB proposal. */
  async burst(): Promise<void> {
    if (!this.host || this.lonelyTicks >= 5) { this.lonelyTicks = 0; await this.connect(); }
    const t = this.tick++;
    const before = this.stats.delivered;
    for (const topic of GOSSIP_TOPICS) await this.publish(topic, new Uint8Array(randomBytes(16 + Math.floor(Math.random() * 600))));
    for (const topic of ['vote', 'proposal'] as const) {
      const m = this.mutate(topic);
      if (m) await this.publish(topic, m);
    }
    await this.publish('vote', new Uint8Array(randomBytes(4 * KiB)));
    this.stats.oversized++;
    if (t % 10 === 0) {
      await this.publish('proposal', new Uint8Array(randomBytes(GOSSIP_HARD_MAX_BYTES - 4 * KiB)));
      this.stats.oversized++;
    }
    // banned (or not yet connected) everywhere: after 5 bursts that reached nobody, a new peer id
    this.lonelyTicks = this.stats.delivered > before ? 0 : this.lonelyTicks + 1;
  }

  async run(pauseMs: number, until: () => boolean): Promise<void> {
    while (!until()) {
      await this.burst().catch(() => { this.stats.failed++; });
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }

  async stop(): Promise<void> {
    await this.host?.stop().catch(() => undefined);
    this.host = null;
  }
}
