// 'job-loss' (docs/da.md): the solver serves its committed loss vector, loss_0 .. loss_{T-1} as
// float32 big-endian bits, and a fetcher accepts it only when its per-segment leaves give the loss
// root the TraceCommit carried (docs/jobs.md §1.1). Public like the proof servers: a loss is bound
// to h_{t+1} in every claim the chain compares, so publishing it helps no lazy committee member.
import { LOSS_BYTES, segmentBounds, segmentCount } from '../../ml-runtime/index.ts';
import { decodeCanonical, encode } from '../../vm/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import { JobsError } from './errors.ts';
import { DA_PENALTY, connectDaPeer, daRequest, remoteError, type DaPeer } from './da-peer.ts';
import { bytesToHex, errorMessage, equalBytes, merkleRoot } from '../../primitives/index.ts';

export const JOB_LOSS_PROTOCOL = 'job-loss';
/** [jobId(32)] */
const REQUEST_BYTES = 64;
/** T ≤ 65 536 losses of 4 bytes, and the byte string's header */
export const LOSS_RESPONSE_BYTES = 65536 * LOSS_BYTES + 16;

export interface LossSource {
  /** the committed loss vector's bits (DA_NOT_FOUND / ARTIFACTS_NOT_FOUND when the record holds none) */
  lossBits?(): Promise<Uint8Array>;
}

export function encodeLossRequest(jobId: Uint8Array): Uint8Array {
  if (!(jobId instanceof Uint8Array) || jobId.length !== 32) throw new JobsError('DA_BAD_REQUEST', 'job-loss request needs a 32-byte job id');
  return encode([jobId]);
}

export function decodeLossRequest(bytes: Uint8Array): Uint8Array {
  let v: unknown;
  try {
    if (bytes.length > REQUEST_BYTES) throw new Error(`${bytes.length} bytes`);
    v = decodeCanonical(bytes, 'job-loss request');
  } catch (e) {
    throw new JobsError('DA_BAD_REQUEST', `job-loss request: ${errorMessage(e)}`);
  }
  if (!Array.isArray(v) || v.length !== 1 || !(v[0] instanceof Uint8Array) || v[0].length !== 32) throw new JobsError('DA_BAD_REQUEST', 'job-loss request must be [jobId(32)]');
  return v[0];
}

/** Serves 'job-loss' for the sources `lookup` gives that hold a loss curve. */
export async function registerLossServer(
  host: P2pHost, lookup: (jobId: Uint8Array, peer: string) => LossSource | undefined | Promise<LossSource | undefined>,
  opts: { timeoutMs?: number; maxInboundStreams?: number } = {},
): Promise<void> {
  await host.handle(JOB_LOSS_PROTOCOL, async (req, peer) => {
    try {
      let jobId: Uint8Array;
      try {
        jobId = decodeLossRequest(req);
      } catch (e) {
        host.adjustScore(peer, DA_PENALTY.badRequest, 'malformed job-loss request');
        throw e;
      }
      const src = await lookup(jobId, peer);
      if (src?.lossBits === undefined) throw new JobsError('DA_NOT_FOUND', `the loss curve of job ${bytesToHex(jobId)} is not served here`);
      return encode([await src.lossBits()]);
    } catch (e) {
      throw remoteError(e);
    }
  }, { maxRequestBytes: REQUEST_BYTES, maxResponseBytes: LOSS_RESPONSE_BYTES, ...opts });
}

/** The loss root of a vector of f32be bits (DA_BAD_PROOF when its length is not 4·T). */
export function lossRootOfBits(bits: Uint8Array, T: number, k: number): Uint8Array {
  if (bits.length !== T * LOSS_BYTES) throw new JobsError('DA_BAD_PROOF', `a loss vector of ${bits.length} bytes for ${T} steps (expected ${T * LOSS_BYTES})`);
  const leaves = Array.from({ length: segmentCount(T, k) }, (_, j) => {
    const { from, to } = segmentBounds(T, k, j);
    return bits.subarray(from * LOSS_BYTES, to * LOSS_BYTES);
  });
  return merkleRoot(leaves);
}

/** Refuses (DA_BAD_PROOF) a loss vector whose leaves do not give the committed loss root. */
export function checkLossVector(bits: Uint8Array, T: number, k: number, lossRoot: Uint8Array): Uint8Array {
  if (!equalBytes(lossRootOfBits(bits, T, k), lossRoot)) throw new JobsError('DA_BAD_PROOF', 'the loss vector does not match the committed loss root');
  return bits;
}

export interface FetchLossOptions {
  jobId: Uint8Array;
  steps: number;
  checkpointInterval: number;
  /** TraceCommit's lossRoot, which the vector must give */
  lossRoot: Uint8Array;
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
}

/** Asks the solver for its loss vector and accepts it only when it gives the committed loss root. */
export async function fetchLossVector(host: P2pHost, peer: DaPeer, o: FetchLossOptions): Promise<Uint8Array> {
  const what = `loss curve of job ${bytesToHex(o.jobId).slice(0, 16)}`;
  const peerId = await connectDaPeer(host, peer, o.signal);
  const res = await daRequest(host, peerId, JOB_LOSS_PROTOCOL, encodeLossRequest(o.jobId), what, {
    timeoutMs: o.timeoutMs ?? 10_000, maxResponseBytes: LOSS_RESPONSE_BYTES, retries: o.retries ?? 2, ...(o.signal !== undefined ? { signal: o.signal } : {}),
  });
  let bits: Uint8Array;
  try {
    const v = decodeCanonical(res, 'job-loss response');
    if (!Array.isArray(v) || v.length !== 1 || !(v[0] instanceof Uint8Array)) throw new Error('expected [bytes]');
    bits = v[0];
  } catch (e) {
    host.adjustScore(peerId, DA_PENALTY.badResponse, 'malformed job-loss response');
    throw new JobsError('DA_BAD_RESPONSE', `${what} from ${peerId}: ${errorMessage(e)}`, { cause: e });
  }
  try {
    return checkLossVector(bits, o.steps, o.checkpointInterval, o.lossRoot);
  } catch (e) {
    host.adjustScore(peerId, DA_PENALTY.badProof, `${JOB_LOSS_PROTOCOL}: ${errorMessage(e)}`);
    throw e;
  }
}
