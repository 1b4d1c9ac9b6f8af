/**
 * Proof of possession of a stake transaction's BLS key: the rogue-key defence. Without it a staker
 * could register pk' = pk_x - pk_honest, a key whose secret it does not know, and forge aggregate
 * signatures that appear to include the honest validator. The proof is a BLS signature by the staked
 * key, under its own domain separation tag (never a beacon's), over
 *   encode(["polchain/bls-pop/v1", chainId, stakerAddress, blsKey])
 * so a proof is good for one key, one account and one chain: copying someone's key and proof from
 * another chain or another account's stake does not verify.
 */
import { encode } from '../codec/index.ts';
import { VmError } from '../errors.ts';
import { bytesToHex, blsSign, blsVerify, isBlsPublicKey, BLS_SIGNATURE_LENGTH } from '../../primitives/index.ts';

export const BLS_POP_DST = 'POLCHAIN_BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
export const BLS_POP_LENGTH = BLS_SIGNATURE_LENGTH;

export function blsPopMessage(chainId: string, staker: Uint8Array, blsKey: Uint8Array): Uint8Array {
  return encode(['polchain/bls-pop/v1', chainId, staker, blsKey]);
}

/** The proof a stake from `staker` on `chainId` carries for the BLS key of `blsSecret` (whose public key is `blsKey`). */
export function signBlsPop(blsSecret: Uint8Array, chainId: string, staker: Uint8Array, blsKey: Uint8Array): Uint8Array {
  return blsSign(blsSecret, blsPopMessage(chainId, staker, blsKey), BLS_POP_DST);
}

/** Throws STAKE_BLS_KEY_INVALID (not a usable G1 point) or STAKE_POP_INVALID (the proof does not verify). */
export function checkBlsPop(chainId: string, staker: Uint8Array, blsKey: Uint8Array, pop: Uint8Array): void {
  if (!isBlsPublicKey(blsKey)) {
    throw new VmError('STAKE_BLS_KEY_INVALID', `blsKey 0x${bytesToHex(blsKey)} is not a compressed BLS12-381 G1 point of the prime-order subgroup (or is the identity)`);
  }
  if (!blsVerify(blsKey, blsPopMessage(chainId, staker, blsKey), pop, BLS_POP_DST)) {
    throw new VmError('STAKE_POP_INVALID', `blsPop is not a signature by blsKey over (chain "${chainId}", staker 0x${bytesToHex(staker)}, blsKey)`);
  }
}
