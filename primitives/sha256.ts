// One SHA-256 for the whole project: node:crypto (about 9x faster than @noble/hashes here), so
// datasets, traces and the chain hash the same way.
import { createHash, hash as oneShot, type Hash } from 'node:crypto';

function toU8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The one-shot digest read back from a 'binary' (latin1) string (one char per byte) into a 32-byte array:
 * asked for a Buffer, node:crypto allocates an off-heap ArrayBuffer per digest (malloc, copy, a
 * Buffer object, later V8's ArrayBuffer sweeper), which for a small input costs about 4x the
 * hash itself (1.5 µs vs 0.38 µs for 65 bytes); a short string and a 32-byte array stay on the heap.
 */
function digest(data: Uint8Array): Uint8Array {
  const s = oneShot('sha256', data, 'binary');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = s.charCodeAt(i);
  return out;
}

// Several small parts are hashed as one input copied here (a streamed hash costs more than the copy).
const SCRATCH = 4096;
const scratch = new Uint8Array(SCRATCH);

/** SHA-256 of the concatenation of `parts`, streamed when large (no concatenation copy). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return digest(parts[0]!);
  let n = 0;
  for (const p of parts) n += p.length;
  if (n <= SCRATCH) {
    let o = 0;
    for (const p of parts) { scratch.set(p, o); o += p.length; }
    return digest(scratch.subarray(0, n));
  }
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return toU8(h.digest());
}

export function newHash(): Hash {
  return createHash('sha256');
}
