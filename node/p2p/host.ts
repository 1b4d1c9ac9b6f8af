/**
 * createP2pHost: composes the host from its parts (config.ts builds libp2p; peers.ts,
 * gossip.ts, request-server.ts and request-client.ts act on it) and owns its lifecycle.
 */
import './polyfill.ts';
import { P2pError } from './errors.ts';
import { createLibp2pNode, resolveHostOptions } from './config.ts';
import { createGossip } from './gossip.ts';
import { DEFAULTS } from './limits.ts';
import { createPeerManager } from './peers.ts';
import { createRequestClient } from './request-client.ts';
import { createRequestServer } from './request-server.ts';
import { PeerScoreBook } from './scores.ts';
import type { HostContext, P2pHost, P2pHostOptions } from './types.ts';
import { listenFailure } from './listen-failure.ts';
import { errorMessage } from '../../primitives/index.ts';

export async function createP2pHost(opts: P2pHostOptions): Promise<P2pHost> {
  const cfg = resolveHostOptions(opts);
  const { chainId, log, bootstrapList } = cfg;
  const scores = new PeerScoreBook({ ...opts.scoring, now: cfg.now });
  const libp2p = await createLibp2pNode(opts, cfg, scores);
  const selfId = libp2p.peerId.toString();

  let stopped = false;
  const lifetime = new AbortController();
  const ctx: HostContext = { chainId, selfId, libp2p, scores, log, lifetime: lifetime.signal, isStopped: () => stopped };

  // Listeners and validators go on before start so nothing that arrives early is missed.
  const peers = createPeerManager(ctx);
  const gossip = createGossip(ctx, { topicNames: cfg.topicNames, topicMax: cfg.topicMax, adjustScore: peers.adjustScore });
  const server = createRequestServer(ctx, peers.adjustScore);
  const request = createRequestClient(ctx, peers.adjustScore);

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
        log.error({ err: errorMessage(err) }, 'p2p: stop failed');
      }
    })();
    return stopping;
  }
  const onExternalAbort = () => void stop();

  const statusPid = await server.serveStatus();
  if (opts.dropForeignChainPeers ?? true) peers.dropForeignChainPeers(statusPid);

  try {
    await libp2p.start();
  } catch (err) {
    await Promise.resolve(libp2p.stop()).catch(() => undefined);
    throw await listenFailure(opts.listen ?? [...DEFAULTS.listen], err);
  }
  const addrs = libp2p.getMultiaddrs().map((a) => a.toString());
  // A host with no listen address (a solo validator fetching job data) only dials out: say so.
  if (addrs.length > 0) log.info({ peerId: selfId, chainId, addrs }, 'p2p: listening');
  else log.info({ peerId: selfId, chainId }, 'p2p: started without a listen address (dials out only)');

  if (opts.signal !== undefined) {
    if (opts.signal.aborted) {
      await stop();
      throw new P2pError('P2P_ABORTED', 'p2p host aborted while starting');
    }
    opts.signal.addEventListener('abort', onExternalAbort, { once: true });
  }

  const redialMs = opts.redialMs ?? DEFAULTS.redialMs;
  if (bootstrapList.length > 0 && redialMs > 0 && !stopped) redialTimer = peers.redialBootstrap(bootstrapList, redialMs);

  return {
    peerId: selfId,
    chainId,
    multiaddrs: () => libp2p.getMultiaddrs().map((a) => a.toString()),
    publish: gossip.publish,
    onMessage: gossip.onMessage,
    meshPeers: gossip.meshPeers,
    topicPeers: gossip.topicPeers,
    handle: server.handle,
    unhandle: server.unhandle,
    request,
    dial: peers.dial,
    ping: peers.ping,
    peers: peers.peers,
    score: peers.score,
    adjustScore: peers.adjustScore,
    ban: peers.ban,
    unban: peers.unban,
    isBanned: peers.isBanned,
    banned: peers.banned,
    disconnect: peers.disconnect,
    onPeerConnect: peers.onPeerConnect,
    onPeerDisconnect: peers.onPeerDisconnect,
    stop,
    libp2p,
  };
}
