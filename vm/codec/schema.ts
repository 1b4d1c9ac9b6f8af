import { VmError, type VmErrorCode } from '../errors.ts';

/**
 * Field readers for decoded canonical arrays. Each names the object and field in its error, so a
 * rejected transaction says exactly which part was wrong.
 */
export const U64_MAX = (1n << 64n) - 1n;

/** Checks a list element outside a Reader (e.g. a bare 32-byte hash), with the same error form. */
export function expectBytes(v: unknown, path: string, length: number, code: VmErrorCode = 'TX_MALFORMED'): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== length) throw new VmError(code, `${path}: expected ${length} bytes`);
  return v;
}

export function expectString(v: unknown, path: string, maxLength: number, code: VmErrorCode = 'TX_MALFORMED'): string {
  if (typeof v !== 'string' || v.length > maxLength) throw new VmError(code, `${path}: expected a string of at most ${maxLength} characters`);
  return v;
}

export function expectU32(v: unknown, path: string, code: VmErrorCode = 'TX_MALFORMED'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new VmError(code, `${path}: expected an unsigned 32-bit integer`);
  return v;
}

export class Reader {
  private i = 0;
  constructor(
    private readonly arr: unknown[],
    private readonly what: string,
    private readonly code: VmErrorCode,
  ) {}

  static of(v: unknown, what: string, length: number, code: VmErrorCode = 'TX_MALFORMED'): Reader {
    if (!Array.isArray(v)) throw new VmError(code, `${what}: expected an array`);
    if (v.length !== length) throw new VmError(code, `${what}: expected ${length} fields, got ${v.length}`);
    return new Reader(v, what, code);
  }

  private next(_field: string): unknown {
    return this.arr[this.i++];
  }

  u32(field: string): number {
    const v = this.next(field);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw this.err(field, 'an unsigned 32-bit integer');
    return v;
  }

  u64(field: string): bigint {
    const v = this.next(field);
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw this.err(field, 'an unsigned 64-bit bigint');
    return v;
  }

  bytes(field: string, length?: number): Uint8Array {
    const v = this.next(field);
    if (!(v instanceof Uint8Array)) throw this.err(field, 'a byte string');
    if (length !== undefined && v.length !== length) throw this.err(field, `${length} bytes (got ${v.length})`);
    return v;
  }

  str(field: string, maxLength: number): string {
    const v = this.next(field);
    if (typeof v !== 'string' || v.length > maxLength) throw this.err(field, `a string of at most ${maxLength} characters`);
    return v;
  }

  array(field: string): unknown[] {
    const v = this.next(field);
    if (!Array.isArray(v)) throw this.err(field, 'an array');
    return v;
  }

  /** An array of min..max entries, each read by `item` with its own path (`field[i]`). */
  list<T>(field: string, min: number, max: number, item: (v: unknown, path: string, code: VmErrorCode) => T): T[] {
    const v = this.next(field);
    if (!Array.isArray(v) || v.length < min || v.length > max) throw this.err(field, `an array of ${min} to ${max} entries`);
    return v.map((e, i) => item(e, `${this.what}.${field}[${i}]`, this.code));
  }

  /** A byte string of at most `maxLength` bytes. */
  bin(field: string, maxLength: number): Uint8Array {
    const v = this.next(field);
    if (!(v instanceof Uint8Array) || v.length > maxLength) throw this.err(field, `a byte string of at most ${maxLength} bytes`);
    return v;
  }

  /** nil or a byte string of exactly `length` bytes. */
  optBytes(field: string, length: number): Uint8Array | null {
    const v = this.next(field);
    if (v === null) return null;
    if (!(v instanceof Uint8Array) || v.length !== length) throw this.err(field, `nil or ${length} bytes`);
    return v;
  }


  raw(): unknown {
    return this.arr[this.i++];
  }

  private err(field: string, expected: string): VmError {
    return new VmError(this.code, `${this.what}.${field}: expected ${expected}`);
  }
}
