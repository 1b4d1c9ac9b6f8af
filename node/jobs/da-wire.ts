// Wire formats of the data-availability protocols (docs/da.md): canonical msgpack (vm codec) inside
// the p2p layer's request/response frames. Decoders check shapes and sizes before anything is used.
import { CHUNK_SIZE } from '../../ml-runtime/index.ts';
import { decodeCanonical, encode } from '../../vm/index.ts';
import { JobsError, type JobsErrorCode } from './errors.ts';
import { errorMessage } from '../../primitives/index.ts';

export const JOB_CHUNK_PROTOCOL = 'job-chunk';
export const DATASET_PROTOCOL = 'dataset';

const MiB = 1 << 20;

export const DA_LIMITS = {
  /** [jobId(32), u32, u32] encodes to at most 45 bytes */
  chunkRequestBytes: 64,
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
}

export function encodeChunkRequest(r: ChunkRequest): Uint8Array {
  if (!is32(r.jobId) || !isU32(r.checkpointIndex) || !isU32(r.chunkIndex)) {
    throw new JobsError('DA_BAD_REQUEST', `job-chunk request needs a 32-byte job id and two u32 indices`);
  }
  return encode([r.jobId, r.checkpointIndex, r.chunkIndex]);
}

export function decodeChunkRequest(bytes: Uint8Array): ChunkRequest {
  if (bytes.length > DA_LIMITS.chunkRequestBytes) throw new JobsError('DA_BAD_REQUEST', `job-chunk request of ${bytes.length} bytes`);
  const v = decode(bytes, 'job-chunk request', 'DA_BAD_REQUEST');
  if (!Array.isArray(v) || v.length !== 3 || !is32(v[0]) || !isU32(v[1]) || !isU32(v[2])) {
    throw new JobsError('DA_BAD_REQUEST', 'job-chunk request must be [jobId(32), checkpointIndex(u32), chunkIndex(u32)]');
  }
  return { jobId: v[0], checkpointIndex: v[1], chunkIndex: v[2] };
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
