/**
 * Portable ed25519 (wallets, browsers) via @noble/curves, with exactly the strict rule set of
 * ed25519-rules.ts. noble's own verify() uses the cofactored equation, so the final check is done
 * here, cofactorless, with noble's point arithmetic: encode([S]B - [k]A) == R bytes, as OpenSSL does.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { passesStrictPrechecks, ED25519_SEED_LENGTH } from './rules.ts';
import { CryptoError } from '../errors.ts';

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

function bytesToNumberLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}

/** Strict RFC 8032 verification with @noble/curves; agrees with verify() on every input. Never throws. */
export function verifyNoble(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!passesStrictPrechecks(publicKey, message, signature)) return false;
  try {
    const A = Point.fromBytes(publicKey, false);
    const rBytes = signature.subarray(0, 32);
    Point.fromBytes(rBytes, false); // R must decode to a curve point
    const s = bytesToNumberLE(signature.subarray(32, 64));
    const k = bytesToNumberLE(sha512.create().update(rBytes).update(publicKey).update(message).digest()) % L;
    const sB = Point.BASE.multiplyUnsafe(s);
    const check = sB.subtract(A.multiplyUnsafe(k)).toBytes();
    for (let i = 0; i < 32; i++) if (check[i] !== rBytes[i]) return false;
    return true;
  } catch {
    return false;
  }
}

/** Portable public key derivation (same result as publicKeyFromSeed). */
export function publicKeyFromSeedNoble(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_LENGTH) {
    throw new CryptoError('CRYPTO_BAD_SEED', `ed25519 seed must be ${ED25519_SEED_LENGTH} bytes`);
  }
  return ed25519.getPublicKey(seed);
}

/** Portable signing (same bytes as sign()). */
export function signNoble(seed: Uint8Array, message: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_LENGTH) {
    throw new CryptoError('CRYPTO_BAD_SEED', `ed25519 seed must be ${ED25519_SEED_LENGTH} bytes`);
  }
  return ed25519.sign(message, seed);
}
