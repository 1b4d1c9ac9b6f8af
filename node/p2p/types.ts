/**
 * Shared shapes of the p2p host: the public interfaces (re-exported by index.ts) and the
 * internal context the host's parts (gossip, request/response, peers) are built from. Types
 * only, so every part can import it without import cycles.
 */
import type { Libp2p } from 'libp2p';
import type { Ping } from '@libp2p/ping';
import type { GossipSub } from '@libp2p/gossipsub';
import type { GossipTopic } from './limits.ts';
import type { PeerScoreBook, ScoreOptions } from './scores.ts';

export type GossipVerdict = 'accept' | 'reject' | 'ignore';

export interface GossipMeta {
  topic: GossipTopic;
  /** The peer that authored (signed) the message, when known; `from` is the peer that relayed it to us. */
  origin?: string;
  msgId: string;
}

/**
 * Validates and consumes one gossip message. 'accept' delivers and forwards it; 'ignore'
 * drops it without blame; 'reject' drops it and penalises the relaying peer. A handler
 * that throws counts as 'reject'. Runs inside gossipsub validation: keep it fast (< 100 ms).
 */
export type GossipHandler = (
  data: Uint8Array,
  from: string,
  meta: GossipMeta,
) => GossipVerdict | Promise<GossipVerdict>;

/** Answers one request; a thrown error becomes an error response (the requester gets P2P_REMOTE_ERROR). */
export type RequestHandler = (request: Uint8Array, peerId: string) => Uint8Array | Promise<Uint8Array>;

export interface HandleOptions {
  /** Largest accepted request frame (default 64 KiB); larger ones abort the stream and penalise. */
  maxRequestBytes?: number;
  /** Largest response this server sends (default 16 MiB); a bigger handler result becomes an error response. */
  maxResponseBytes?: number;
  /** Whole exchange deadline on the server side (default 10 s). */
  timeoutMs?: number;
  /** Concurrent inbound streams per connection for this protocol (default 32). */
  maxInboundStreams?: number;
}

export interface RequestOptions {
  /** Deadline for dial + request + response (default 10 s). */
  timeoutMs?: number;
  /** Largest accepted response payload (default 16 MiB); bigger aborts the stream and penalises the peer. */
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

/** pino-compatible logger subset. */
export interface P2pLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface P2pHostOptions {
  /** Namespaces topics and protocol ids: `polchain/<chainId>/...`. Required. */
  chainId: string;
  /** Listen multiaddrs (default ['/ip4/127.0.0.1/tcp/0']). */
  listen?: string[];
  /** Bootstrap multiaddrs, each ending in /p2p/<peerId>. */
  bootstrap?: string[];
  /** 32-byte seed of the node's Ed25519 identity (same seed, same peer id). Random when absent. */
  privateKeySeed?: Uint8Array;
  /** Connection cap (default 50). */
  maxConnections?: number;
  logger?: P2pLogger;
  /** Aborting it stops the host. */
  signal?: AbortSignal;
  /** Clock for bans (default Date.now). */
  now?: () => number;
  /** Ban threshold, ban length and score cap (defaults -50, 60 000 ms, 50). */
  scoring?: Partial<Omit<ScoreOptions, 'now'>>;
  /** Per-topic message size caps (defaults: tx 64 KiB, proposal 4 MiB - 64 KiB, vote 1 KiB, evidence 16 KiB; at most GOSSIP_HARD_MAX_BYTES). */
  topicMaxBytes?: Partial<Record<GossipTopic, number>>;
  /** gossipsub heartbeat in ms (default 700). */
  heartbeatMs?: number;
  /** Delay before the first bootstrap dial (default 100 ms). */
  bootstrapDelayMs?: number;
  /** Re-dial disconnected bootstrap peers this often (default 5000 ms; 0 = never). */
  redialMs?: number;
  /**
   * Hang up on (and ban for banMs) peers whose identify shows no `/polchain/<chainId>/status/1`,
   * i.e. nodes of another chain or non-polchain libp2p nodes (default true).
   */
  dropForeignChainPeers?: boolean;
}

export interface PeerSummary {
  peerId: string;
  addrs: string[];
  score: number;
  direction: 'inbound' | 'outbound';
}

/** The libp2p node a host runs: gossipsub as `pubsub`, plus ping. */
export type PolchainLibp2p = Libp2p<{ pubsub: GossipSub; ping: Ping }>;

export interface P2pHost {
  readonly peerId: string;
  readonly chainId: string;
  multiaddrs(): string[];
  publish(topic: GossipTopic, data: Uint8Array): Promise<number>;
  onMessage(topic: GossipTopic, handler: GossipHandler): () => void;
  /** Peers in our gossipsub mesh for a topic (useful to wait for readiness). */
  meshPeers(topic: GossipTopic): string[];
  /** Peers known to be subscribed to a topic. */
  topicPeers(topic: GossipTopic): string[];
  handle(name: string, handler: RequestHandler, opts?: HandleOptions): Promise<void>;
  unhandle(name: string): Promise<void>;
  request(peerId: string, name: string, data: Uint8Array, opts?: RequestOptions): Promise<Uint8Array>;
  dial(addr: string): Promise<string>;
  ping(peerId: string, opts?: { timeoutMs?: number }): Promise<number>;
  peers(): PeerSummary[];
  score(peerId: string): number;
  /** Adds `delta` to a peer's score (negative to penalise); bans and disconnects below the threshold. */
  adjustScore(peerId: string, delta: number, reason: string): number;
  ban(peerId: string, ms?: number, reason?: string): void;
  /** Lifts a running ban (false if there was none); the peer may connect again. */
  unban(peerId: string): boolean;
  isBanned(peerId: string): boolean;
  banned(): Array<{ peerId: string; until: number }>;
  disconnect(peerId: string): Promise<void>;
  onPeerConnect(handler: (peerId: string) => void): () => void;
  onPeerDisconnect(handler: (peerId: string) => void): () => void;
  stop(): Promise<void>;
  /** Escape hatch for tests and diagnostics; not part of the stable surface. */
  readonly libp2p: PolchainLibp2p;
}

/** What the host's parts share: built once by createP2pHost, read-only to the parts. */
export interface HostContext {
  readonly chainId: string;
  readonly selfId: string;
  readonly libp2p: PolchainLibp2p;
  readonly scores: PeerScoreBook;
  readonly log: P2pLogger;
  /** Aborted when the host stops; in-flight dials and requests listen to it. */
  readonly lifetime: AbortSignal;
  /** True once stop() has begun. */
  isStopped(): boolean;
}

/** Score changes go through one place, so that bans are logged and hang up the peer. */
export type AdjustScore = (peer: string, delta: number, reason: string) => number;
