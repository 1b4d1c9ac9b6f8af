import { CodedError } from '../../primitives/index.ts';
export type KeystoreErrorCode =
  | 'KEYSTORE_BAD_PASSPHRASE'
  | 'KEYSTORE_MALFORMED'
  | 'KEYSTORE_NOT_FOUND'
  | 'KEYSTORE_EXISTS'
  | 'KEYSTORE_BAD_NAME'
  | 'KEYSTORE_BAD_SEED'
  | 'KEYSTORE_BAD_MNEMONIC';

export class KeystoreError extends CodedError<KeystoreErrorCode> {}
