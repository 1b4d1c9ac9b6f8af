/** node/keystore public surface: encrypted ed25519 key files (docs/crypto.md, "Keystore") and the node's libp2p identity seed file. */
export {
  encryptKey, decryptKey, encryptKeyAsync, decryptKeyAsync, parseKeystoreFile,
  KEYSTORE_VERSION, KEYSTORE_KIND, DEFAULT_SCRYPT,
  type KeystoreFile, type EncryptOptions,
} from './file-format.ts';
export { Keystore, type KeyInfo } from './keystore.ts';
export { KeystoreError, type KeystoreErrorCode } from './errors.ts';
export { seedToMnemonic, mnemonicToSeed, MNEMONIC_WORDS } from './mnemonic.ts';
export { loadOrCreateP2pKey, p2pKeyPath } from './p2p-key.ts';
