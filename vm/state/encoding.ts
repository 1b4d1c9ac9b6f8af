import { encode, decodeCanonical, Reader } from '../codec/index.ts';
import { sha256 } from '../crypto/index.ts';
import { VmError } from '../errors.ts';
import type { Account, ChainParams, UnbondingEntry, Validator } from '../types/index.ts';

/**
 * State entries live in one sparse Merkle tree under domain-separated keys, so the state root
 * commits to accounts, validators, the unbonding queue and the chain parameters at once.
 */
const NS_ACCOUNT = Uint8Array.of(1);
const NS_VALIDATOR = Uint8Array.of(2);
export const UNBONDING_TREE_KEY = sha256(Uint8Array.of(3));
export const PARAMS_TREE_KEY = sha256(Uint8Array.of(4));
export const BEACON_TREE_KEY = sha256(Uint8Array.of(5));

export const accountTreeKey = (address: Uint8Array): Uint8Array => sha256(NS_ACCOUNT, address);
export const validatorTreeKey = (address: Uint8Array): Uint8Array => sha256(NS_VALIDATOR, address);

export const encodeAccount = (a: Account): Uint8Array => encode([a.balance, a.nonce]);
export function decodeAccount(b: Uint8Array): Account {
  const r = Reader.of(decodeCanonical(b, 'account'), 'account', 2, 'CODEC_MALFORMED');
  return { balance: r.u64('balance'), nonce: r.u64('nonce') };
}

/** validator = [address(20), consensusKey(32), blsKey(48), stake, jailed(0 | 1)] */
export const encodeValidator = (v: Validator): Uint8Array => encode([v.address, v.consensusKey, v.blsKey, v.stake, v.jailed ? 1 : 0]);
export function decodeValidator(b: Uint8Array): Validator {
  const r = Reader.of(decodeCanonical(b, 'validator'), 'validator', 5, 'CODEC_MALFORMED');
  const v: Validator = { address: r.bytes('address', 20), consensusKey: r.bytes('consensusKey', 32), blsKey: r.bytes('blsKey', 48), stake: r.u64('stake') };
  const jailed = r.u32('jailed');
  if (jailed > 1) throw new VmError('CODEC_MALFORMED', 'validator.jailed: expected 0 or 1');
  if (jailed === 1) v.jailed = true;
  return v;
}

/** The beacon entry's value is the canonical encoding of the 32-byte beacon (a msgpack bin). */
export const encodeBeacon = (beacon: Uint8Array): Uint8Array => encode(beacon);
export function decodeBeacon(b: Uint8Array): Uint8Array {
  const v = decodeCanonical(b, 'beacon');
  if (!(v instanceof Uint8Array) || v.length !== 32) throw new VmError('CODEC_MALFORMED', 'beacon: expected 32 bytes');
  return v;
}

export const encodeUnbonding = (q: UnbondingEntry[]): Uint8Array => encode(q.map((e) => [e.address, e.amount, e.completionHeight]));
export function decodeUnbonding(b: Uint8Array): UnbondingEntry[] {
  const v = decodeCanonical(b, 'unbonding queue');
  if (!Array.isArray(v)) throw new Error('unbonding queue: expected an array');
  return v.map((e) => {
    const r = Reader.of(e, 'unbonding entry', 3, 'CODEC_MALFORMED');
    return { address: r.bytes('address', 20), amount: r.u64('amount'), completionHeight: r.u64('completionHeight') };
  });
}

export const encodeParams = (chainId: string, p: ChainParams): Uint8Array =>
  encode([chainId, p.unbondingPeriod, p.minFee, p.minStake, p.maxTxBytes, p.maxBlockTxs, p.maxBlockBytes, p.slashFractionBps]);
export function decodeParams(b: Uint8Array): { chainId: string; params: ChainParams } {
  const r = Reader.of(decodeCanonical(b, 'params'), 'params', 8, 'CODEC_MALFORMED');
  const chainId = r.str('chainId', 64);
  return {
    chainId,
    params: { unbondingPeriod: r.u64('unbondingPeriod'), minFee: r.u64('minFee'), minStake: r.u64('minStake'), maxTxBytes: r.u32('maxTxBytes'), maxBlockTxs: r.u32('maxBlockTxs'), maxBlockBytes: r.u32('maxBlockBytes'), slashFractionBps: r.u32('slashFractionBps') },
  };
}
