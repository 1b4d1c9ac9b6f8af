// Counter-based PRF keyed by the job seed. Every random decision of a job (initial weights,
// dropout masks, batch order) is a pure function of (seed, domain, a, b, counter):
//   block(seed, domain, a, b, c) = SHA-256("polchain/prf/v1" || 0x00 || seed[32] || u32be(domain)
//                                           || u64be(a) || u64be(b) || u64be(c))
// read as eight big-endian uint32 words. Word w of a stream (seed, domain, a, b) is word
// (w mod 8) of block c = floor(w / 8). There is no state: any word can be computed directly.
import { createHash } from 'node:crypto';
import { MlError } from '../errors.ts';
import { utf8 } from '../../../primitives/index.ts';


/** PRF domains: what the stream is used for. Numbers are part of the protocol. */
export const PrfDomain = {
  /** a = parameter tensor index, b = 0 */
  INIT: 1,
  /** a = step index, b = layer index */
  DROPOUT: 2,
  /** a = epoch index, b = 0 */
  EPOCH_PERMUTATION: 3,
  /** a = dataset-specific, b = dataset-specific (synthetic datasets) */
  SYNTHETIC: 4,
  /** a = sequence index, b = 0 (sampling from a trained language model, keyed by a sampling seed) */
  SAMPLE: 5,
} as const;

const TAG = utf8('polchain/prf/v1\u0000');

function checkSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new MlError('PRF_INVALID', `PRF seed must be 32 bytes, got ${seed?.length}`);
}

const hdr = new Uint8Array(4 + 8 + 8 + 8);
const hdv = new DataView(hdr.buffer);

/** One 32-byte PRF block. */
export function prfBlock(seed: Uint8Array, domain: number, a: number, b: number, counter: number): Uint8Array {
  checkSeed(seed);
  hdv.setUint32(0, domain >>> 0, false);
  hdv.setBigUint64(4, BigInt(a), false);
  hdv.setBigUint64(12, BigInt(b), false);
  hdv.setBigUint64(20, BigInt(counter), false);
  const h = createHash('sha256');
  h.update(TAG); h.update(seed); h.update(hdr);
  return new Uint8Array(h.digest());
}

/** Words [start, start+count) of the stream (seed, domain, a, b). */
export function prfWords(seed: Uint8Array, domain: number, a: number, b: number, start: number, count: number): Uint32Array {
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(count) || count < 0) {
    throw new MlError('PRF_INVALID', `bad PRF word range start=${start} count=${count}`);
  }
  const out = new Uint32Array(count);
  let w = start;
  let i = 0;
  while (i < count) {
    const c = Math.floor(w / 8);
    const blk = prfBlock(seed, domain, a, b, c);
    const dv = new DataView(blk.buffer, blk.byteOffset, 32);
    for (let j = w % 8; j < 8 && i < count; j++, i++, w++) out[i] = dv.getUint32(j * 4, false);
  }
  return out;
}

/** A sequential reader over one stream, for consumers with data-dependent word use (rejection sampling). */
export class PrfStream {
  private pos = 0;
  private buf: Uint32Array = new Uint32Array(0);
  private bufStart = 0;
  constructor(private readonly seed: Uint8Array, private readonly domain: number, private readonly a: number, private readonly b: number) {
    checkSeed(seed);
  }
  next(): number {
    const off = this.pos - this.bufStart;
    if (off >= this.buf.length) {
      this.bufStart = this.pos;
      this.buf = prfWords(this.seed, this.domain, this.a, this.b, this.pos, 256);
    }
    const v = this.buf[this.pos - this.bufStart]!;
    this.pos++;
    return v;
  }
  /** Uniform integer in [0, n), n <= 2^32, by rejection (no modulo bias). */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new MlError('PRF_INVALID', `below(${n}): n must be an integer in 1..2^32`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const u = this.next();
      if (u < limit) return u % n;
    }
  }
}

/** Uniform in [0, 1) with 24 bits, exactly representable in float32: (u >>> 8) / 2^24. */
export function unitFromWord(u: number): number {
  return (u >>> 8) / 16777216;
}

/** Uniform in (-1, 1), symmetric, 24-bit grid, exact in float32: ((u >>> 8) + 0.5) / 2^23 - 1. */
export function signedUnitFromWord(u: number): number {
  return ((u >>> 8) + 0.5) / 8388608 - 1;
}

/** Permutation of 0..n-1 for one epoch: Fisher-Yates driven by the EPOCH_PERMUTATION stream. */
export function epochPermutation(seed: Uint8Array, epoch: number, n: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const s = new PrfStream(seed, PrfDomain.EPOCH_PERMUTATION, epoch, 0);
  for (let i = n - 1; i > 0; i--) {
    const j = s.below(i + 1);
    const t = p[i]!; p[i] = p[j]!; p[j] = t;
  }
  return p;
}

const permCache = new Map<string, Uint32Array>();

/**
 * Sample indices of the batch for step t (t = 0 is the first update): positions [t*B, (t+1)*B)
 * of the concatenation of epoch permutations, so each epoch draws every sample once, without
 * replacement, and a batch may straddle two epochs.
 */
export function batchIndices(seed: Uint8Array, step: number, batchSize: number, n: number): Uint32Array {
  if (n < 1) throw new MlError('PRF_INVALID', 'batchIndices: dataset is empty');
  const out = new Uint32Array(batchSize);
  const start = step * batchSize;
  const seedHex = Buffer.from(seed.buffer, seed.byteOffset, seed.byteLength).toString('hex');
  for (let i = 0; i < batchSize; i++) {
    const pos = start + i;
    const epoch = Math.floor(pos / n);
    const key = `${seedHex}:${epoch}:${n}`;
    let perm = permCache.get(key);
    if (!perm) {
      perm = epochPermutation(seed, epoch, n);
      if (permCache.size > 8) permCache.delete(permCache.keys().next().value!);
      permCache.set(key, perm);
    }
    out[i] = perm[pos - epoch * n]!;
  }
  return out;
}

/** Dropout keep-mask for `count` elements at (step, layer): element i kept iff word i >= rate * 2^32 (rate in [0,1)). */
export function dropoutMask(seed: Uint8Array, step: number, layer: number, count: number, rate: number): Uint8Array {
  const w = prfWords(seed, PrfDomain.DROPOUT, step, layer, 0, count);
  const threshold = Math.floor(rate * 4294967296);
  const m = new Uint8Array(count);
  for (let i = 0; i < count; i++) m[i] = w[i]! >= threshold ? 1 : 0;
  return m;
}
