// One SHA-256 for the whole project: node:crypto (about 9x faster than @noble/hashes here), so
// datasets, traces and the chain hash the same way.
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
