// Wire formats of the data-availability protocols (docs/da.md): canonical msgpack (vm codec) inside
// the p2p layer's request/response frames. Decoders check shapes and sizes before anything is used.
import { CHUNK_SIZE } from '../../ml-runtime/index.ts';
import { decodeCanonical, encode } from '../../vm/index.ts';
import { JobsError, type JobsErrorCode } from './errors.ts';
import type { DaAuth } from './da-auth.ts';
import { errorMessage } from '../../primitives/index.ts';

export const JOB_CHUNK_PROTOCOL = 'job-chunk';
export const JOB_CHECKPOINT_PROTOCOL = 'job-checkpoint';
export const JOB_TRACE_PROTOCOL = 'job-trace';
export const DATASET_PROTOCOL = 'dataset';

const MiB = 1 << 20;

export const DA_LIMITS = {
  /** [jobId(32), u32, u32, [publicKey(32), u64, signature(64)] | nil] encodes to at most 157 bytes */
  chunkRequestBytes: 192,
  /** [jobId(32), u32] */
  checkpointRequestBytes: 64,
  /** [chunkRoot(32), stepHash(32), ≤ 32 siblings of 32]: about 1.2 KB */
  checkpointResponseBytes: 2048,
  /** [jobId(32), u32, u32] */
  traceRequestBytes: 64,
  /** a segment's hashes: k + 1 ≤ 65 */
  maxTraceHashes: 65,
  /** a range proof over ≤ 65537 leaves needs ≤ 34 siblings (JOB_LIMITS.maxSiblings bounds it at 64 on chain) */
  maxRangeSiblings: 64,
  /** 65 + 64 hashes of 34 bytes and headers */
  traceResponseBytes: 8192,
  /** a chunk tree of 2^32 leaves has 32 levels */
  maxSiblings: 32,
  /** chunk (≤ CHUNK_SIZE + 5 header bytes) + 32 siblings of 34 bytes + array headers */
  chunkResponseBytes: CHUNK_SIZE + 2048,
  /** [root(32), u32, u32] */
  datasetRequestBytes: 64,
  maxSamplesPerRequest: 256,
  /** one encoded sample (mnist's is 795 bytes) */
  maxSampleBytes: 1 * MiB,
  /** a dataset response stops before this size; the client asks again from where it ended */
  datasetResponseBytes: 8 * MiB,
  /** a state larger than any valid spec's (10M parameters x 3 tensors x 4 bytes = 120 MB) */
  maxStateBytes: 256 * MiB,
  /** all samples of a fetched dataset together */
  maxDatasetBytes: 1024 * MiB,
  /** JOB_LIMITS: datasetSize ≤ 2^20 */
  maxDatasetSize: 1 << 20,
} as const;

const U32_MAX = 0xffffffff;

function isU32(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= U32_MAX;
}

function is32(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === 32;
}

function decode(bytes: Uint8Array, what: string, code: JobsErrorCode): unknown {
  try {
    return decodeCanonical(bytes, what);
  } catch (e) {
    throw new JobsError(code, `${what}: ${errorMessage(e)}`);
  }
}

function siblingsOf(x: unknown, what: string, code: JobsErrorCode): Uint8Array[] {
  if (!Array.isArray(x) || x.length > DA_LIMITS.maxSiblings || !x.every(is32)) {
    throw new JobsError(code, `${what}: siblings must be a list of at most ${DA_LIMITS.maxSiblings} 32-byte hashes`);
  }
  return x;
}

// ---- job-chunk ----------------------------------------------------------------------------------

export interface ChunkRequest {
  jobId: Uint8Array;
  checkpointIndex: number;
  chunkIndex: number;
  /** who asks (da-auth.ts); null for an anonymous request, which only public data answers */
  auth: DaAuth | null;
}

const U64_MAX = (1n << 64n) - 1n;

export function encodeChunkRequest(r: ChunkRequest): Uint8Array {
  if (!is32(r.jobId) || !isU32(r.checkpointIndex) || !isU32(r.chunkIndex)) {
    throw new JobsError('DA_BAD_REQUEST', `job-chunk request needs a 32-byte job id and two u32 indices`);
  }
  const a = r.auth;
  if (a !== null && (!is32(a.publicKey) || !(a.signature instanceof Uint8Array) || a.signature.length !== 64 || typeof a.notAfter !== 'bigint' || a.notAfter < 0n || a.notAfter > U64_MAX)) {
    throw new JobsError('DA_BAD_REQUEST', 'job-chunk auth needs a 32-byte public key, a u64 height and a 64-byte signature');
  }
  return encode([r.jobId, r.checkpointIndex, r.chunkIndex, a === null ? null : [a.publicKey, a.notAfter, a.signature]]);
}

export function decodeChunkRequest(bytes: Uint8Array): ChunkRequest {
  if (bytes.length > DA_LIMITS.chunkRequestBytes) throw new JobsError('DA_BAD_REQUEST', `job-chunk request of ${bytes.length} bytes`);
  const v = decode(bytes, 'job-chunk request', 'DA_BAD_REQUEST');
  if (!Array.isArray(v) || v.length !== 4 || !is32(v[0]) || !isU32(v[1]) || !isU32(v[2])) {
    throw new JobsError('DA_BAD_REQUEST', 'job-chunk request must be [jobId(32), checkpointIndex(u32), chunkIndex(u32), auth | nil]');
  }
  const a = v[3];
  if (a === null) return { jobId: v[0], checkpointIndex: v[1], chunkIndex: v[2], auth: null };
  // a malformed proof of identity is refused outright: nothing is served on a guess
  if (!Array.isArray(a) || a.length !== 3 || !is32(a[0]) || typeof a[1] !== 'bigint' || a[1] < 0n || !(a[2] instanceof Uint8Array) || a[2].length !== 64) {
    throw new JobsError('DA_AUTH_INVALID', 'job-chunk auth must be [publicKey(32), notAfter(u64), signature(64)]');
  }
  return { jobId: v[0], checkpointIndex: v[1], chunkIndex: v[2], auth: { publicKey: a[0], notAfter: a[1], signature: a[2] } };
}

export interface ChunkResponse {
  chunk: Uint8Array;
  siblings: Uint8Array[];
}

export function encodeChunkResponse(r: ChunkResponse): Uint8Array {
  return encode([r.chunk, r.siblings]);
}

export function decodeChunkResponse(bytes: Uint8Array): ChunkResponse {
  const v = decode(bytes, 'job-chunk response', 'DA_BAD_RESPONSE');
  if (!Array.isArray(v) || v.length !== 2 || !(v[0] instanceof Uint8Array)) {
    throw new JobsError('DA_BAD_RESPONSE', 'job-chunk response must be [chunk(bin), siblings[]]');
  }
  if (v[0].length < 1 || v[0].length > CHUNK_SIZE) throw new JobsError('DA_BAD_RESPONSE', `job-chunk response: chunk of ${v[0].length} bytes (1..${CHUNK_SIZE})`);
  return { chunk: v[0], siblings: siblingsOf(v[1], 'job-chunk response', 'DA_BAD_RESPONSE') };
}

// ---- job-checkpoint ----------------------------------------------------------------------------

export interface CheckpointLeafRequest {
  jobId: Uint8Array;
  checkpointIndex: number;
}

export function encodeCheckpointLeafRequest(r: CheckpointLeafRequest): Uint8Array {
  if (!is32(r.jobId) || !isU32(r.checkpointIndex)) throw new JobsError('DA_BAD_REQUEST', 'job-checkpoint request needs a 32-byte job id and a u32 index');
  return encode([r.jobId, r.checkpointIndex]);
}

export function decodeCheckpointLeafRequest(bytes: Uint8Array): CheckpointLeafRequest {
  if (bytes.length > DA_LIMITS.checkpointRequestBytes) throw new JobsError('DA_BAD_REQUEST', `job-checkpoint request of ${bytes.length} bytes`);
  const v = decode(bytes, 'job-checkpoint request', 'DA_BAD_REQUEST');
  if (!Array.isArray(v) || v.length !== 2 || !is32(v[0]) || !isU32(v[1])) {
    throw new JobsError('DA_BAD_REQUEST', 'job-checkpoint request must be [jobId(32), checkpointIndex(u32)]');
  }
  return { jobId: v[0], checkpointIndex: v[1] };
}

/** A checkpoint's leaf under the job's checkpointsRoot: what JobOpen would put on chain for it. */
export interface CheckpointLeafResponse {
  chunkRoot: Uint8Array;
  stepHash: Uint8Array;
  siblings: Uint8Array[];
}

export function encodeCheckpointLeafResponse(r: CheckpointLeafResponse): Uint8Array {
  return encode([r.chunkRoot, r.stepHash, r.siblings]);
}

export function decodeCheckpointLeafResponse(bytes: Uint8Array): CheckpointLeafResponse {
  const v = decode(bytes, 'job-checkpoint response', 'DA_BAD_RESPONSE');
  if (!Array.isArray(v) || v.length !== 3 || !is32(v[0]) || !is32(v[1])) {
    throw new JobsError('DA_BAD_RESPONSE', 'job-checkpoint response must be [chunkRoot(32), stepHash(32), siblings[]]');
  }
  return { chunkRoot: v[0], stepHash: v[1], siblings: siblingsOf(v[2], 'job-checkpoint response', 'DA_BAD_RESPONSE') };
}

// ---- job-trace ---------------------------------------------------------------------------------

/** Trace leaves h_from .. h_to (inclusive) of a job. */
export interface TraceRangeRequest {
  jobId: Uint8Array;
  from: number;
  to: number;
}

function traceRangeOk(r: { from: unknown; to: unknown }): boolean {
  return isU32(r.from) && isU32(r.to) && r.to >= r.from && r.to - r.from + 1 <= DA_LIMITS.maxTraceHashes;
}

export function encodeTraceRangeRequest(r: TraceRangeRequest): Uint8Array {
  if (!is32(r.jobId) || !traceRangeOk(r)) throw new JobsError('DA_BAD_REQUEST', `job-trace request needs a 32-byte job id and a range of 1..${DA_LIMITS.maxTraceHashes} steps`);
  return encode([r.jobId, r.from, r.to]);
}

export function decodeTraceRangeRequest(bytes: Uint8Array): TraceRangeRequest {
  if (bytes.length > DA_LIMITS.traceRequestBytes) throw new JobsError('DA_BAD_REQUEST', `job-trace request of ${bytes.length} bytes`);
  const v = decode(bytes, 'job-trace request', 'DA_BAD_REQUEST');
  if (!Array.isArray(v) || v.length !== 3 || !is32(v[0]) || !traceRangeOk({ from: v[1], to: v[2] })) {
    throw new JobsError('DA_BAD_REQUEST', `job-trace request must be [jobId(32), from(u32), to(u32)] with 1..${DA_LIMITS.maxTraceHashes} steps`);
  }
  return { jobId: v[0], from: v[1], to: v[2] };
}

/** The hashes with their Merkle range proof under the trace root (what JobReveal / DisputeRespond carry). */
export interface TraceRangeResponse {
  hashes: Uint8Array[];
  siblings: Uint8Array[];
}

export function encodeTraceRangeResponse(r: TraceRangeResponse): Uint8Array {
  return encode([r.hashes, r.siblings]);
}

export function decodeTraceRangeResponse(bytes: Uint8Array): TraceRangeResponse {
  const v = decode(bytes, 'job-trace response', 'DA_BAD_RESPONSE');
  if (!Array.isArray(v) || v.length !== 2 || !Array.isArray(v[0]) || v[0].length > DA_LIMITS.maxTraceHashes || !v[0].every(is32)
    || !Array.isArray(v[1]) || v[1].length > DA_LIMITS.maxRangeSiblings || !v[1].every(is32)) {
    throw new JobsError('DA_BAD_RESPONSE', `job-trace response must be [[hash(32)] ≤ ${DA_LIMITS.maxTraceHashes}, [sibling(32)] ≤ ${DA_LIMITS.maxRangeSiblings}]`);
  }
  return { hashes: v[0], siblings: v[1] };
}

// ---- dataset ------------------------------------------------------------------------------------

export interface DatasetRequest {
  root: Uint8Array;
  from: number;
  count: number;
}

export function encodeDatasetRequest(r: DatasetRequest): Uint8Array {
  if (!is32(r.root) || !isU32(r.from) || !isU32(r.count) || r.count < 1 || r.count > DA_LIMITS.maxSamplesPerRequest) {
    throw new JobsError('DA_BAD_REQUEST', `dataset request needs a 32-byte root, a u32 start and 1..${DA_LIMITS.maxSamplesPerRequest} samples`);
  }
  return encode([r.root, r.from, r.count]);
}

export function decodeDatasetRequest(bytes: Uint8Array): DatasetRequest {
  if (bytes.length > DA_LIMITS.datasetRequestBytes) throw new JobsError('DA_BAD_REQUEST', `dataset request of ${bytes.length} bytes`);
  const v = decode(bytes, 'dataset request', 'DA_BAD_REQUEST');
  if (!Array.isArray(v) || v.length !== 3 || !is32(v[0]) || !isU32(v[1]) || !isU32(v[2]) || v[2] < 1 || v[2] > DA_LIMITS.maxSamplesPerRequest) {
    throw new JobsError('DA_BAD_REQUEST', `dataset request must be [root(32), from(u32), count(1..${DA_LIMITS.maxSamplesPerRequest})]`);
  }
  return { root: v[0], from: v[1], count: v[2] };
}

export interface SampleItem {
  sample: Uint8Array;
  siblings: Uint8Array[];
}

export function encodeDatasetResponse(items: readonly SampleItem[]): Uint8Array {
  return encode(items.map((i) => [i.sample, i.siblings]));
}

/** At most `maxItems` items (the request's count). */
export function decodeDatasetResponse(bytes: Uint8Array, maxItems: number): SampleItem[] {
  const v = decode(bytes, 'dataset response', 'DA_BAD_RESPONSE');
  if (!Array.isArray(v) || v.length > maxItems) throw new JobsError('DA_BAD_RESPONSE', `dataset response must be a list of at most ${maxItems} items`);
  return v.map((it, i): SampleItem => {
    if (!Array.isArray(it) || it.length !== 2 || !(it[0] instanceof Uint8Array)) throw new JobsError('DA_BAD_RESPONSE', `dataset response item ${i} must be [sample(bin), siblings[]]`);
    if (it[0].length > DA_LIMITS.maxSampleBytes) throw new JobsError('DA_BAD_RESPONSE', `dataset response item ${i}: sample of ${it[0].length} bytes (limit ${DA_LIMITS.maxSampleBytes})`);
    return { sample: it[0], siblings: siblingsOf(it[1], `dataset response item ${i}`, 'DA_BAD_RESPONSE') };
  });
}
