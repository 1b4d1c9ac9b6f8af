/** Typed errors thrown by primitives/. Each carries a stable string `code`. */

export type CryptoErrorCode =
  | 'CRYPTO_BAD_HEX'
  | 'CRYPTO_BAD_SEED'
  | 'ADDRESS_INVALID';

export class CryptoError extends Error {
  readonly code: CryptoErrorCode;
  constructor(code: CryptoErrorCode, message: string) {
    super(message);
    this.name = 'CryptoError';
    this.code = code;
  }
}

/** Thrown by decodeAddress; `code` is always 'ADDRESS_INVALID', the message says why. */
export class AddressError extends CryptoError {
  declare readonly code: 'ADDRESS_INVALID';
  constructor(message: string) {
    super('ADDRESS_INVALID', message);
    this.name = 'AddressError';
  }
}

/** Thrown for a malformed Merkle input (wrong hash width, index or range outside the tree). */
export class MerkleError extends Error {
  readonly code = 'MERKLE_INVALID' as const;
  constructor(message: string) {
    super(`MERKLE_INVALID: ${message}`);
    this.name = 'MerkleError';
  }
}

export type CodecErrorCode = 'CODEC_MALFORMED' | 'CODEC_NON_CANONICAL';

/** Thrown by decodeCanonical; the vm re-raises it as a VmError with the same code. */
export class CodecError extends Error {
  readonly code: CodecErrorCode;
  constructor(code: CodecErrorCode, message: string) {
    super(message);
    this.name = 'CodecError';
    this.code = code;
  }
}
