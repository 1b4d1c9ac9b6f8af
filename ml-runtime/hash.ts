// Hashing primitives: SHA-256 from node:crypto, and fixed-width integer encodings used inside hashed data.
import { createHash, hash as oneShot, type Hash } from 'node:crypto';

function toU8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** SHA-256 of the concatenation of `parts`, streamed (no concatenation copy); one part uses the one-shot path. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return toU8(oneShot('sha256', parts[0]!, 'buffer') as unknown as Buffer);
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return toU8(h.digest());
}

export function newHash(): Hash {
  return createHash('sha256');
}

const enc = new TextEncoder();
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}

/** Unsigned 64-bit big-endian encoding of a non-negative safe integer (or bigint). */
export function u64be(n: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), false);
  return out;
}

export function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, false);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string, what = 'hex string'): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(s)) throw new TypeError(`${what} is not lowercase hex: ${JSON.stringify(s.slice(0, 80))}`);
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True on little-endian hosts; float32 data is encoded little-endian everywhere. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a Float32Array (a view when the host is little-endian, a copy otherwise). */
export function f32leBytes(a: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat32(i * 4, a[i]!, true);
  return out;
}
