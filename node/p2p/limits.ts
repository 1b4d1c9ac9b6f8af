/** Names, ids and default limits of polchain's p2p layer (see docs/p2p.md). */

export const GOSSIP_TOPICS = ['tx', 'proposal', 'vote', 'evidence'] as const;
export type GossipTopic = (typeof GOSSIP_TOPICS)[number];

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Hard cap of one gossip message. @libp2p/gossipsub 17 frames each RPC with it-length-prefixed,
 * whose encoder refuses frames over 4 MiB, so a bigger message would silently reach nobody.
 * 64 KiB are left for the RPC envelope (topic, seqno, key, signature, piggybacked control).
 * Larger payloads go by hash on gossip and by request/response (`blob`, `sync/blocks`).
 */
export const GOSSIP_HARD_MAX_BYTES = 4 * MiB - 64 * KiB;

/** Largest accepted message per gossip topic; bigger ones are rejected before any handler runs. */
export const DEFAULT_TOPIC_MAX_BYTES: Readonly<Record<GossipTopic, number>> = {
  // a batch of small transactions stays under 60 KiB; one job transaction alone may be up to maxTxBytes (64 KiB on dev)
  tx: 128 * KiB,
  proposal: GOSSIP_HARD_MAX_BYTES,
  vote: 1 * KiB,
  evidence: 16 * KiB,
};

export const DEFAULTS = {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  maxConnections: 50,
  /** request/response */
  requestTimeoutMs: 10_000,
  maxRequestBytes: 64 * KiB,
  maxResponseBytes: 16 * MiB,
  maxInboundStreamsPerProtocol: 32,
  /** gossipsub heartbeat; lower in tests for faster mesh formation */
  heartbeatMs: 700,
  /** bootstrap: first dial after this delay, then re-dial disconnected bootstrap peers this often (0 = never) */
  bootstrapDelayMs: 100,
  redialMs: 5_000,
} as const;

/** Chain ids go into topic names and protocol ids, so keep them to a safe alphabet. */
export function checkChainId(chainId: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(chainId);
}

export function checkProtocolName(name: string): boolean {
  return /^[a-z0-9._-]+(\/[a-z0-9._-]+)*$/.test(name) && name.length <= 64;
}

export function topicId(chainId: string, topic: GossipTopic): string {
  return `polchain/${chainId}/${topic}/1`;
}

export function protocolId(chainId: string, name: string): string {
  return `/polchain/${chainId}/${name}/1`;
}
