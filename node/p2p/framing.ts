import { P2pError } from './errors.ts';

/**
 * Request/response framing: one unsigned-LEB128 varint length, then that many bytes.
 * The varint must be minimal (no 0x80 .. 0x00 padding) and at most 8 bytes long; the
 * caller's size cap is checked as soon as the length is known, before the body arrives.
 */
const MAX_VARINT_BYTES = 8;

/** A chunk as libp2p streams yield it: a Uint8Array or a Uint8ArrayList (any version). */
export type Chunk = Uint8Array | { readonly byteLength: number; subarray(): Uint8Array };

export function encodeVarint(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) throw new P2pError('P2P_MALFORMED_FRAME', `varint: negative value ${v}`);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}

/**
 * Decodes a minimal varint at `offset` of `buf`; returns undefined when `buf` ends first.
 * Throws P2P_MALFORMED_FRAME on a non-minimal or over-long varint.
 */
export function decodeVarint(
  buf: Uint8Array,
  offset = 0,
  maxBytes = MAX_VARINT_BYTES,
): { value: bigint; bytes: number } | undefined {
  let value = 0n;
  for (let i = 0; i < maxBytes; i++) {
    if (offset + i >= buf.length) return undefined;
    const b = buf[offset + i];
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw new P2pError('P2P_MALFORMED_FRAME', 'varint: non-minimal encoding');
      return { value, bytes: i + 1 };
    }
  }
  throw new P2pError('P2P_MALFORMED_FRAME', `varint: longer than ${maxBytes} bytes`);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

function toBytes(chunk: Chunk): Uint8Array {
  return chunk instanceof Uint8Array ? chunk : chunk.subarray();
}

/**
 * Reads exactly one frame from `source` (a libp2p stream or any async iterable of chunks).
 * Throws P2P_FRAME_TOO_LARGE as soon as the announced length exceeds `maxBytes`,
 * P2P_MALFORMED_FRAME on a bad varint or when the source ends inside the frame, and
 * P2P_STREAM_CLOSED when it ends before the first byte (a reset or an early close).
 * Bytes after the frame are ignored (a stream carries one request and one response).
 */
export async function readFrame(source: AsyncIterable<Chunk>, maxBytes: number): Promise<Uint8Array> {
  let header: Uint8Array = new Uint8Array(0);
  let want = -1;
  const body: Uint8Array[] = [];
  let have = 0;
  const it = source[Symbol.asyncIterator]();
  for (;;) {
    const next = await it.next();
    if (next.done === true) {
      if (want < 0 && header.length === 0) throw new P2pError('P2P_STREAM_CLOSED', 'stream ended before any byte of a frame');
      throw new P2pError(
        'P2P_MALFORMED_FRAME',
        want < 0 ? `stream ended after ${header.length} bytes, before a frame length` : `stream ended after ${have} of ${want} frame bytes`,
      );
    }
    let chunk = toBytes(next.value);
    if (want < 0) {
      header = concatBytes([header, chunk]);
      const v = decodeVarint(header);
      if (v === undefined) continue;
      if (v.value > BigInt(maxBytes)) {
        throw new P2pError('P2P_FRAME_TOO_LARGE', `frame of ${v.value} bytes exceeds the limit of ${maxBytes}`);
      }
      want = Number(v.value);
      chunk = header.subarray(v.bytes);
    }
    const take = Math.min(chunk.byteLength, want - have);
    if (take > 0) {
      body.push(chunk.subarray(0, take));
      have += take;
    }
    if (have === want) return body.length === 1 ? body[0] : concatBytes(body);
  }
}
