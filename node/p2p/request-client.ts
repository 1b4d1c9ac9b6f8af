/**
 * The asking side of request/response: opens a stream (retrying once on a fresh connection),
 * sends one framed request and reads one status-framed response under a deadline. Bad,
 * missing or late answers score the peer.
 */
import type { PeerId, Stream } from '@libp2p/interface';
import { P2pError } from './errors.ts';
import { encodeVarint, readFrame } from './framing.ts';
import { parsePeerId } from './identity.ts';
import { DEFAULTS } from './limits.ts';
import { STATUS_ERROR, STATUS_OK, checkedProtocolId, chunks, sendAll } from './request-wire.ts';
import { PENALTY } from './scores.ts';
import type { AdjustScore, HostContext, RequestOptions } from './types.ts';
import { errorMessage } from '../../primitives/index.ts';

/** libp2p's error names for a stream opened on a connection that is closing or closed. */
const CLOSED_CONNECTION_ERRORS = new Set(['ConnectionClosedError', 'ConnectionClosingError', 'MuxerClosedError', 'StreamStateError']);

export type RequestFn = (peer: string, name: string, data: Uint8Array, opts?: RequestOptions) => Promise<Uint8Array>;

export function createRequestClient(ctx: HostContext, adjustScore: AdjustScore): RequestFn {
  const { chainId, libp2p, scores } = ctx;

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

  return async function request(peer: string, name: string, data: Uint8Array, ropts: RequestOptions = {}): Promise<Uint8Array> {
    const pid = checkedProtocolId(chainId, name);
    const id = parsePeerId(peer);
    if (ctx.isStopped()) throw new P2pError('P2P_NOT_STARTED', 'request on a stopped host');
    if (scores.isBanned(peer)) throw new P2pError('P2P_PEER_BANNED', `peer ${peer} is banned`);
    const timeoutMs = ropts.timeoutMs ?? DEFAULTS.requestTimeoutMs;
    const maxResponseBytes = ropts.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = [timeout, ctx.lifetime];
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
      throw new P2pError('P2P_DIAL_FAILED', `cannot open ${pid} to ${peer}: ${errorMessage(err)}`);
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
        throw new P2pError('P2P_BAD_RESPONSE', `${name} response from ${peer}: ${errorMessage(err)}`);
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
      throw new P2pError('P2P_BAD_RESPONSE', `${name} request to ${peer} failed: ${errorMessage(err)}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (stream.status === 'open') stream.abort(new Error('request finished'));
    }
  };
}
