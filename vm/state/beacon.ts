import { encode } from '../codec/index.ts';

import type { Validator } from '../types/index.ts';
import { compareBytes, sha256 } from '../../primitives/index.ts';

/**
 * The randomness beacon's chain of values, as the vm commits it. The same formulas as consensus's
 * genesisBeacon / nextBeacon (consensus/beacon.ts; a test asserts they agree); the vm cannot import
 * consensus, and it never verifies the BLS signature itself (ConsensusHooks.verifyBeacon does).
 */
export const BEACON_LENGTH = 32;
export const BEACON_SIGNATURE_LENGTH = 96;

/** beacon(0) = SHA-256(encode(["polchain/beacon-genesis/v1", chainId])) */
export function beaconAtGenesis(chainId: string): Uint8Array {
  return sha256(encode(['polchain/beacon-genesis/v1', chainId]));
}

/** beacon(h) = SHA-256(beacon(h-1) || signature(h)) */
export function beaconAfter(prev: Uint8Array, signature: Uint8Array): Uint8Array {
  return sha256(prev, signature);
}

/**
 * validatorsHash = SHA-256(encode([[address, consensusKey, blsKey, stake]...])) over the active
 * validators (stake > 0, not jailed) sorted by address bytes.
 */
export function validatorsHash(validators: readonly Validator[]): Uint8Array {
  const active = validators.filter((v) => v.stake > 0n && !v.jailed).sort((a, b) => compareBytes(a.address, b.address));
  return sha256(encode(active.map((v) => [v.address, v.consensusKey, v.blsKey, v.stake])));
}
