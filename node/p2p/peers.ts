/**
 * Peer management: connection events, scores and bans (also the test partition switch:
 * ban every peer, later unban), dialling, ping, dropping peers of other chains and
 * re-dialling bootstrap peers.
 */
import './polyfill.ts';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { PeerId } from '@libp2p/interface';
import { P2pError } from './errors.ts';
import { parsePeerId } from './identity.ts';
import { DEFAULTS } from './limits.ts';
import type { HostContext, P2pHost, PeerSummary } from './types.ts';
import { errorMessage } from '../../primitives/index.ts';

type PeerHandler = (peerId: string) => void;

export type PeerManager = Pick<
  P2pHost,
  | 'dial'
  | 'ping'
  | 'peers'
  | 'score'
  | 'adjustScore'
  | 'ban'
  | 'unban'
  | 'isBanned'
  | 'banned'
  | 'disconnect'
  | 'onPeerConnect'
  | 'onPeerDisconnect'
> & {
  /** Hangs up on, and bans, peers whose identify does not list `statusPid` (another chain). */
  dropForeignChainPeers(statusPid: string): void;
  /** Re-dials each bootstrap peer that is not connected (nor banned) every `redialMs`. */
  redialBootstrap(bootstrapList: string[], redialMs: number): NodeJS.Timeout;
};

/** Listens to connection events from now on; connects and disconnects reach the registered handlers. */
export function createPeerManager(ctx: HostContext): PeerManager {
  const { libp2p, scores, log, selfId } = ctx;
  const connectHandlers = new Set<PeerHandler>();
  const disconnectHandlers = new Set<PeerHandler>();

  function fire(set: Set<PeerHandler>, peer: string, what: string): void {
    for (const h of set) {
      try {
        h(peer);
      } catch (err) {
        log.error({ err: errorMessage(err), peer }, `p2p: ${what} handler threw`);
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
    return libp2p.hangUp(id).catch((err: unknown) => log.debug({ err: errorMessage(err), peer }, 'p2p: hang up failed'));
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
      throw new P2pError('P2P_BAD_OPTIONS', `not a multiaddr: ${addr} (${errorMessage(err)})`);
    }
    try {
      const conn = await libp2p.dial(ma, { signal: AbortSignal.any([AbortSignal.timeout(DEFAULTS.requestTimeoutMs), ctx.lifetime]) });
      return conn.remotePeer.toString();
    } catch (err) {
      throw new P2pError('P2P_DIAL_FAILED', `cannot dial ${addr}: ${errorMessage(err)}`);
    }
  }

  async function pingPeer(peer: string, popts: { timeoutMs?: number } = {}): Promise<number> {
    const id = parsePeerId(peer);
    try {
      return await libp2p.services.ping.ping(id, { signal: AbortSignal.timeout(popts.timeoutMs ?? DEFAULTS.requestTimeoutMs) });
    } catch (err) {
      throw new P2pError('P2P_TIMEOUT', `ping ${peer} failed: ${errorMessage(err)}`);
    }
  }

  function dropForeignChainPeers(statusPid: string): void {
    libp2p.addEventListener('peer:identify', (evt) => {
      const peer = evt.detail.peerId.toString();
      if (evt.detail.protocols.includes(statusPid)) return;
      log.info({ peer, protocols: evt.detail.protocols.filter((p) => p.startsWith('/polchain/')) }, 'p2p: dropping peer of another chain');
      scores.ban(peer);
      void disconnect(peer);
    });
  }

  function redialBootstrap(bootstrapList: string[], redialMs: number): NodeJS.Timeout {
    const targets = bootstrapList.map((a) => multiaddr(a));
    const timer = setInterval(() => {
      for (const ma of targets) {
        const idStr = ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
        if (idStr === undefined || idStr === selfId || scores.isBanned(idStr)) continue;
        if (libp2p.getConnections(peerIdFromString(idStr)).length > 0) continue;
        libp2p
          .dial(ma, { signal: AbortSignal.any([AbortSignal.timeout(redialMs), ctx.lifetime]) })
          .catch((err: unknown) => log.debug({ addr: ma.toString(), err: errorMessage(err) }, 'p2p: bootstrap redial failed'));
      }
    }, redialMs);
    timer.unref();
    return timer;
  }

  return {
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
    dropForeignChainPeers,
    redialBootstrap,
  };
}
