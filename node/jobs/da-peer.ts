// Reaching the peer that serves a job's data, and turning p2p failures into DA error codes.
import { P2pError, type P2pHost } from '../p2p/index.ts';
import { JobsError, type JobsErrorCode } from './errors.ts';
import { errorMessage } from '../../primitives/index.ts';

/** A peer id, or the peer id and multiaddrs a solver announced in JobAccept (daPeer, daAddrs). */
export type DaPeer = string | { peerId: string; addrs?: readonly string[] };

/** Score changes for data that fails its commitment; p2p framing faults are penalised by the host itself. */
export const DA_PENALTY = {
  /** a chunk, state or sample that does not match the proof the peer sent or the root it was asked for */
  badProof: -20,
  /** a response that does not decode to the protocol's shape */
  badResponse: -10,
  /** a request that does not decode (served side) */
  badRequest: -10,
} as const;

/** Remote handlers prefix their error message with a code so the requester can tell "not here" from a failure. */
export function remoteError(e: unknown): Error {
  return new Error(e instanceof JobsError ? `${e.code}: ${e.message}` : errorMessage(e));
}

const MAX_ADDRS = 4;
const MAX_ADDR_LENGTH = 256;

/** Makes sure we can open streams to the peer: dials its announced addresses when not connected. */
export async function connectDaPeer(host: P2pHost, peer: DaPeer, signal?: AbortSignal): Promise<string> {
  const peerId = typeof peer === 'string' ? peer : peer.peerId;
  const addrs = typeof peer === 'string' ? [] : [...(peer.addrs ?? [])];
  if (host.isBanned(peerId)) throw new JobsError('DA_UNREACHABLE', `DA peer ${peerId} is banned`);
  if (host.peers().some((p) => p.peerId === peerId) || addrs.length === 0) return peerId;
  const failures: string[] = [];
  for (const a of addrs.slice(0, MAX_ADDRS)) {
    if (signal?.aborted) throw new JobsError('DA_ABORTED', `connecting to ${peerId} aborted`);
    if (typeof a !== 'string' || a.length > MAX_ADDR_LENGTH) {
      failures.push('an address that is not a string of at most 256 characters');
      continue;
    }
    const p2p = a.match(/\/p2p\/([^/]+)$/)?.[1];
    // an address naming another peer would connect us to someone who cannot prove the data is the solver's
    if (p2p !== undefined && p2p !== peerId) {
      failures.push(`${a} names another peer`);
      continue;
    }
    try {
      const got = await host.dial(p2p === undefined ? `${a}/p2p/${peerId}` : a);
      if (got === peerId) return peerId;
      failures.push(`${a} answered as ${got}`);
    } catch (e) {
      failures.push(errorMessage(e));
    }
  }
  throw new JobsError('DA_UNREACHABLE', `cannot connect to DA peer ${peerId}: ${failures.join('; ')}`);
}

/** Codes a server's answer keeps at the requester; any other remote failure reads as DA_NOT_FOUND (not available there). */
const PASSED_ON: ReadonlySet<string> = new Set(['DA_NOT_FOUND', 'DA_BAD_REQUEST', 'DA_TOO_LARGE', 'DA_FORBIDDEN', 'DA_AUTH_INVALID']);

function mapP2pError(e: unknown, what: string, signal?: AbortSignal): JobsError {
  if (e instanceof JobsError) return e;
  if (signal?.aborted) return new JobsError('DA_ABORTED', `${what}: aborted`, { cause: e });
  if (!(e instanceof P2pError)) return new JobsError('DA_BAD_RESPONSE', `${what}: ${errorMessage(e)}`, { cause: e });
  let code: JobsErrorCode;
  switch (e.code) {
    case 'P2P_TIMEOUT':
      code = 'DA_TIMEOUT';
      break;
    case 'P2P_ABORTED':
      code = 'DA_ABORTED';
      break;
    case 'P2P_REMOTE_ERROR': {
      const remote = e.message.match(/failed remotely: ([A-Z_]+): /)?.[1];
      code = remote !== undefined && PASSED_ON.has(remote) ? (remote as JobsErrorCode) : 'DA_NOT_FOUND';
      break;
    }
    case 'P2P_FRAME_TOO_LARGE':
    case 'P2P_MALFORMED_FRAME':
    case 'P2P_BAD_RESPONSE':
      code = 'DA_BAD_RESPONSE';
      break;
    default: // dial failed, banned, stream closed, host stopped
      code = 'DA_UNREACHABLE';
  }
  return new JobsError(code, `${what}: ${e.message}`, { cause: e });
}

function retryable(e: JobsError): boolean {
  const p2p = e.cause instanceof P2pError ? e.cause.code : undefined;
  return e.code === 'DA_TIMEOUT' || p2p === 'P2P_STREAM_CLOSED';
}

export interface DaRequestOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  retries: number;
  signal?: AbortSignal;
}

/** One request with retries on timeouts and dropped streams (load or a restart, as often as malice). */
export async function daRequest(host: P2pHost, peerId: string, protocol: string, body: Uint8Array, what: string, o: DaRequestOptions): Promise<Uint8Array> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await host.request(peerId, protocol, body, {
        timeoutMs: o.timeoutMs,
        maxResponseBytes: o.maxResponseBytes,
        ...(o.signal !== undefined ? { signal: o.signal } : {}),
      });
    } catch (e) {
      const err = mapP2pError(e, what, o.signal);
      if (attempt >= o.retries || !retryable(err)) throw err;
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
  }
}

/** Runs `task(i)` for i in [0, n) on up to `concurrency` lanes; the first failure stops the rest and is thrown. */
export async function runLanes(n: number, concurrency: number, signal: AbortSignal | undefined, task: (i: number, signal: AbortSignal) => Promise<void>): Promise<void> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) ctl.abort();
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (failure === undefined) {
      if (ctl.signal.aborted) {
        failure ??= new JobsError('DA_ABORTED', 'fetch aborted');
        return;
      }
      const i = next++;
      if (i >= n) return;
      try {
        await task(i, ctl.signal);
      } catch (e) {
        failure ??= e;
        ctl.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, lane));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) {
    if (signal?.aborted && !(failure instanceof JobsError && failure.code === 'DA_ABORTED')) throw new JobsError('DA_ABORTED', 'fetch aborted', { cause: failure });
    throw failure;
  }
}
