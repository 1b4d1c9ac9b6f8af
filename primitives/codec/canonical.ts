import { Packr } from 'msgpackr';
import { CodecError, errorMessage } from '../errors.ts';
import { equalBytes } from '../bytes.ts';

/**
 * Canonical msgpack. Signed and hashed objects are fixed-order arrays of: unsigned 32-bit numbers,
 * bigints (always the 9-byte int64/uint64 form msgpackr writes for a bigint), byte strings,
 * UTF-8 strings, booleans, null and nested arrays. No maps, no floats.
 *
 * A byte string is canonical iff decoding it and encoding the result gives the same bytes back; the
 * schema layer then rejects values of the wrong type (a float, a map, a small int where a bigint
 * belongs), so every accepted value has exactly one encoding.
 */
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: false,
  int64AsType: 'bigint',
  moreTypes: false,
  bundleStrings: false,
  structuredClone: false,
  useTimestamp32: false,
} as ConstructorParameters<typeof Packr>[0]);

export type Encodable = number | bigint | Uint8Array | string | boolean | null | Encodable[];

export function encode(value: Encodable): Uint8Array {
  // msgpackr returns a view into its reusable scratch buffer: copy into a plain Uint8Array we own.
  return new Uint8Array(packr.pack(value));
}

/**
 * The canonical encoding of `value` handed to `use` without the copy `encode` makes: a view into
 * msgpackr's scratch buffer, valid only until the next encode, so `use` must consume it at once
 * (synchronously, never keeping it). For bytes that are only compared, hashed or verified (signing
 * bytes checked against a signature); anything signed, stored or sent uses `encode`.
 */
export function withEncoding<T>(value: Encodable, use: (bytes: Uint8Array) => T): T {
  return use(packr.pack(value));
}

/**
 * Decodes `bytes` and proves they are canonical by encoding the value again and comparing with the
 * scratch output directly (no copy: nothing encodes between the pack and the compare).
 * msgpackr decodes from a fresh plain view of `bytes`: the byte strings it hands out are then plain
 * Uint8Array views into `bytes` (no Buffer to re-wrap), and the DataView msgpackr caches on its
 * source lands on that short-lived view instead of staying attached to the caller's array.
 */
export function decodeCanonical(bytes: Uint8Array, what = 'value'): unknown {
  let value: unknown;
  try {
    value = packr.unpack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new CodecError('CODEC_MALFORMED', `${what}: not valid msgpack (${errorMessage(e)})`);
  }
  let again: Uint8Array;
  try {
    again = packr.pack(value as Encodable);
  } catch (e) {
    throw new CodecError('CODEC_NON_CANONICAL', `${what}: holds a value with no canonical encoding`);
  }
  if (!equalBytes(again, bytes)) {
    throw new CodecError('CODEC_NON_CANONICAL', `${what}: not the canonical encoding (${bytes.length} bytes, canonical form has ${again.length})`);
  }
  return value;
}
