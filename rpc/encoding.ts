// The chain's JSON conventions on the wire (see docs/rpc.md "Encoding"):
// - u64 values (heights, amounts, fees, stakes, nonces, timestamps) are canonical decimal strings in
//   results; a u64 param may be either a decimal string or a JSON integer in the safe range (clients
//   built on Ethereum tooling send strings, hand-written calls send numbers: both mean the same);
// - bytes (hashes, addresses, signatures, payloads) are lowercase 0x-prefixed hex;
// - a block reference is a height (either u64 form), "latest" or a 0x hash.

import { RpcError, INVALID_PARAMS } from './errors.ts';
import type { JsonSchema } from './schema.ts';

const DEC_UNSIGNED = /^(0|[1-9][0-9]*)$/;
const DEC_SIGNED = /^(0|-?[1-9][0-9]*)$/;
const HEX = /^0x([0-9a-f]{2})*$/;

function bad(name: string, message: string): RpcError {
  return new RpcError(INVALID_PARAMS, `Invalid params: ${name}: ${message}`, { param: name });
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : `${typeof v} ${String(v)}`;
}

/** Encodes a bigint as a decimal string ("0", "123", "-5"). */
export function encodeBigInt(v: bigint): string {
  if (typeof v !== 'bigint') throw new TypeError(`encodeBigInt expects a bigint, got ${typeof v}`);
  return v.toString(10);
}

export interface BigIntParamOptions {
  /** Accept a leading "-" (still canonical: no "-0"). Default false. */
  allowNegative?: boolean;
  /** Inclusive bounds. */
  min?: bigint;
  max?: bigint;
  /** Accept a JSON number if it is a safe integer (lenient mode for small values). Default false. */
  allowNumber?: boolean;
}

/**
 * Parses a canonical decimal-string integer param. Rejects "01", "+1", "1e3", "1.0", " 1", "",
 * "-0" and (unless allowNegative) negatives; throws RpcError(-32602) naming the param.
 */
export function parseBigIntParam(v: unknown, name: string, opts: BigIntParamOptions = {}): bigint {
  let n: bigint;
  if (typeof v === 'number' && opts.allowNumber && Number.isSafeInteger(v)) {
    n = BigInt(v);
  } else if (typeof v === 'string') {
    if (v.length > 100) throw bad(name, `decimal integer string too long (${v.length} characters, max 100)`);
    const re = opts.allowNegative ? DEC_SIGNED : DEC_UNSIGNED;
    if (!re.test(v)) {
      throw bad(name, `must be a canonical ${opts.allowNegative ? '' : 'non-negative '}decimal integer string (no sign, leading zeros, exponent or spaces), got ${show(v)}`);
    }
    n = BigInt(v);
  } else {
    throw bad(name, `must be a decimal integer string, got ${show(v)}`);
  }
  if (!opts.allowNegative && n < 0n) throw bad(name, `must be non-negative, got ${n}`);
  if (opts.min !== undefined && n < opts.min) throw bad(name, `must be >= ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw bad(name, `must be <= ${opts.max}, got ${n}`);
  return n;
}

/** Encodes bytes as lowercase 0x-prefixed hex ("0x" for empty). */
export function encodeHex(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`encodeHex expects a Uint8Array, got ${typeof bytes}`);
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Decodes lowercase 0x-hex to bytes without validation messages (throws TypeError). */
export function decodeHex(s: string): Uint8Array {
  if (!HEX.test(s)) throw new TypeError(`not lowercase 0x-hex with whole bytes: ${show(s)}`);
  return new Uint8Array(Buffer.from(s.slice(2), 'hex'));
}

/**
 * Parses a lowercase 0x-hex param (even number of digits). With `len`, the decoded length must be
 * exactly `len` bytes. Throws RpcError(-32602) naming the param.
 */
export function parseHexParam(v: unknown, name: string, len?: number): Uint8Array {
  if (typeof v !== 'string') throw bad(name, `must be a 0x-prefixed hex string, got ${show(v)}`);
  if (!HEX.test(v)) {
    let why = 'must be lowercase 0x-prefixed hex with an even number of digits';
    if (/^0x[0-9a-fA-F]*$/.test(v) && /[A-F]/.test(v)) why = 'must be lowercase hex (no A-F)';
    else if (/^0x[0-9a-f]*$/.test(v)) why = 'must have an even number of hex digits';
    else if (!v.startsWith('0x')) why = 'must start with "0x"';
    throw bad(name, `${why}, got ${show(v)}`);
  }
  const bytes = new Uint8Array(Buffer.from(v.slice(2), 'hex'));
  if (len !== undefined && bytes.length !== len) throw bad(name, `must be ${len} bytes, got ${bytes.length}`);
  return bytes;
}

/** Largest u64. */
export const U64_MAX = (1n << 64n) - 1n;

/**
 * Parses a u64 param in either form the encoding rule admits: a JSON integer 0..2^53-1 or a
 * canonical decimal string 0..2^64-1. Throws RpcError(-32602) naming the param.
 */
export function parseU64Param(v: unknown, name: string): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw bad(name, `must be a non-negative integer up to 2^53-1 (use a decimal string for larger values), got ${show(v)}`);
    return BigInt(v);
  }
  if (typeof v !== 'string') throw bad(name, `must be a decimal integer string or a JSON integer, got ${show(v)}`);
  if (v.length > 20 || !DEC_UNSIGNED.test(v)) {
    throw bad(name, `must be a canonical non-negative decimal integer string (no sign, leading zeros, exponent or spaces) or a JSON integer, got ${show(v)}`);
  }
  const n = BigInt(v);
  if (n > U64_MAX) throw bad(name, `must be at most 2^64-1, got ${v}`);
  return n;
}

export type BlockTag =
  | { kind: 'latest' }
  | { kind: 'height'; height: bigint }
  | { kind: 'hash'; hash: Uint8Array };

/** Length of block hashes in bytes (SHA-256). */
export const HASH_BYTES = 32;

/** Parses a block reference: a height (JSON integer or decimal string), "latest", or a 32-byte 0x hash. */
export function parseBlockTag(v: unknown, name: string): BlockTag {
  if (v === 'latest') return { kind: 'latest' };
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw bad(name, `height must be a non-negative safe integer, got ${show(v)}`);
    return { kind: 'height', height: BigInt(v) };
  }
  if (typeof v === 'string' && v.startsWith('0x')) return { kind: 'hash', hash: parseHexParam(v, name, HASH_BYTES) };
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return { kind: 'height', height: parseU64Param(v, name) };
  throw bad(name, `must be a height (JSON integer or decimal string), "latest" or a 0x block hash, got ${show(v)}`);
}

/**
 * JSON.stringify replacer used by the server and client: bigint -> decimal string,
 * Uint8Array -> lowercase 0x-hex. Lets handlers return chain values directly.
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString(10);
  if (value instanceof Uint8Array) return encodeHex(value);
  return value;
}

/** Ready-made schemas for params and results in the chain's encoding. */
/** The two forms a u64 param may take: a canonical decimal string (as results give it) or a safe JSON integer. */
const U64_FORMS: JsonSchema[] = [
  { type: 'string', pattern: '^(0|[1-9][0-9]*)$', maxLength: 20 },
  { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
];

export const schemas = {
  /** Non-negative decimal integer string (u64/u128/u256 amounts, nonces). */
  bigint: { type: 'string', pattern: '^(0|[1-9][0-9]*)$', maxLength: 100, description: 'non-negative integer as a canonical decimal string' } as JsonSchema,
  /** Any lowercase 0x-hex byte string. */
  bytes: { type: 'string', pattern: '^0x([0-9a-f]{2})*$', description: 'bytes as lowercase 0x-hex' } as JsonSchema,
  /** Lowercase 0x-hex of exactly n bytes. */
  hex(n: number, description = `${n} bytes as lowercase 0x-hex`): JsonSchema {
    return { type: 'string', pattern: `^0x[0-9a-f]{${2 * n}}$`, description };
  },
  /** 32-byte hash. */
  hash: { type: 'string', pattern: '^0x[0-9a-f]{64}$', description: '32-byte hash as lowercase 0x-hex' } as JsonSchema,
  /** A u64 param: a decimal string (as results give it) or a JSON integer in the safe range. */
  u64: {
    description: 'u64: a canonical decimal string ("0".."18446744073709551615", as results give it) or a JSON integer 0..2^53-1',
    oneOf: U64_FORMS,
  } as JsonSchema,
  /** Block height param (a u64 in either form). */
  height: {
    description: 'block height: a decimal string (as results give it) or a JSON integer 0..2^53-1',
    oneOf: U64_FORMS,
  } as JsonSchema,
  /** Height (decimal string or JSON integer) | "latest" | 32-byte block hash. */
  blockTag: {
    description: 'block height (a decimal string as results give it, or a JSON integer 0..2^53-1), "latest", or a 32-byte block hash',
    oneOf: [
      ...U64_FORMS,
      { type: 'string', enum: ['latest'] },
      { type: 'string', pattern: '^0x[0-9a-f]{64}$' },
    ],
  } as JsonSchema,
};
