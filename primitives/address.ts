/**
 * Addresses: the first 20 bytes of sha256(publicKey), shown as bech32m with the prefix 'pol'
 * (e.g. pol1...; 42 characters). Decoding accepts all-lowercase or all-uppercase, never mixed.
 */
import { bech32m } from '@scure/base';
import { sha256 } from './sha256.ts';
import { AddressError, errorMessage } from './errors.ts';
import { ED25519_PUBLIC_KEY_LENGTH } from './ed25519/rules.ts';

export const ADDRESS_LENGTH = 20;
export const ADDRESS_HRP = 'pol';

/** First 20 bytes of sha256(publicKey). Throws AddressError on a public key that is not 32 bytes. */
export function addressFromPublicKey(pk: Uint8Array): Uint8Array {
  if (!(pk instanceof Uint8Array) || pk.length !== ED25519_PUBLIC_KEY_LENGTH) {
    throw new AddressError(`addressFromPublicKey: wrong public key length, must be ${ED25519_PUBLIC_KEY_LENGTH} bytes`);
  }
  // a view of the fresh digest, not a copy: the digest is ours alone, and a copy is one more allocation per tx
  return sha256(pk).subarray(0, ADDRESS_LENGTH);
}

/** bech32m('pol', addr). Throws AddressError if addr is not 20 bytes. */
export function encodeAddress(addr: Uint8Array): string {
  if (!(addr instanceof Uint8Array) || addr.length !== ADDRESS_LENGTH) {
    throw new AddressError(`encodeAddress: wrong address length, must be ${ADDRESS_LENGTH} bytes, got ${addr instanceof Uint8Array ? addr.length : typeof addr}`);
  }
  return bech32m.encode(ADDRESS_HRP, bech32m.toWords(addr));
}

/** Parses a 'pol1...' address. Throws AddressError (code ADDRESS_INVALID) saying why. */
export function decodeAddress(s: string): Uint8Array {
  if (typeof s !== 'string') throw new AddressError(`address must be a string, got ${typeof s}`);
  if (s.length === 0) throw new AddressError('address is empty');
  if (s !== s.toLowerCase() && s !== s.toUpperCase()) throw new AddressError('address mixes upper and lower case');
  const lower = s.toLowerCase();
  const sep = lower.lastIndexOf('1');
  if (sep < 1) throw new AddressError('address has no human-readable prefix separator "1"');
  const hrp = lower.slice(0, sep);
  if (hrp !== ADDRESS_HRP) throw new AddressError(`wrong address prefix "${hrp}", expected "${ADDRESS_HRP}"`);
  let words: number[];
  try {
    words = bech32m.decode(lower as `${string}1${string}`, 90).words;
  } catch (e) {
    const msg = errorMessage(e) ?? String(e);
    if (/checksum/i.test(msg)) throw new AddressError(`bad address checksum (${msg})`);
    throw new AddressError(`malformed address: ${msg}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = bech32m.fromWords(words);
  } catch (e) {
    throw new AddressError(`malformed address payload: ${errorMessage(e)}`);
  }
  if (bytes.length !== ADDRESS_LENGTH) throw new AddressError(`wrong address length: ${bytes.length} bytes, expected ${ADDRESS_LENGTH}`);
  return bytes;
}

/** true iff decodeAddress(s) would succeed. */
export function isAddress(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  try { decodeAddress(s); return true; } catch { return false; }
}
