/** vm/crypto public surface: hashing, strict ed25519, addresses, byte helpers, typed errors. */
export { sha256 } from './hash.ts';
export {
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  ED25519_SEED_LENGTH,
  SMALL_ORDER_ENCODINGS,
} from './ed25519-rules.ts';
export { publicKeyFromSeed, sign, verify } from './ed25519.ts';
export { verifyNoble, publicKeyFromSeedNoble, signNoble } from './ed25519-noble.ts';
export { ADDRESS_LENGTH, ADDRESS_HRP, addressFromPublicKey, encodeAddress, decodeAddress, isAddress } from './address.ts';
export { bytesToHex, hexToBytes, equalBytes, compareBytes, concatBytes } from './bytes.ts';
export { CryptoError, AddressError, type CryptoErrorCode } from './errors.ts';
