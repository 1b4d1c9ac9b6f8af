/** node/keystore public surface: encrypted ed25519 key files (docs/crypto.md, "Keystore"). */
export {
  encryptKey, decryptKey, encryptKeyAsync, decryptKeyAsync, parseKeystoreFile,
  KEYSTORE_VERSION, KEYSTORE_KIND, DEFAULT_SCRYPT,
  type KeystoreFile, type EncryptOptions,
} from './file-format.ts';
export { Keystore, type KeyInfo } from './keystore.ts';
export { KeystoreError, type KeystoreErrorCode } from './errors.ts';
