// Commitment proofs over DA: any checkpoint's leaf under the job's checkpointsRoot ('job-checkpoint')
// and any run of trace leaves under its traceRoot ('job-trace'). JobOpen and JobReveal put only the
// sampled ones on chain; a challenger who replays a segment that was not sampled (polchain watch)
// asks the solver for the rest and proves each against the committed roots before trusting a byte.
// The trace range matters most: it is exactly what the solver will answer in a dispute, so a
// challenger that compares its replay with it never opens a dispute the solver's answer defeats.
import { checkpointCount, checkpointLeaf, checkpointStep } from '../../ml-runtime/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import { JobsError } from './errors.ts';
import { DA_PENALTY, connectDaPeer, daRequest, remoteError, type DaPeer } from './da-peer.ts';
import {
  DA_LIMITS, JOB_CHECKPOINT_PROTOCOL, JOB_TRACE_PROTOCOL,
  decodeCheckpointLeafRequest, decodeCheckpointLeafResponse, decodeTraceRangeRequest, decodeTraceRangeResponse,
  encodeCheckpointLeafRequest, encodeCheckpointLeafResponse, encodeTraceRangeRequest, encodeTraceRangeResponse,
} from './da-wire.ts';
import { registerLossServer, type LossSource } from './loss-da.ts';
import { bytesToHex, errorMessage, leafHash, verifyMerkleProof, verifyMerkleRange } from '../../primitives/index.ts';

/** A checkpoint leaf as JobOpen would put it on chain (the same shape as da.ts's CheckpointOpening). */
export interface CheckpointLeaf {
  index: number;
  chunkRoot: Uint8Array;
  stepHash: Uint8Array;
}

/** What can prove checkpoint leaves and trace ranges (SolverArtifacts; da.ts's ChunkSource may). */
export interface ProofSource extends LossSource {
  leaf?(checkpointIndex: number): Promise<{ chunkRoot: Uint8Array; stepHash: Uint8Array; siblings: Uint8Array[] }>;
  traceRange?(from: number, to: number): Promise<{ hashes: Uint8Array[]; siblings: Uint8Array[] }>;
}

export type ProofSourceLookup = (jobId: Uint8Array, peerId: string) => ProofSource | undefined | Promise<ProofSource | undefined>;

interface ServeOptions { timeoutMs?: number; maxInboundStreams?: number }

async function serve(
  host: P2pHost, protocol: string, limits: { maxRequestBytes: number; maxResponseBytes: number }, opts: ServeOptions,
  answer: (req: Uint8Array, peer: string) => Promise<Uint8Array>,
): Promise<void> {
  await host.handle(protocol, async (req, peer) => {
    try {
      return await answer(req, peer);
    } catch (e) {
      throw remoteError(e);
    }
  }, {
    ...limits,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.maxInboundStreams !== undefined ? { maxInboundStreams: opts.maxInboundStreams } : {}),
  });
}

/** Decodes a request; one that does not decode costs the requester (as on 'job-chunk'). */
function decodeOrPenalise<T>(host: P2pHost, peer: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    host.adjustScore(peer, DA_PENALTY.badRequest, `malformed ${what} request`);
    throw e;
  }
}

/** Serves 'job-checkpoint', 'job-trace' and 'job-loss' (loss-da.ts) for the sources `lookup` gives that can prove them. */
export async function registerProofServers(host: P2pHost, lookup: ProofSourceLookup, opts: ServeOptions = {}): Promise<void> {
  await serve(host, JOB_CHECKPOINT_PROTOCOL, { maxRequestBytes: DA_LIMITS.checkpointRequestBytes, maxResponseBytes: DA_LIMITS.checkpointResponseBytes }, opts, async (req, peer) => {
    const r = decodeOrPenalise(host, peer, 'job-checkpoint', () => decodeCheckpointLeafRequest(req));
    const src = await lookup(r.jobId, peer);
    if (src?.leaf === undefined) throw new JobsError('DA_NOT_FOUND', `checkpoint leaves of job ${bytesToHex(r.jobId)} are not served here`);
    return encodeCheckpointLeafResponse(await src.leaf(r.checkpointIndex));
  });
  await serve(host, JOB_TRACE_PROTOCOL, { maxRequestBytes: DA_LIMITS.traceRequestBytes, maxResponseBytes: DA_LIMITS.traceResponseBytes }, opts, async (req, peer) => {
    const r = decodeOrPenalise(host, peer, 'job-trace', () => decodeTraceRangeRequest(req));
    const src = await lookup(r.jobId, peer);
    if (src?.traceRange === undefined) throw new JobsError('DA_NOT_FOUND', `the trace of job ${bytesToHex(r.jobId)} is not served here`);
    return encodeTraceRangeResponse(await src.traceRange(r.from, r.to));
  });
  await registerLossServer(host, lookup, opts);
}

interface FetchOptions {
  signal?: AbortSignal;
  /** per request (default 10 s) */
  timeoutMs?: number;
  /** retries after a timeout or a dropped stream (default 2) */
  retries?: number;
}

export interface FetchCheckpointLeafOptions extends FetchOptions {
  jobId: Uint8Array;
  index: number;
  /** the job's T and k: give the checkpoint's step and the number of leaves under the root */
  steps: number;
  checkpointInterval: number;
  /** TraceCommit's checkpointsRoot, which the leaf must be proven under */
  checkpointsRoot: Uint8Array;
}

function need32(b: unknown, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new JobsError('DA_BAD_REQUEST', `${what} must be 32 bytes`);
}

async function ask<T>(host: P2pHost, peer: DaPeer, protocol: string, body: Uint8Array, maxResponseBytes: number, what: string, o: FetchOptions, decode: (b: Uint8Array) => T): Promise<{ peerId: string; r: T }> {
  const peerId = await connectDaPeer(host, peer, o.signal);
  const res = await daRequest(host, peerId, protocol, body, what, {
    timeoutMs: o.timeoutMs ?? 10_000, maxResponseBytes, retries: o.retries ?? 2, ...(o.signal !== undefined ? { signal: o.signal } : {}),
  });
  try {
    return { peerId, r: decode(res) };
  } catch (e) {
    host.adjustScore(peerId, DA_PENALTY.badResponse, `malformed ${protocol} response`);
    throw new JobsError('DA_BAD_RESPONSE', `${what} from ${peerId}: ${errorMessage(e)}`, { cause: e });
  }
}

function badProof(host: P2pHost, peerId: string, protocol: string, msg: string): never {
  host.adjustScore(peerId, DA_PENALTY.badProof, `${protocol}: ${msg}`);
  throw new JobsError('DA_BAD_PROOF', msg);
}

/**
 * Asks the solver for checkpoint `index`'s leaf and accepts it only when its proof holds under the
 * committed checkpointsRoot (DA_BAD_PROOF, and a penalty for the peer, otherwise). The result is an
 * opening as JobOpen would have put it on chain, so fetchCheckpointState can take it.
 */
export async function fetchCheckpointLeaf(host: P2pHost, peer: DaPeer, o: FetchCheckpointLeafOptions): Promise<CheckpointLeaf> {
  need32(o.jobId, 'job id');
  need32(o.checkpointsRoot, 'checkpointsRoot');
  const count = checkpointCount(o.steps, o.checkpointInterval);
  if (!Number.isInteger(o.index) || o.index < 0 || o.index >= count) throw new JobsError('DA_BAD_REQUEST', `checkpoint index ${o.index} outside 0..${count - 1}`);
  const what = `checkpoint ${o.index} leaf of job ${bytesToHex(o.jobId).slice(0, 16)}`;
  const body = encodeCheckpointLeafRequest({ jobId: o.jobId, checkpointIndex: o.index });
  const { peerId, r } = await ask(host, peer, JOB_CHECKPOINT_PROTOCOL, body, DA_LIMITS.checkpointResponseBytes, what, o, decodeCheckpointLeafResponse);
  const leaf = leafHash(checkpointLeaf(checkpointStep(o.index, o.steps, o.checkpointInterval), r.chunkRoot, r.stepHash));
  if (!verifyMerkleProof(leaf, { index: o.index, count, siblings: r.siblings }, o.checkpointsRoot)) {
    badProof(host, peerId, JOB_CHECKPOINT_PROTOCOL, `${what} from ${peerId} is not proven under the committed checkpointsRoot`);
  }
  return { index: o.index, chunkRoot: r.chunkRoot, stepHash: r.stepHash };
}

export interface FetchTraceRangeOptions extends FetchOptions {
  jobId: Uint8Array;
  from: number;
  to: number;
  /** the job's T: the trace has T + 1 leaves h_0 .. h_T */
  steps: number;
  /** TraceCommit's traceRoot */
  traceRoot: Uint8Array;
}

/**
 * Asks the solver for h_from .. h_to and accepts them only with a Merkle range proof under the
 * committed traceRoot: these are the hashes the solver is bound to answer a dispute with.
 */
export async function fetchTraceRange(host: P2pHost, peer: DaPeer, o: FetchTraceRangeOptions): Promise<Uint8Array[]> {
  need32(o.jobId, 'job id');
  need32(o.traceRoot, 'traceRoot');
  if (!Number.isInteger(o.from) || !Number.isInteger(o.to) || o.from < 0 || o.to < o.from || o.to > o.steps || o.to - o.from + 1 > DA_LIMITS.maxTraceHashes) {
    throw new JobsError('DA_BAD_REQUEST', `trace range ${o.from}..${o.to} is not 1..${DA_LIMITS.maxTraceHashes} steps inside 0..${o.steps}`);
  }
  const what = `trace h_${o.from}..h_${o.to} of job ${bytesToHex(o.jobId).slice(0, 16)}`;
  const body = encodeTraceRangeRequest({ jobId: o.jobId, from: o.from, to: o.to });
  const { peerId, r } = await ask(host, peer, JOB_TRACE_PROTOCOL, body, DA_LIMITS.traceResponseBytes, what, o, decodeTraceRangeResponse);
  if (r.hashes.length !== o.to - o.from + 1) badProof(host, peerId, JOB_TRACE_PROTOCOL, `${what} from ${peerId}: ${r.hashes.length} hashes for ${o.to - o.from + 1} steps`);
  if (!verifyMerkleRange(r.hashes.map(leafHash), o.from, o.steps + 1, r.siblings, o.traceRoot)) {
    badProof(host, peerId, JOB_TRACE_PROTOCOL, `${what} from ${peerId} is not proven under the committed traceRoot`);
  }
  return r.hashes;
}
