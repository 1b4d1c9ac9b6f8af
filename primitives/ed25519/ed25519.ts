/**
 * ed25519 on the hot path via node:crypto (OpenSSL), with the strict rule set of ed25519-rules.ts.
 * KeyObjects are cached in bounded insertion-ordered Maps (LRU-ish: a hit moves the entry to the back).
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { CryptoError } from '../errors.ts';
import { sha256 } from '../sha256.ts';
import { ED25519_SEED_LENGTH, passesStrictPrechecks } from './rules.ts';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const PUBLIC_CACHE_MAX = 8192;
const PRIVATE_CACHE_MAX = 64; // keyed by sha256(seed)
const publicCache = new Map<string, KeyObject>();
const privateCache = new Map<string, KeyObject>();

function buf(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function cacheGet(cache: Map<string, KeyObject>, k: string): KeyObject | undefined {
  const v = cache.get(k);
  if (v !== undefined && cache.size > 64) { cache.delete(k); cache.set(k, v); }
  return v;
}

function cachePut(cache: Map<string, KeyObject>, max: number, k: string, v: KeyObject): void {
  if (cache.size >= max) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(k, v);
}

function checkSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_LENGTH) {
    throw new CryptoError('CRYPTO_BAD_SEED', `ed25519 seed must be ${ED25519_SEED_LENGTH} bytes, got ${seed instanceof Uint8Array ? seed.length : typeof seed}`);
  }
}

function privateKeyFor(seed: Uint8Array): KeyObject {
  checkSeed(seed);
  const k = buf(sha256(seed)).toString('hex'); // the cache never holds raw seeds as strings
  let key = cacheGet(privateCache, k);
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, buf(seed)]), format: 'der', type: 'pkcs8' });
    cachePut(privateCache, PRIVATE_CACHE_MAX, k, key);
  }
  return key;
}

function publicKeyObject(publicKey: Uint8Array): KeyObject | undefined {
  const k = buf(publicKey).toString('hex');
  let key = cacheGet(publicCache, k);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, buf(publicKey)]), format: 'der', type: 'spki' });
    } catch {
      return undefined;
    }
    cachePut(publicCache, PUBLIC_CACHE_MAX, k, key);
  }
  return key;
}

/** 32-byte seed -> 32-byte public key. Throws CryptoError CRYPTO_BAD_SEED on a wrong length. */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  const priv = privateKeyFor(seed);
  const der = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return Uint8Array.from(der.subarray(der.length - 32));
}

/** Deterministic RFC 8032 signature (64 bytes) of `message` by the key derived from `seed`. */
export function sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  const sig = nodeSign(null, buf(message), privateKeyFor(seed));
  return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
}

/** Strict RFC 8032 verification (docs/crypto.md). Returns false on any bad input; never throws. */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!passesStrictPrechecks(publicKey, message, signature)) return false;
  const key = publicKeyObject(publicKey);
  if (key === undefined) return false;
  try {
    return nodeVerify(null, buf(message), key, buf(signature));
  } catch {
    return false;
  }
}

/** Test/ops hook: empties the KeyObject caches. */
export function clearKeyCaches(): void {
  publicCache.clear();
  privateCache.clear();
}
