import './polyfill.ts';
import { createHash } from 'node:crypto';
import { createLibp2p, type Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { ping, type Ping } from '@libp2p/ping';
import { bootstrap } from '@libp2p/bootstrap';
import { gossipsub, StrictNoSign, TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { P2pError } from './errors.ts';
import { encodeVarint, readFrame, type Chunk } from './framing.ts';
import {
  DEFAULTS,
  DEFAULT_TOPIC_MAX_BYTES,
  GOSSIP_HARD_MAX_BYTES,
  GOSSIP_TOPICS,
  checkChainId,
  checkProtocolName,
  protocolId,
  topicId,
  type GossipTopic,
} from './limits.ts';
import { PENALTY, PeerScoreBook, REWARD_VALID, type ScoreOptions } from './scores.ts';

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
  readonly libp2p: Libp2p<{ pubsub: GossipSub; ping: Ping }>;
}

const noopLogger: P2pLogger = { info() {}, warn() {}, debug() {}, error() {} };

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Sends the parts in order (no copying), waiting for the stream to drain when it asks to. */
async function sendAll(stream: Stream, parts: Uint8Array[], signal?: AbortSignal): Promise<void> {
  for (const p of parts) {
    if (p.byteLength === 0) continue;
    if (!stream.send(p)) await stream.onDrain({ signal });
  }
}

/** A response frame: [varint len][status byte][body]. */
function statusFrame(status: number, body: Uint8Array): Uint8Array[] {
  return [encodeVarint(body.byteLength + 1), Uint8Array.of(status), body];
}

/** libp2p streams iterate Uint8ArrayList from a nested package version; framing only needs subarray(). */
function chunks(stream: Stream): AsyncIterable<Chunk> {
  return stream as unknown as AsyncIterable<Chunk>;
}

/** Built-in request/response protocol every host serves; its presence in identify marks the chain. */
export const STATUS_PROTOCOL = 'status';

const STATUS_OK = 0;
const STATUS_ERROR = 1;
const MAX_ERROR_MESSAGE = 512;
/** libp2p's error names for a stream opened on a connection that is closing or closed. */
const CLOSED_CONNECTION_ERRORS = new Set(['ConnectionClosedError', 'ConnectionClosingError', 'MuxerClosedError', 'StreamStateError']);

export async function createP2pHost(opts: P2pHostOptions): Promise<P2pHost> {
  const chainId = opts.chainId;
  if (typeof chainId !== 'string' || !checkChainId(chainId)) {
    throw new P2pError('P2P_BAD_OPTIONS', `chainId must match [A-Za-z0-9._-]{1,64}, got ${JSON.stringify(chainId)}`);
  }
  if (opts.privateKeySeed !== undefined && opts.privateKeySeed.byteLength !== 32) {
    throw new P2pError('P2P_BAD_OPTIONS', `privateKeySeed must be 32 bytes, got ${opts.privateKeySeed.byteLength}`);
  }
  const log = opts.logger ?? noopLogger;
  const now = opts.now ?? Date.now;
  const scores = new PeerScoreBook({ ...opts.scoring, now });
  const topicMax: Record<GossipTopic, number> = { ...DEFAULT_TOPIC_MAX_BYTES, ...opts.topicMaxBytes };
  for (const t of GOSSIP_TOPICS) {
    const v = topicMax[t];
    if (!Number.isSafeInteger(v) || v < 1 || v > GOSSIP_HARD_MAX_BYTES) {
      throw new P2pError('P2P_BAD_OPTIONS', `topicMaxBytes.${t} must be 1..${GOSSIP_HARD_MAX_BYTES}, got ${v}`);
    }
  }
  const maxGossipBytes = Math.max(...Object.values(topicMax));
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

  const privateKey =
    opts.privateKeySeed !== undefined ? await generateKeyPairFromSeed('Ed25519', opts.privateKeySeed) : undefined;

  const topicNames = new Map<string, GossipTopic>(GOSSIP_TOPICS.map((t) => [topicId(chainId, t), t]));

  const libp2p = await createLibp2p({
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
      bootstrapList.length > 0
        ? [bootstrap({ list: bootstrapList, timeout: opts.bootstrapDelayMs ?? DEFAULTS.bootstrapDelayMs })]
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
        allowedTopics: [...topicNames.keys()],
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
  const pubsub = libp2p.services.pubsub;
  const selfId = libp2p.peerId.toString();

  const connectHandlers = new Set<(peerId: string) => void>();
  const disconnectHandlers = new Set<(peerId: string) => void>();
  const gossipHandlers = new Map<GossipTopic, Set<GossipHandler>>();
  let stopped = false;
  let statusRegistered = false;
  const lifetime = new AbortController();

  function fire(set: Set<(peerId: string) => void>, peer: string, what: string): void {
    for (const h of set) {
      try {
        h(peer);
      } catch (err) {
        log.error({ err: errMessage(err), peer }, `p2p: ${what} handler threw`);
      }
    }
  }

  function disconnect(peer: string): Promise<void> {
    let id: PeerId;
    try {
      id = peerIdFromString(peer);
    } catch {
      return Promise.resolve();
    }
    return libp2p.hangUp(id).catch((err: unknown) => log.debug({ err: errMessage(err), peer }, 'p2p: hang up failed'));
  }

  function adjustScore(peer: string, delta: number, reason: string): number {
    if (peer === selfId) return 0;
    const change = scores.adjust(peer, delta);
    if (delta < 0) log.debug({ peer, delta, score: change.score, reason }, 'p2p: peer penalised');
    if (change.bannedUntil !== undefined) {
      log.warn({ peer, score: change.score, until: change.bannedUntil, reason }, 'p2p: peer banned');
      void disconnect(peer);
    }
    return change.score;
  }

  libp2p.addEventListener('peer:connect', (evt) => {
    const peer = evt.detail.toString();
    if (scores.isBanned(peer)) {
      void disconnect(peer);
      return;
    }
    log.debug({ peer }, 'p2p: peer connected');
    fire(connectHandlers, peer, 'onPeerConnect');
  });
  libp2p.addEventListener('peer:disconnect', (evt) => {
    const peer = evt.detail.toString();
    log.debug({ peer }, 'p2p: peer disconnected');
    scores.forget(peer);
    fire(disconnectHandlers, peer, 'onPeerDisconnect');
  });

  // ---- gossip -------------------------------------------------------------------------
  for (const [topicStr, topic] of topicNames) {
    pubsub.topicValidators.set(topicStr, async (propagationSource, msg) => {
      const from = propagationSource.toString();
      try {
        if (scores.isBanned(from)) return TopicValidatorResult.Ignore;
        if (msg.data.byteLength > topicMax[topic]) {
          adjustScore(from, PENALTY.invalidGossip, `${topic} message of ${msg.data.byteLength} bytes over ${topicMax[topic]}`);
          return TopicValidatorResult.Reject;
        }
        const handlers = gossipHandlers.get(topic);
        if (handlers === undefined || handlers.size === 0) return TopicValidatorResult.Ignore;
        const meta: GossipMeta = {
          topic,
          ...(msg.type === 'signed' ? { origin: msg.from.toString() } : {}),
          msgId: createHash('sha256').update(msg.data).digest('hex'),
        };
        let verdict: GossipVerdict = 'accept';
        for (const h of handlers) {
          let r: GossipVerdict;
          try {
            r = await h(msg.data, from, meta);
          } catch (err) {
            log.debug({ err: errMessage(err), peer: from, topic }, 'p2p: gossip handler threw; rejecting');
            r = 'reject';
          }
          if (r === 'reject') {
            verdict = 'reject';
            break;
          }
          if (r !== 'accept') verdict = 'ignore';
        }
        if (verdict === 'reject') {
          adjustScore(from, PENALTY.invalidGossip, `${topic} message rejected`);
          return TopicValidatorResult.Reject;
        }
        if (verdict === 'accept') {
          adjustScore(from, REWARD_VALID, 'valid');
          return TopicValidatorResult.Accept;
        }
        return TopicValidatorResult.Ignore;
      } catch (err) {
        log.error({ err: errMessage(err), peer: from, topic }, 'p2p: gossip validation failed');
        return TopicValidatorResult.Ignore;
      }
    });
  }

  function checkTopic(topic: GossipTopic): string {
    if (!(GOSSIP_TOPICS as readonly string[]).includes(topic)) {
      throw new P2pError('P2P_UNKNOWN_TOPIC', `unknown gossip topic ${JSON.stringify(topic)}; use one of ${GOSSIP_TOPICS.join(', ')}`);
    }
    return topicId(chainId, topic);
  }

  async function publish(topic: GossipTopic, data: Uint8Array): Promise<number> {
    const t = checkTopic(topic);
    if (stopped) throw new P2pError('P2P_NOT_STARTED', 'publish on a stopped host');
    if (data.byteLength > topicMax[topic]) {
      throw new P2pError('P2P_MESSAGE_TOO_LARGE', `${topic} message of ${data.byteLength} bytes exceeds ${topicMax[topic]}`);
    }
    const res = await pubsub.publish(t, data);
    return res.recipients.length;
  }

  function onMessage(topic: GossipTopic, handler: GossipHandler): () => void {
    const t = checkTopic(topic);
    let set = gossipHandlers.get(topic);
    if (set === undefined) {
      set = new Set();
      gossipHandlers.set(topic, set);
    }
    if (set.size === 0) pubsub.subscribe(t);
    set.add(handler);
    return () => {
      const s = gossipHandlers.get(topic);
      if (s === undefined || !s.delete(handler)) return;
      if (s.size === 0 && !stopped) pubsub.unsubscribe(t);
    };
  }

  // ---- request / response -------------------------------------------------------------
  function checkName(name: string): string {
    if (typeof name !== 'string' || !checkProtocolName(name)) {
      throw new P2pError('P2P_BAD_OPTIONS', `protocol name must be lowercase path segments, got ${JSON.stringify(name)}`);
    }
    return protocolId(chainId, name);
  }

  async function handle(name: string, handler: RequestHandler, hopts: HandleOptions = {}): Promise<void> {
    const pid = checkName(name);
    if (name === STATUS_PROTOCOL && statusRegistered) {
      throw new P2pError('P2P_BAD_OPTIONS', `protocol name ${STATUS_PROTOCOL} is reserved`);
    }
    const maxRequestBytes = hopts.maxRequestBytes ?? DEFAULTS.maxRequestBytes;
    const maxResponseBytes = hopts.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
    const timeoutMs = hopts.timeoutMs ?? DEFAULTS.requestTimeoutMs;
    await libp2p.handle(
      pid,
      async (stream: Stream, connection: Connection) => {
        const peer = connection.remotePeer.toString();
        if (scores.isBanned(peer)) {
          stream.abort(new P2pError('P2P_PEER_BANNED', `peer ${peer} is banned`));
          return;
        }
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          stream.abort(new P2pError('P2P_TIMEOUT', `${name} request from ${peer} took over ${timeoutMs} ms`));
        }, timeoutMs);
        try {
          let request: Uint8Array;
          try {
            request = await readFrame(chunks(stream), maxRequestBytes);
          } catch (err) {
            if (timedOut || (err instanceof P2pError && err.code === 'P2P_STREAM_CLOSED')) {
              adjustScore(peer, PENALTY.timeout, `${name}: no request received`);
            } else if (err instanceof P2pError) {
              adjustScore(peer, PENALTY.badFrame, `${name}: ${err.message}`);
              stream.abort(err);
            } else {
              stream.abort(err instanceof Error ? err : new Error(String(err)));
            }
            log.debug({ peer, protocol: name, err: errMessage(err) }, 'p2p: bad request frame');
            return;
          }
          let frame: Uint8Array[];
          try {
            const body = await handler(request, peer);
            if (!(body instanceof Uint8Array)) throw new Error('handler did not return a Uint8Array');
            if (body.byteLength > maxResponseBytes) {
              throw new P2pError('P2P_FRAME_TOO_LARGE', `response of ${body.byteLength} bytes exceeds the server limit ${maxResponseBytes}`);
            }
            frame = statusFrame(STATUS_OK, body);
          } catch (err) {
            log.debug({ peer, protocol: name, err: errMessage(err) }, 'p2p: request handler failed');
            const msg = new TextEncoder().encode(errMessage(err).slice(0, MAX_ERROR_MESSAGE));
            frame = statusFrame(STATUS_ERROR, msg);
          }
          if (timedOut) return;
          await sendAll(stream, frame);
          await stream.close();
        } catch (err) {
          log.debug({ peer, protocol: name, err: errMessage(err) }, 'p2p: response stream failed');
          stream.abort(err instanceof Error ? err : new Error(String(err)));
        } finally {
          clearTimeout(timer);
        }
      },
      { maxInboundStreams: hopts.maxInboundStreams ?? DEFAULTS.maxInboundStreamsPerProtocol, force: true },
    );
  }

  async function unhandle(name: string): Promise<void> {
    const pid = checkName(name);
    if (name === STATUS_PROTOCOL) throw new P2pError('P2P_BAD_OPTIONS', `protocol name ${STATUS_PROTOCOL} is reserved`);
    await libp2p.unhandle(pid);
  }

  function parsePeer(peer: string): PeerId {
    try {
      return peerIdFromString(peer);
    } catch (err) {
      throw new P2pError('P2P_BAD_OPTIONS', `not a peer id: ${JSON.stringify(peer)} (${errMessage(err)})`);
    }
  }

  /**
   * libp2p may hand back a connection that the remote is already tearing down (after a restart, or
   * a ban being lifted); one fresh connection is worth trying before the request fails.
   */
  async function openStream(id: PeerId, pid: string, signal: AbortSignal): Promise<Stream> {
    try {
      return await libp2p.dialProtocol(id, pid, { signal });
    } catch (err) {
      if (signal.aborted || !CLOSED_CONNECTION_ERRORS.has((err as Error)?.name)) throw err;
      return await libp2p.dialProtocol(id, pid, { signal, force: true });
    }
  }

  async function request(peer: string, name: string, data: Uint8Array, ropts: RequestOptions = {}): Promise<Uint8Array> {
    const pid = checkName(name);
    const id = parsePeer(peer);
    if (stopped) throw new P2pError('P2P_NOT_STARTED', 'request on a stopped host');
    if (scores.isBanned(peer)) throw new P2pError('P2P_PEER_BANNED', `peer ${peer} is banned`);
    const timeoutMs = ropts.timeoutMs ?? DEFAULTS.requestTimeoutMs;
    const maxResponseBytes = ropts.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = [timeout, lifetime.signal];
    if (ropts.signal !== undefined) signals.push(ropts.signal);
    const signal = AbortSignal.any(signals);
    const timeoutError = () =>
      timeout.aborted
        ? new P2pError('P2P_TIMEOUT', `${name} request to ${peer} timed out after ${timeoutMs} ms`)
        : new P2pError('P2P_ABORTED', `${name} request to ${peer} aborted`);

    let stream: Stream;
    try {
      stream = await openStream(id, pid, signal);
    } catch (err) {
      if (signal.aborted) throw timeoutError();
      throw new P2pError('P2P_DIAL_FAILED', `cannot open ${pid} to ${peer}: ${errMessage(err)}`);
    }
    const onAbort = () => stream.abort(timeoutError());
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await sendAll(stream, [encodeVarint(data.byteLength), data], signal);
      await stream.close({ signal });
      let frame: Uint8Array;
      try {
        frame = await readFrame(chunks(stream), maxResponseBytes + 1);
      } catch (err) {
        if (signal.aborted) throw timeoutError();
        if (err instanceof P2pError && err.code === 'P2P_STREAM_CLOSED') {
          // reset or closed without an answer: overload or a restart as often as malice
          adjustScore(peer, PENALTY.timeout, `${name}: no response`);
          throw new P2pError('P2P_STREAM_CLOSED', `${name} request to ${peer}: stream closed without a response`);
        }
        if (err instanceof P2pError) {
          adjustScore(peer, PENALTY.badFrame, `${name} response: ${err.message}`);
          stream.abort(err);
          throw err;
        }
        throw new P2pError('P2P_BAD_RESPONSE', `${name} response from ${peer}: ${errMessage(err)}`);
      }
      if (frame.byteLength === 0) {
        adjustScore(peer, PENALTY.badFrame, `${name} response: empty frame`);
        throw new P2pError('P2P_MALFORMED_FRAME', `${name} response from ${peer} is empty`);
      }
      const status = frame[0];
      const body = frame.subarray(1);
      if (status === STATUS_OK) return body;
      if (status === STATUS_ERROR) {
        throw new P2pError('P2P_REMOTE_ERROR', `${name} request to ${peer} failed remotely: ${new TextDecoder().decode(body)}`);
      }
      adjustScore(peer, PENALTY.badFrame, `${name} response: unknown status ${status}`);
      throw new P2pError('P2P_MALFORMED_FRAME', `${name} response from ${peer} has unknown status ${status}`);
    } catch (err) {
      if (err instanceof P2pError) {
        if (err.code === 'P2P_TIMEOUT') adjustScore(peer, PENALTY.timeout, `${name}: response timeout`);
        throw err;
      }
      if (signal.aborted) throw timeoutError();
      throw new P2pError('P2P_BAD_RESPONSE', `${name} request to ${peer} failed: ${errMessage(err)}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (stream.status === 'open') stream.abort(new Error('request finished'));
    }
  }

  // ---- peers --------------------------------------------------------------------------
  function peers(): PeerSummary[] {
    const byPeer = new Map<string, PeerSummary>();
    for (const c of libp2p.getConnections()) {
      if (c.status !== 'open') continue;
      const id = c.remotePeer.toString();
      let p = byPeer.get(id);
      if (p === undefined) {
        p = { peerId: id, addrs: [], score: scores.score(id), direction: c.direction };
        byPeer.set(id, p);
      }
      const a = c.remoteAddr.toString();
      if (!p.addrs.includes(a)) p.addrs.push(a);
    }
    return [...byPeer.values()].sort((x, y) => (x.peerId < y.peerId ? -1 : x.peerId > y.peerId ? 1 : 0));
  }

  async function dial(addr: string): Promise<string> {
    let ma;
    try {
      ma = multiaddr(addr);
    } catch (err) {
      throw new P2pError('P2P_BAD_OPTIONS', `not a multiaddr: ${addr} (${errMessage(err)})`);
    }
    try {
      const conn = await libp2p.dial(ma, { signal: AbortSignal.any([AbortSignal.timeout(DEFAULTS.requestTimeoutMs), lifetime.signal]) });
      return conn.remotePeer.toString();
    } catch (err) {
      throw new P2pError('P2P_DIAL_FAILED', `cannot dial ${addr}: ${errMessage(err)}`);
    }
  }

  async function pingPeer(peer: string, popts: { timeoutMs?: number } = {}): Promise<number> {
    const id = parsePeer(peer);
    try {
      return await libp2p.services.ping.ping(id, { signal: AbortSignal.timeout(popts.timeoutMs ?? DEFAULTS.requestTimeoutMs) });
    } catch (err) {
      throw new P2pError('P2P_TIMEOUT', `ping ${peer} failed: ${errMessage(err)}`);
    }
  }

  // ---- lifecycle ----------------------------------------------------------------------
  let redialTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;

  function stop(): Promise<void> {
    if (stopping !== undefined) return stopping;
    stopped = true;
    lifetime.abort();
    if (redialTimer !== undefined) clearInterval(redialTimer);
    opts.signal?.removeEventListener('abort', onExternalAbort);
    stopping = (async () => {
      try {
        await libp2p.stop();
        log.info({ peerId: selfId }, 'p2p: stopped');
      } catch (err) {
        log.error({ err: errMessage(err) }, 'p2p: stop failed');
      }
    })();
    return stopping;
  }
  const onExternalAbort = () => void stop();

  // Every polchain host answers `status` with its chain id; identify advertises it, so a peer
  // of another chain is recognised right after the handshake.
  const statusPid = protocolId(chainId, STATUS_PROTOCOL);
  await handle(STATUS_PROTOCOL, () => new TextEncoder().encode(chainId), { maxRequestBytes: 16, maxResponseBytes: 256 });
  statusRegistered = true;
  if (opts.dropForeignChainPeers ?? true) {
    libp2p.addEventListener('peer:identify', (evt) => {
      const peer = evt.detail.peerId.toString();
      if (evt.detail.protocols.includes(statusPid)) return;
      log.info({ peer, protocols: evt.detail.protocols.filter((p) => p.startsWith('/polchain/')) }, 'p2p: dropping peer of another chain');
      scores.ban(peer);
      void disconnect(peer);
    });
  }

  try {
    await libp2p.start();
  } catch (err) {
    await Promise.resolve(libp2p.stop()).catch(() => undefined);
    throw new P2pError('P2P_LISTEN_FAILED', `cannot start p2p on ${JSON.stringify(opts.listen ?? DEFAULTS.listen)}: ${errMessage(err)}`);
  }
  log.info({ peerId: selfId, chainId, addrs: libp2p.getMultiaddrs().map((a) => a.toString()) }, 'p2p: started');

  if (opts.signal !== undefined) {
    if (opts.signal.aborted) {
      await stop();
      throw new P2pError('P2P_ABORTED', 'p2p host aborted while starting');
    }
    opts.signal.addEventListener('abort', onExternalAbort, { once: true });
  }

  const redialMs = opts.redialMs ?? DEFAULTS.redialMs;
  if (bootstrapList.length > 0 && redialMs > 0 && !stopped) {
    const targets = bootstrapList.map((a) => multiaddr(a));
    redialTimer = setInterval(() => {
      for (const ma of targets) {
        const idStr = ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
        if (idStr === undefined || idStr === selfId || scores.isBanned(idStr)) continue;
        if (libp2p.getConnections(peerIdFromString(idStr)).length > 0) continue;
        libp2p
          .dial(ma, { signal: AbortSignal.any([AbortSignal.timeout(redialMs), lifetime.signal]) })
          .catch((err: unknown) => log.debug({ addr: ma.toString(), err: errMessage(err) }, 'p2p: bootstrap redial failed'));
      }
    }, redialMs);
    redialTimer.unref();
  }

  return {
    peerId: selfId,
    chainId,
    multiaddrs: () => libp2p.getMultiaddrs().map((a) => a.toString()),
    publish,
    onMessage,
    meshPeers: (topic) => (pubsub as unknown as { getMeshPeers(t: string): string[] }).getMeshPeers(checkTopic(topic)),
    topicPeers: (topic) => pubsub.getSubscribers(checkTopic(topic)).map((p) => p.toString()),
    handle,
    unhandle,
    request,
    dial,
    ping: pingPeer,
    peers,
    score: (peer) => scores.score(peer),
    adjustScore,
    ban(peer, ms, reason = 'manual') {
      const until = scores.ban(peer, ms);
      log.warn({ peer, until, reason }, 'p2p: peer banned');
      void disconnect(peer);
    },
    unban(peer) {
      const was = scores.unban(peer);
      if (was) log.info({ peer }, 'p2p: ban lifted');
      return was;
    },
    isBanned: (peer) => scores.isBanned(peer),
    banned: () => scores.banned(),
    disconnect,
    onPeerConnect(h) {
      connectHandlers.add(h);
      return () => void connectHandlers.delete(h);
    },
    onPeerDisconnect(h) {
      disconnectHandlers.add(h);
      return () => void disconnectHandlers.delete(h);
    },
    stop,
    libp2p,
  };
}
