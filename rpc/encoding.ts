// The chain's JSON conventions on the wire (see docs/rpc.md "Encoding"):
// - integers that can exceed 2^53 (amounts, fees, stakes, nonces) are canonical decimal strings;
// - bytes (hashes, addresses, signatures, payloads) are lowercase 0x-prefixed hex;
// - heights are JSON integers (safe integers); a block reference is a height, "latest" or a 0x hash.

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

export type BlockTag =
  | { kind: 'latest' }
  | { kind: 'height'; height: number }
  | { kind: 'hash'; hash: Uint8Array };

/** Length of block hashes in bytes (SHA-256). */
export const HASH_BYTES = 32;

/** Parses a block reference: a non-negative safe-integer height, "latest", or a 32-byte 0x hash. */
export function parseBlockTag(v: unknown, name: string): BlockTag {
  if (v === 'latest') return { kind: 'latest' };
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw bad(name, `height must be a non-negative safe integer, got ${show(v)}`);
    return { kind: 'height', height: v };
  }
  if (typeof v === 'string' && v.startsWith('0x')) return { kind: 'hash', hash: parseHexParam(v, name, HASH_BYTES) };
  throw bad(name, `must be a height (integer), "latest" or a 0x block hash, got ${show(v)}`);
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
  /** Block height. */
  height: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'block height' } as JsonSchema,
  /** Height | "latest" | 32-byte block hash. */
  blockTag: {
    description: 'block height, "latest", or a 32-byte block hash',
    oneOf: [
      { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      { type: 'string', enum: ['latest'] },
      { type: 'string', pattern: '^0x[0-9a-f]{64}$' },
    ],
  } as JsonSchema,
};
