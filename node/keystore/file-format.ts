/**
 * Encrypted key file (docs/crypto.md, "Keystore"): scrypt(passphrase, salt) -> 32-byte key,
 * AES-256-GCM(key, nonce, aad = "polchain-keystore-v1:" + publicKeyHex) over the 32-byte ed25519 seed.
 * The public key and address are stored in clear (and bound through the AAD and a re-derivation check).
 */
import { randomBytes } from 'node:crypto';
import { scrypt, scryptAsync } from '@noble/hashes/scrypt.js';
import { gcm } from '@noble/ciphers/aes.js';

import { KeystoreError } from './errors.ts';
import { publicKeyFromSeed, addressFromPublicKey, encodeAddress, bytesToHex, equalBytes, ED25519_SEED_LENGTH, isAddress } from '../../primitives/index.ts';

export const KEYSTORE_VERSION = 1;
export const KEYSTORE_KIND = 'polchain-keystore';
export const DEFAULT_SCRYPT = { n: 1 << 15, r: 8, p: 1 } as const;
const DKLEN = 32;
const SALT_LEN = 32;
const NONCE_LEN = 12;
/** Upper bounds accepted when reading a file (a hostile file must not make us allocate gigabytes). */
const MAX_N = 1 << 20, MAX_R = 32, MAX_P = 16;
/**
 * And on their products: scrypt's memory is 128·N·r bytes (capped at 256 MiB, 8x the default's 32
 * MiB) and its work grows with N·r·p (capped at 16x the default), so a damaged or hostile file is
 * refused at once instead of stalling a start for minutes or exhausting memory.
 */
const MAX_MEMORY_NR = 1 << 21, MAX_WORK_NRP = 1 << 22;

export interface KeystoreFile {
  version: 1;
  kind: 'polchain-keystore';
  /** bech32m 'pol1...' address of publicKey, in clear. */
  address: string;
  /** hex ed25519 public key, in clear. */
  publicKey: string;
  crypto: {
    kdf: 'scrypt';
    kdfparams: { n: number; r: number; p: number; dklen: 32; salt: string };
    cipher: 'aes-256-gcm';
    nonce: string;
    /** hex: 32-byte encrypted seed followed by the 16-byte GCM tag. */
    ciphertext: string;
  };
}

export interface EncryptOptions {
  /** scrypt cost N (power of two, default 2^15). Lower only for tests. */
  n?: number;
  r?: number;
  p?: number;
  /** Fixed salt/nonce, for reproducible tests only. Default: node:crypto randomBytes. */
  salt?: Uint8Array;
  nonce?: Uint8Array;
}

function aadFor(publicKeyHex: string): Uint8Array {
  return new TextEncoder().encode(`polchain-keystore-v1:${publicKeyHex}`);
}

function u8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function checkParams(n: number, r: number, p: number, where: string): void {
  const pow2 = Number.isSafeInteger(n) && n >= 2 && n <= MAX_N && (n & (n - 1)) === 0;
  if (!pow2 || !Number.isSafeInteger(r) || r < 1 || r > MAX_R || !Number.isSafeInteger(p) || p < 1 || p > MAX_P) {
    throw new KeystoreError('KEYSTORE_MALFORMED', `${where}: scrypt parameters out of range (n=${n}, r=${r}, p=${p}; n must be a power of two <= 2^20, r <= ${MAX_R}, p <= ${MAX_P})`);
  }
  if (n * r > MAX_MEMORY_NR || n * r * p > MAX_WORK_NRP) {
    throw new KeystoreError('KEYSTORE_MALFORMED', `${where}: scrypt cost too high (n=${n}, r=${r}, p=${p}: ${(128 * n * r) >> 20} MiB; the limits are 128·n·r <= ${(128 * MAX_MEMORY_NR) >> 20} MiB and n·r·p <= 2^22)`);
  }
}

function seal(seed: Uint8Array, key: Uint8Array, n: number, r: number, p: number, salt: Uint8Array, nonce: Uint8Array, pub: Uint8Array): KeystoreFile {
  const publicKey = bytesToHex(pub);
  const ct = gcm(key, nonce, aadFor(publicKey)).encrypt(seed);
  key.fill(0);
  return {
    version: KEYSTORE_VERSION,
    kind: KEYSTORE_KIND,
    address: encodeAddress(addressFromPublicKey(pub)),
    publicKey,
    crypto: {
      kdf: 'scrypt',
      kdfparams: { n, r, p, dklen: DKLEN, salt: bytesToHex(salt) },
      cipher: 'aes-256-gcm',
      nonce: bytesToHex(nonce),
      ciphertext: bytesToHex(ct),
    },
  };
}

function prepare(seed: Uint8Array, passphrase: string, opts: EncryptOptions) {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_LENGTH) {
    throw new KeystoreError('KEYSTORE_BAD_SEED', `encryptKey: seed must be ${ED25519_SEED_LENGTH} bytes`);
  }
  if (typeof passphrase !== 'string') throw new KeystoreError('KEYSTORE_BAD_PASSPHRASE', 'encryptKey: passphrase must be a string');
  const n = opts.n ?? DEFAULT_SCRYPT.n, r = opts.r ?? DEFAULT_SCRYPT.r, p = opts.p ?? DEFAULT_SCRYPT.p;
  checkParams(n, r, p, 'encryptKey');
  const salt = opts.salt ?? u8(randomBytes(SALT_LEN));
  const nonce = opts.nonce ?? u8(randomBytes(NONCE_LEN));
  if (salt.length < 16) throw new KeystoreError('KEYSTORE_MALFORMED', 'encryptKey: salt must be at least 16 bytes');
  if (nonce.length !== NONCE_LEN) throw new KeystoreError('KEYSTORE_MALFORMED', `encryptKey: nonce must be ${NONCE_LEN} bytes`);
  return { n, r, p, salt, nonce, pub: publicKeyFromSeed(seed) };
}

/** Encrypts a 32-byte seed under a passphrase (synchronous scrypt: ~0.1-0.3 s at the default N). */
export function encryptKey(seed: Uint8Array, passphrase: string, opts: EncryptOptions = {}): KeystoreFile {
  const { n, r, p, salt, nonce, pub } = prepare(seed, passphrase, opts);
  const key = scrypt(passphrase, salt, { N: n, r, p, dkLen: DKLEN });
  return seal(seed, key, n, r, p, salt, nonce, pub);
}

/** Same as encryptKey, with scrypt yielding to the event loop. */
export async function encryptKeyAsync(seed: Uint8Array, passphrase: string, opts: EncryptOptions = {}): Promise<KeystoreFile> {
  const { n, r, p, salt, nonce, pub } = prepare(seed, passphrase, opts);
  const key = await scryptAsync(passphrase, salt, { N: n, r, p, dkLen: DKLEN });
  return seal(seed, key, n, r, p, salt, nonce, pub);
}

const HEX = /^(?:[0-9a-f]{2})*$/;

function hexField(v: unknown, what: string, len?: number): Uint8Array {
  if (typeof v !== 'string' || !HEX.test(v)) throw new KeystoreError('KEYSTORE_MALFORMED', `keystore file: ${what} must be lowercase hex`);
  const b = u8(Buffer.from(v, 'hex'));
  if (len !== undefined && b.length !== len) throw new KeystoreError('KEYSTORE_MALFORMED', `keystore file: ${what} must be ${len} bytes, got ${b.length}`);
  return b;
}

interface Parsed { n: number; r: number; p: number; salt: Uint8Array; nonce: Uint8Array; ct: Uint8Array; pub: Uint8Array; publicKey: string }

/** Structural validation of an untrusted KeystoreFile-shaped value. Throws KEYSTORE_MALFORMED. */
export function parseKeystoreFile(file: unknown): Parsed {
  const bad = (m: string) => new KeystoreError('KEYSTORE_MALFORMED', `keystore file: ${m}`);
  if (file === null || typeof file !== 'object') throw bad('not an object');
  const f = file as Record<string, unknown>;
  if (f.kind !== KEYSTORE_KIND) throw bad(`kind must be "${KEYSTORE_KIND}"`);
  if (f.version !== KEYSTORE_VERSION) throw bad(`unsupported version ${String(f.version)} (this node reads version ${KEYSTORE_VERSION})`);
  const c = f.crypto as Record<string, unknown> | undefined;
  if (c === null || typeof c !== 'object') throw bad('crypto section missing');
  if (c.kdf !== 'scrypt') throw bad(`unsupported kdf ${String(c.kdf)}`);
  if (c.cipher !== 'aes-256-gcm') throw bad(`unsupported cipher ${String(c.cipher)}`);
  const kp = c.kdfparams as Record<string, unknown> | undefined;
  if (kp === null || typeof kp !== 'object') throw bad('kdfparams missing');
  if (kp.dklen !== DKLEN) throw bad(`kdfparams.dklen must be ${DKLEN}`);
  const n = kp.n as number, r = kp.r as number, p = kp.p as number;
  if (typeof n !== 'number' || typeof r !== 'number' || typeof p !== 'number') throw bad('kdfparams n, r, p must be numbers');
  checkParams(n, r, p, 'keystore file');
  const salt = hexField(kp.salt, 'kdfparams.salt');
  if (salt.length < 16) throw bad('salt shorter than 16 bytes');
  const nonce = hexField(c.nonce, 'nonce', NONCE_LEN);
  const ct = hexField(c.ciphertext, 'ciphertext', ED25519_SEED_LENGTH + 16);
  const pub = hexField(f.publicKey, 'publicKey', 32);
  if (typeof f.address !== 'string' || !isAddress(f.address)) throw bad('address is not a valid pol1 address');
  if (f.address !== encodeAddress(addressFromPublicKey(pub))) throw bad('address does not match publicKey');
  return { n, r, p, salt, nonce, ct, pub, publicKey: f.publicKey as string };
}

function open(parsed: Parsed, key: Uint8Array): Uint8Array {
  let seed: Uint8Array;
  try {
    seed = gcm(key, parsed.nonce, aadFor(parsed.publicKey)).decrypt(parsed.ct);
  } catch {
    throw new KeystoreError('KEYSTORE_BAD_PASSPHRASE', 'wrong passphrase, or the file was altered (its publicKey, address, nonce or ciphertext)');
  } finally {
    key.fill(0);
  }
  if (!equalBytes(publicKeyFromSeed(seed), parsed.pub)) {
    seed.fill(0);
    throw new KeystoreError('KEYSTORE_MALFORMED', 'keystore file: decrypted seed does not match publicKey');
  }
  return seed;
}

/** Decrypts the seed. Throws KEYSTORE_BAD_PASSPHRASE or KEYSTORE_MALFORMED. */
export function decryptKey(file: KeystoreFile, passphrase: string): Uint8Array {
  const parsed = parseKeystoreFile(file);
  if (typeof passphrase !== 'string') throw new KeystoreError('KEYSTORE_BAD_PASSPHRASE', 'passphrase must be a string');
  return open(parsed, scrypt(passphrase, parsed.salt, { N: parsed.n, r: parsed.r, p: parsed.p, dkLen: DKLEN }));
}

/** Same as decryptKey, with scrypt yielding to the event loop. */
export async function decryptKeyAsync(file: KeystoreFile, passphrase: string): Promise<Uint8Array> {
  const parsed = parseKeystoreFile(file);
  if (typeof passphrase !== 'string') throw new KeystoreError('KEYSTORE_BAD_PASSPHRASE', 'passphrase must be a string');
  return open(parsed, await scryptAsync(passphrase, parsed.salt, { N: parsed.n, r: parsed.r, p: parsed.p, dkLen: DKLEN }));
}
