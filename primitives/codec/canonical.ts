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

export function decodeCanonical(bytes: Uint8Array, what = 'value'): unknown {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (e) {
    throw new CodecError('CODEC_MALFORMED', `${what}: not valid msgpack (${errorMessage(e)})`);
  }
  let again: Uint8Array;
  try {
    again = encode(value as Encodable);
  } catch (e) {
    throw new CodecError('CODEC_NON_CANONICAL', `${what}: holds a value with no canonical encoding`);
  }
  if (!equalBytes(again, bytes)) {
    throw new CodecError('CODEC_NON_CANONICAL', `${what}: not the canonical encoding (${bytes.length} bytes, canonical form has ${again.length})`);
  }
  return normalise(value);
}

/** msgpackr hands out Buffers for bin fields; the model uses plain Uint8Array views. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = normalise(v[i]);
    return v;
  }
  if (v instanceof Uint8Array && v.constructor !== Uint8Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return v;
}
