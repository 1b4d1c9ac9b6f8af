import { U64_MAX } from '../codec/index.ts';

import { VmError } from '../errors.ts';
import type { Account, ChainParams, Validator } from '../types/index.ts';
import { ChainState } from './chain-state.ts';
import {
  accountTreeKey, encodeAccount, encodeBeacon, encodeParams, encodeValidator, BEACON_TREE_KEY, PARAMS_TREE_KEY, validatorTreeKey,
} from './encoding.ts';
import { beaconAtGenesis } from './beacon.ts';
import { SparseMerkleTree } from './smt.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

export interface GenesisAllocation {
  chainId: string;
  genesisTimeMs: bigint;
  params: ChainParams;
  accounts: Array<{ address: Uint8Array; balance: bigint }>;
  validators: Validator[];
}

/** Builds height-0 state. Total supply (balances + stakes) must fit in u64, which makes every later credit overflow-free. */
export function createGenesisState(g: GenesisAllocation): ChainState {
  const accounts = new Map<string, Account>();
  const validators = new Map<string, Validator>();
  let supply = 0n;
  const beacon = beaconAtGenesis(g.chainId);
  const entries: Array<[Uint8Array, Uint8Array | null]> = [
    [PARAMS_TREE_KEY, sha256(encodeParams(g.chainId, g.params))],
    [BEACON_TREE_KEY, sha256(encodeBeacon(beacon))],
  ];
  if (!Number.isInteger(g.params.slashFractionBps) || g.params.slashFractionBps < 0 || g.params.slashFractionBps > 10_000) {
    throw new VmError('GENESIS_INVALID', `slashFractionBps ${g.params.slashFractionBps} is not an integer in [0, 10000]`);
  }
  for (const a of g.accounts) {
    const k = bytesToHex(a.address);
    if (accounts.has(k)) throw new VmError('GENESIS_INVALID', `account ${k} is listed twice`);
    const acct = { balance: a.balance, nonce: 0n };
    accounts.set(k, acct);
    entries.push([accountTreeKey(a.address), sha256(encodeAccount(acct))]);
    supply += a.balance;
  }
  for (const v of g.validators) {
    const k = bytesToHex(v.address);
    if (validators.has(k)) throw new VmError('GENESIS_INVALID', `validator ${k} is listed twice`);
    if (v.consensusKey.length !== 32 || v.blsKey.length !== 48) throw new VmError('GENESIS_INVALID', `validator ${k} needs a 32-byte consensus key and a 48-byte BLS key`);
    if (v.jailed) throw new VmError('GENESIS_INVALID', `validator ${k} cannot start jailed`);
    if (v.stake < g.params.minStake || v.stake === 0n) throw new VmError('GENESIS_INVALID', `validator ${k} stake ${v.stake} is below the minimum ${g.params.minStake}`);
    validators.set(k, v);
    entries.push([validatorTreeKey(v.address), sha256(encodeValidator(v))]);
    supply += v.stake;
  }
  if (validators.size === 0) throw new VmError('GENESIS_INVALID', 'genesis needs at least one validator');
  if (supply > U64_MAX) throw new VmError('GENESIS_INVALID', `total supply ${supply} exceeds 2^64-1`);
  const tree = SparseMerkleTree.empty().update(entries);
  return new ChainState(g.chainId, g.params, 0n, new Uint8Array(32), g.genesisTimeMs, tree, accounts, validators, [], beacon);
}
