/**
 * Host configuration: checks P2pHostOptions and builds the libp2p node (TCP, Noise, Yamux,
 * identify, ping, bootstrap and gossipsub) with its limits and connection gating.
 */
import './polyfill.ts';
import { createHash } from 'node:crypto';
import { createLibp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { ping } from '@libp2p/ping';
import { bootstrap } from '@libp2p/bootstrap';
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import type { PeerId } from '@libp2p/interface';
import { P2pError } from './errors.ts';
import {
  DEFAULTS,
  DEFAULT_TOPIC_MAX_BYTES,
  GOSSIP_HARD_MAX_BYTES,
  GOSSIP_TOPICS,
  checkChainId,
  topicId,
  type GossipTopic,
} from './limits.ts';
import type { PeerScoreBook } from './scores.ts';
import type { P2pHostOptions, P2pLogger, PolchainLibp2p } from './types.ts';

const noopLogger: P2pLogger = { info() {}, warn() {}, debug() {}, error() {} };

/** Options after defaults and checks. */
export interface HostConfig {
  chainId: string;
  log: P2pLogger;
  now: () => number;
  topicMax: Record<GossipTopic, number>;
  bootstrapList: string[];
  /** Our gossipsub topic ids, each mapped to its topic. */
  topicNames: Map<string, GossipTopic>;
}

/** Applies defaults; throws P2P_BAD_OPTIONS on the first bad option, before any IO. */
export function resolveHostOptions(opts: P2pHostOptions): HostConfig {
  const chainId = opts.chainId;
  if (typeof chainId !== 'string' || !checkChainId(chainId)) {
    throw new P2pError('P2P_BAD_OPTIONS', `chainId must match [A-Za-z0-9._-]{1,64}, got ${JSON.stringify(chainId)}`);
  }
  if (opts.privateKeySeed !== undefined && opts.privateKeySeed.byteLength !== 32) {
    throw new P2pError('P2P_BAD_OPTIONS', `privateKeySeed must be 32 bytes, got ${opts.privateKeySeed.byteLength}`);
  }
  const log = opts.logger ?? noopLogger;
  const now = opts.now ?? Date.now;
  const topicMax: Record<GossipTopic, number> = { ...DEFAULT_TOPIC_MAX_BYTES, ...opts.topicMaxBytes };
  for (const t of GOSSIP_TOPICS) {
    const v = topicMax[t];
    if (!Number.isSafeInteger(v) || v < 1 || v > GOSSIP_HARD_MAX_BYTES) {
      throw new P2pError('P2P_BAD_OPTIONS', `topicMaxBytes.${t} must be 1..${GOSSIP_HARD_MAX_BYTES}, got ${v}`);
    }
  }
  const bootstrapList = opts.bootstrap ?? [];
  for (const addr of bootstrapList) {
    let ok = false;
    try {
      ok = multiaddr(addr).getComponents().some((c) => c.name === 'p2p');
    } catch {
      ok = false;
    }
    if (!ok) throw new P2pError('P2P_BAD_OPTIONS', `bootstrap address ${addr} is not a multiaddr ending in /p2p/<peerId>`);
  }
  const topicNames = new Map<string, GossipTopic>(GOSSIP_TOPICS.map((t) => [topicId(chainId, t), t]));
  return { chainId, log, now, topicMax, bootstrapList, topicNames };
}

/** Builds the (not yet started) libp2p node; `scores` gates connections and feeds gossipsub's peer score. */
export async function createLibp2pNode(opts: P2pHostOptions, cfg: HostConfig, scores: PeerScoreBook): Promise<PolchainLibp2p> {
  const privateKey =
    opts.privateKeySeed !== undefined ? await generateKeyPairFromSeed('Ed25519', opts.privateKeySeed) : undefined;
  const maxGossipBytes = Math.max(...Object.values(cfg.topicMax));
  return await createLibp2p({
    start: false,
    ...(privateKey !== undefined ? { privateKey } : {}),
    addresses: { listen: opts.listen ?? [...DEFAULTS.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: opts.maxConnections ?? DEFAULTS.maxConnections },
    connectionGater: {
      denyDialPeer: (peer: PeerId) => scores.isBanned(peer.toString()),
      denyInboundEncryptedConnection: (peer: PeerId) => scores.isBanned(peer.toString()),
      denyOutboundEncryptedConnection: (peer: PeerId) => scores.isBanned(peer.toString()),
    },
    peerDiscovery:
      cfg.bootstrapList.length > 0
        ? [bootstrap({ list: cfg.bootstrapList, timeout: opts.bootstrapDelayMs ?? DEFAULTS.bootstrapDelayMs })]
        : [],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        // Every payload (transaction, vote, proposal, evidence) carries its own signature, checked by
        // the handler; signing each gossip message again would double the per-message cost (Ethereum's
        // consensus layer makes the same choice).
        globalSignaturePolicy: StrictNoSign,
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        floodPublish: true,
        fallbackToFloodsub: false,
        heartbeatInterval: opts.heartbeatMs ?? DEFAULTS.heartbeatMs,
        allowedTopics: [...cfg.topicNames.keys()],
        maxInboundDataLength: maxGossipBytes + 64 * 1024,
        // content-addressed ids: the same bytes published twice are one message
        msgIdFn: (msg) =>
          createHash('sha256').update(msg.topic).update(Uint8Array.of(0)).update(msg.data).digest().subarray(0, 20),
        scoreParams: {
          // our application score feeds gossipsub's: bad peers leave the mesh and get graylisted
          appSpecificScore: (peer: string) => scores.score(peer),
          appSpecificWeight: 1,
        },
      }),
    },
  });
}
