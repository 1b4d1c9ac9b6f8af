// The floor under every other folder: bytes and hex in one vocabulary, SHA-256, the one Merkle tree
// (proofs, range proofs, an in-memory tree for servers), the canonical codec, strict ed25519, BLS
// signatures and addresses. Pure: no IO, no clocks, no randomness.
export { bytesToHex, hexToBytes, equalBytes, compareBytes, concatBytes, utf8, u64be, u32be } from './bytes.ts';
export { sha256, newHash } from './sha256.ts';
export * from './merkle/index.ts';
export type { MerkleProof } from './merkle/index.ts';
export { encode, withEncoding, decodeCanonical, type Encodable } from './codec/canonical.ts';
export {
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  ED25519_SEED_LENGTH,
  SMALL_ORDER_ENCODINGS,
} from './ed25519/rules.ts';
export { publicKeyFromSeed, sign, verify } from './ed25519/ed25519.ts';
export { verifyNoble, publicKeyFromSeedNoble, signNoble } from './ed25519/noble.ts';
export { BLS_PUBLIC_KEY_LENGTH, BLS_SIGNATURE_LENGTH, isBlsPublicKey, blsPrepare, blsSign, blsVerify, blsVerifyMany, blsReady, blsBackend, setBlsBackend } from './bls/index.ts';
export { mclHeapBytes as blsWasmHeapBytes } from './bls/mcl.ts';
export { ADDRESS_LENGTH, ADDRESS_HRP, addressFromPublicKey, encodeAddress, decodeAddress, isAddress } from './address.ts';
export {
  CodedError, errorMessage, errorCode, errorLine,
  CryptoError, AddressError, MerkleError, CodecError, type CryptoErrorCode, type CodecErrorCode,
} from './errors.ts';
