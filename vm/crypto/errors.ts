/** Typed errors thrown by vm/crypto. Each carries a stable string `code`. */

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
