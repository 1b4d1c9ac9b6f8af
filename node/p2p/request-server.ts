/**
 * The serving side of request/response: one framed request in, one status-framed response out,
 * under a size cap and a deadline; malformed or missing requests score the peer.
 */
import type { Connection, Stream } from '@libp2p/interface';
import { P2pError } from './errors.ts';
import { readFrame } from './framing.ts';
import { DEFAULTS, protocolId } from './limits.ts';
import {
  MAX_ERROR_MESSAGE,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_PROTOCOL,
  checkedProtocolId,
  chunks,
  sendAll,
  statusFrame,
} from './request-wire.ts';
import { PENALTY } from './scores.ts';
import type { AdjustScore, HandleOptions, HostContext, RequestHandler } from './types.ts';
import { errorMessage } from '../../primitives/index.ts';

export interface RequestServer {
  handle(name: string, handler: RequestHandler, opts?: HandleOptions): Promise<void>;
  unhandle(name: string): Promise<void>;
  /**
   * Serves `status` (answers our chain id) and reserves its name. Identify advertises it, so a
   * peer of another chain is recognised right after the handshake. Returns its protocol id.
   */
  serveStatus(): Promise<string>;
}

export function createRequestServer(ctx: HostContext, adjustScore: AdjustScore): RequestServer {
  const { chainId, libp2p, scores, log } = ctx;
  let statusRegistered = false;

  async function handle(name: string, handler: RequestHandler, hopts: HandleOptions = {}): Promise<void> {
    const pid = checkedProtocolId(chainId, name);
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
            log.debug({ peer, protocol: name, err: errorMessage(err) }, 'p2p: bad request frame');
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
            log.debug({ peer, protocol: name, err: errorMessage(err) }, 'p2p: request handler failed');
            const msg = new TextEncoder().encode(errorMessage(err).slice(0, MAX_ERROR_MESSAGE));
            frame = statusFrame(STATUS_ERROR, msg);
          }
          if (timedOut) return;
          await sendAll(stream, frame);
          await stream.close();
        } catch (err) {
          log.debug({ peer, protocol: name, err: errorMessage(err) }, 'p2p: response stream failed');
          stream.abort(err instanceof Error ? err : new Error(String(err)));
        } finally {
          clearTimeout(timer);
        }
      },
      { maxInboundStreams: hopts.maxInboundStreams ?? DEFAULTS.maxInboundStreamsPerProtocol, force: true },
    );
  }

  async function unhandle(name: string): Promise<void> {
    const pid = checkedProtocolId(chainId, name);
    if (name === STATUS_PROTOCOL) throw new P2pError('P2P_BAD_OPTIONS', `protocol name ${STATUS_PROTOCOL} is reserved`);
    await libp2p.unhandle(pid);
  }

  async function serveStatus(): Promise<string> {
    const statusPid = protocolId(chainId, STATUS_PROTOCOL);
    await handle(STATUS_PROTOCOL, () => new TextEncoder().encode(chainId), { maxRequestBytes: 16, maxResponseBytes: 256 });
    statusRegistered = true;
    return statusPid;
  }

  return { handle, unhandle, serveStatus };
}
