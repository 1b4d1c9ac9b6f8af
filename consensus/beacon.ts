/**
 * Randomness beacon. Each block carries the proposer's BLS12-381 signature (min-pk: 48-byte G1
 * public keys, 96-byte G2 signatures, @noble/curves longSignatures) over
 *   message = encode(["polchain/beacon/v1", chainId, height, prevBeacon])
 * hashed to G2 with the DST below. BLS signatures are unique, so a proposer can withhold a beacon
 * but not grind it. The chain's beacon value is
 *   beacon(h) = sha256(beacon(h-1) || signature(h)),  beacon(0) = genesisBeacon(chainId).
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { encode } from '../vm/index.ts';
import { ConsensusError } from './errors.ts';
import { getValidator, type ValidatorSet } from './validator-set.ts';
import { sha256, concatBytes, bytesToHex, blsPrepare, blsSign, blsVerify, blsVerifyMany } from '../primitives/index.ts';

const bls = bls12_381.longSignatures;
export const BEACON_DST = 'POLCHAIN_BEACON_BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_';
export const BLS_SECRET_LENGTH = 32;
export const BLS_PUBLIC_KEY_LENGTH = 48;
export const BLS_SIGNATURE_LENGTH = 96;

/** BLS secret key from a 32-byte seed (e.g. the consensus key seed): 48 bytes of IKM via domain-separated sha256. */
export function blsSecretFromSeed(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new ConsensusError('BEACON_INVALID', `BLS seed must be 32 bytes, got ${seed.length}`);
  const dom = new TextEncoder().encode('polchain/bls-keygen/v1');
  const ikm = concatBytes(sha256(dom, seed, Uint8Array.of(0)), sha256(dom, seed, Uint8Array.of(1))).slice(0, 48);
  return new Uint8Array(bls.keygen(ikm).secretKey);
}

export function blsPublicKey(secret: Uint8Array): Uint8Array {
  return new Uint8Array(bls.getPublicKey(secret).toBytes());
}

export function beaconMessage(chainId: string, height: bigint, prevBeacon: Uint8Array): Uint8Array {
  return encode(['polchain/beacon/v1', chainId, height, prevBeacon]);
}

/** Hashes the beacon message of (chainId, height, prevBeacon) ahead of its signing and verification (known once the previous block commits). */
export function beaconPrepare(chainId: string, height: bigint, prevBeacon: Uint8Array): void {
  blsPrepare(beaconMessage(chainId, height, prevBeacon), BEACON_DST);
}

export function beaconSign(secret: Uint8Array, chainId: string, height: bigint, prevBeacon: Uint8Array): Uint8Array {
  return blsSign(secret, beaconMessage(chainId, height, prevBeacon), BEACON_DST);
}

/** Never throws: malformed keys or signatures are false. */
export function beaconVerify(publicKey: Uint8Array, chainId: string, height: bigint, prevBeacon: Uint8Array, signature: Uint8Array): boolean {
  return blsVerify(publicKey, beaconMessage(chainId, height, prevBeacon), signature, BEACON_DST);
}

/**
 * Which beacon signatures verify, each exactly as beaconVerify says: all of them at once when the
 * batch check (blsVerifyMany) passes, one by one otherwise.
 */
export function beaconVerifyMany(checks: ReadonlyArray<{ blsKey: Uint8Array; chainId: string; height: bigint; prevBeacon: Uint8Array; signature: Uint8Array }>): boolean[] {
  const items = checks.map((c) => ({ publicKey: c.blsKey, message: beaconMessage(c.chainId, c.height, c.prevBeacon), signature: c.signature }));
  if (blsVerifyMany(items, BEACON_DST)) return checks.map(() => true);
  return items.map((it) => blsVerify(it.publicKey, it.message, it.signature, BEACON_DST));
}

export function nextBeacon(prev: Uint8Array, signature: Uint8Array): Uint8Array {
  return sha256(prev, signature);
}

/** beacon(0): a fixed value per chain (height 1's proposer signs over it). */
export function genesisBeacon(chainId: string): Uint8Array {
  return sha256(encode(['polchain/beacon-genesis/v1', chainId]));
}

/**
 * Checks a block's beacon against the BLS key the validator set holds for the block's proposer and
 * returns the new beacon value. Throws ConsensusError BEACON_INVALID (unknown proposer, no BLS key,
 * bad signature). This is what every validator runs inside validateBlock.
 */
export function verifyBlockBeacon(
  set: ValidatorSet,
  proposerAddress: Uint8Array,
  chainId: string,
  height: bigint,
  prevBeacon: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  const v = getValidator(set, proposerAddress);
  if (!v) throw new ConsensusError('BEACON_INVALID', `beacon at height ${height}: ${bytesToHex(proposerAddress)} is not a validator`);
  if (!v.blsKey) throw new ConsensusError('BEACON_INVALID', `beacon at height ${height}: validator ${bytesToHex(proposerAddress)} has no BLS key`);
  if (!beaconVerify(v.blsKey, chainId, height, prevBeacon, signature)) throw new ConsensusError('BEACON_INVALID', `beacon at height ${height}: bad signature from ${bytesToHex(proposerAddress)}`);
  return nextBeacon(prevBeacon, signature);
}
