// Canonical training state: weights, optimiser slots and the step counter, one byte encoding.
//
// Encoding (version 1):
//   "PCS1" (4 bytes) | u64be step | u32be tensorCount | tensorCount x ( u32be elementCount | float32 LE values )
// Tensor order: the spec's parameters in canonical order (per layer: kernel, bias), then the
// optimiser slots (adam: all first moments, then all second moments; momentum: all velocities).
// NaN and +-Inf are never encoded: encoding or hashing such a state throws STATE_NON_FINITE.
// Step hash: h_t = SHA-256("polchain/step-hash/v1\0" || jobId[32] || u64be(t) || encoding(state_t)).
import { createHash } from 'node:crypto';
import { MlError, NonFiniteStateError } from './errors.ts';
import { u32be, u64be, utf8 } from '../../primitives/index.ts';
import { f32leBytes, LITTLE_ENDIAN } from './float-bytes.ts';


export interface TrainState {
  step: number;
  params: Float32Array[];
  slots: Float32Array[];
}

const MAGIC = utf8('PCS1');
const STEP_TAG = utf8('polchain/step-hash/v1\u0000');

export function tensorsOf(s: TrainState): Float32Array[] {
  return [...s.params, ...s.slots];
}

function tensorName(s: TrainState, k: number): string {
  return k < s.params.length ? `params[${k}]` : `slots[${k - s.params.length}]`;
}

// States are treated as immutable values: once a state object has been checked it is remembered,
// so hashing and encoding the same object does not scan it again.
const checked = new WeakSet<TrainState>();

/** Records that `s` is known to be finite (the optimiser checked every value it stored). */
export function markFinite(s: TrainState): void {
  checked.add(s);
}

/** Throws NonFiniteStateError on the first NaN/Inf (tensor order, then element order). */
export function assertFinite(s: TrainState): void {
  if (checked.has(s)) return;
  const ts = tensorsOf(s);
  for (let k = 0; k < ts.length; k++) {
    const a = ts[k]!;
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (v - v !== 0) throw new NonFiniteStateError(s.step, tensorName(s, k), i, v);
    }
  }
  checked.add(s);
}

function header(s: TrainState): Uint8Array {
  const h = new Uint8Array(16);
  h.set(MAGIC, 0);
  h.set(u64be(s.step), 4);
  h.set(u32be(tensorsOf(s).length), 12);
  return h;
}

export function encodedStateLength(s: TrainState): number {
  return 16 + tensorsOf(s).reduce((a, t) => a + 4 + t.length * 4, 0);
}

/** The canonical encoding of a state. */
export function encodeState(s: TrainState): Uint8Array {
  assertFinite(s);
  const out = new Uint8Array(encodedStateLength(s));
  out.set(header(s), 0);
  let o = 16;
  for (const t of tensorsOf(s)) {
    out.set(u32be(t.length), o); o += 4;
    out.set(f32leBytes(t), o); o += t.length * 4;
  }
  return out;
}

/** Expected tensor sizes for a spec: parameter sizes then slot sizes. */
export interface StateLayout {
  paramSizes: number[];
  slotSizes: number[];
}

/** Decodes and checks a state against a layout; rejects any non-canonical byte string. */
export function decodeState(bytes: Uint8Array, layout: StateLayout): TrainState {
  const bad = (m: string): never => { throw new MlError('STATE_DECODE', `state encoding: ${m}`); };
  if (bytes.length < 16) bad(`${bytes.length} bytes is shorter than the 16-byte header`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) bad('bad magic (expected "PCS1")');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const step = dv.getBigUint64(4, false);
  if (step > BigInt(Number.MAX_SAFE_INTEGER)) bad(`step ${step} too large`);
  const count = dv.getUint32(12, false);
  const sizes = [...layout.paramSizes, ...layout.slotSizes];
  if (count !== sizes.length) bad(`${count} tensors, the spec needs ${sizes.length}`);
  let o = 16;
  const tensors: Float32Array[] = [];
  for (let k = 0; k < count; k++) {
    if (o + 4 > bytes.length) bad(`truncated before tensor ${k}`);
    const n = dv.getUint32(o, false); o += 4;
    if (n !== sizes[k]) bad(`tensor ${k} has ${n} elements, the spec needs ${sizes[k]}`);
    if (o + n * 4 > bytes.length) bad(`tensor ${k} truncated`);
    const t = new Float32Array(n);
    if (LITTLE_ENDIAN) new Uint8Array(t.buffer).set(bytes.subarray(o, o + n * 4));
    else for (let i = 0; i < n; i++) t[i] = dv.getFloat32(o + i * 4, true);
    o += n * 4;
    tensors.push(t);
  }
  if (o !== bytes.length) bad(`${bytes.length - o} trailing bytes`);
  const s: TrainState = { step: Number(step), params: tensors.slice(0, layout.paramSizes.length), slots: tensors.slice(layout.paramSizes.length) };
  assertFinite(s);
  return s;
}

function checkJobId(jobId: Uint8Array): void {
  if (!(jobId instanceof Uint8Array) || jobId.length !== 32) throw new MlError('TRACE_INVALID', `job id must be 32 bytes, got ${jobId?.length}`);
}

/** h_t for the state (t = state.step), streaming the encoding into SHA-256 without a copy. */
export function stepHash(jobId: Uint8Array, s: TrainState): Uint8Array {
  checkJobId(jobId);
  assertFinite(s);
  const h = createHash('sha256');
  h.update(STEP_TAG); h.update(jobId); h.update(u64be(s.step));
  h.update(header(s));
  for (const t of tensorsOf(s)) { h.update(u32be(t.length)); h.update(f32leBytes(t)); }
  return new Uint8Array(h.digest());
}

/** SHA-256 of the state's canonical encoding (a checkpoint's content hash). */
export function stateDigest(s: TrainState): Uint8Array {
  assertFinite(s);
  const h = createHash('sha256');
  h.update(header(s));
  for (const t of tensorsOf(s)) { h.update(u32be(t.length)); h.update(f32leBytes(t)); }
  return new Uint8Array(h.digest());
}

/**
 * h_t of a state given as its canonical encoding (the referee's check of a state supplied on chain):
 * the same bytes stepHash streams, so equal for a state and its encoding. Does not decode: a byte
 * string that is not a canonical state can still hash to a committed h_t, and the referee rejects it.
 */
export function stepHashOfEncoding(jobId: Uint8Array, t: number, encoding: Uint8Array): Uint8Array {
  checkJobId(jobId);
  const h = createHash('sha256');
  h.update(STEP_TAG); h.update(jobId); h.update(u64be(t)); h.update(encoding);
  return new Uint8Array(h.digest());
}

/** The step counter in a state encoding's header (null when the bytes are too short or not "PCS1"). */
export function encodedStateStep(encoding: Uint8Array): number | null {
  if (encoding.length < 16) return null;
  for (let i = 0; i < 4; i++) if (encoding[i] !== MAGIC[i]) return null;
  const step = new DataView(encoding.buffer, encoding.byteOffset, 16).getBigUint64(4, false);
  return step > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(step);
}
