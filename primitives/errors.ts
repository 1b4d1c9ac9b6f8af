/**
 * Typed errors thrown by primitives/ (each carries a stable string `code`), the base every typed
 * error of the project extends, and the one way to turn any thrown value into text.
 */

/** An error with a stable, documented code that clients and tests match on (never on the message). */
export class CodedError<C extends string = string> extends Error {
  constructor(readonly code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The message of anything thrown (an Error's message, else its string form). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The stable code of a typed error, if it has one. */
export function errorCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** One line for logs and results: "CODE: message" when the error has a code. */
export function errorLine(e: unknown): string {
  const code = errorCode(e);
  return code ? `${code}: ${errorMessage(e)}` : errorMessage(e);
}

export type CryptoErrorCode =
  | 'CRYPTO_BAD_HEX'
  | 'CRYPTO_BAD_SEED'
  | 'ADDRESS_INVALID';

export class CryptoError extends CodedError<CryptoErrorCode> {}

/** Thrown by decodeAddress; `code` is always 'ADDRESS_INVALID', the message says why. */
export class AddressError extends CryptoError {
  declare readonly code: 'ADDRESS_INVALID';
  constructor(message: string) {
    super('ADDRESS_INVALID', message);
  }
}

/** Thrown for a malformed Merkle input (wrong hash width, index or range outside the tree). */
export class MerkleError extends CodedError<'MERKLE_INVALID'> {
  constructor(message: string) {
    super('MERKLE_INVALID', `MERKLE_INVALID: ${message}`);
  }
}

export type CodecErrorCode = 'CODEC_MALFORMED' | 'CODEC_NON_CANONICAL';

/** Thrown by decodeCanonical; the vm re-raises it as a VmError with the same code. */
export class CodecError extends CodedError<CodecErrorCode> {}
