import { type ChainParams } from '../../vm/index.ts';
import type { Genesis } from '../types.ts';
import { checkChainId } from '../chain-id.ts';
import { addressFromPublicKey, bytesToHex, publicKeyFromSeed, sha256 } from '../../primitives/index.ts';

export const DEV_CHAIN_ID = 'polchain-dev';

/**
 * A dev chain id of its own for each new dev network (`polchain-dev-` and 8 hex digits of the given
 * random bytes), so a transaction signed for one dev network is never valid on another. The caller
 * supplies the randomness: genesis stays a pure function of its inputs.
 */
export function devChainId(random4: Uint8Array): string {
  if (random4.length !== 4) throw new RangeError(`devChainId takes 4 random bytes, got ${random4.length}`);
  return `${DEV_CHAIN_ID}-${bytesToHex(random4)}`;
}

/** Parameters of the dev network: short unbonding, tiny fees, room for large blocks. */
export const DEV_PARAMS: ChainParams = {
  unbondingPeriod: 20n,
  minFee: 1n,
  minStake: 1_000n,
  maxTxBytes: 131072, // job openings and reveals carry Merkle proofs; a DaChunk carries a whole 64 KiB checkpoint chunk
  maxBlockTxs: 10_000,
  maxBlockBytes: 4 * 1024 * 1024,
  slashFractionBps: 500, // 5% of an equivocator's stake is burned
};

export const DEV_ACCOUNT_BALANCE = 1_000_000_000_000n;
export const DEV_VALIDATOR_STAKE = 1_000_000n;

/**
 * Well-known dev accounts (like Hardhat's): seeds are public, derived from a fixed label, so tests,
 * demos and wallets can sign with them. Never use them on a network with value.
 */
export function devAccountSeed(i: number): Uint8Array {
  return sha256(new TextEncoder().encode(`polchain dev account ${i}`));
}

export function devAccount(i: number): { seed: Uint8Array; publicKey: Uint8Array; address: Uint8Array } {
  const seed = devAccountSeed(i);
  const publicKey = publicKeyFromSeed(seed);
  return { seed, publicKey, address: addressFromPublicKey(publicKey) };
}

export interface DevGenesisOptions {
  /** blsKey: the 48-byte BLS public key (callers derive it with consensus blsPublicKey(blsSecretFromSeed(seed))). */
  validators: Array<{ address: Uint8Array; consensusKey: Uint8Array; blsKey: Uint8Array }>;
  genesisTimeMs: bigint;
  devAccounts?: number;
  chainId?: string;
}

/** Throws GenesisError GENESIS_INVALID (naming `chainId`) for a chain id genesis files may not carry. */
export function devGenesis(o: DevGenesisOptions): Genesis {
  if (o.chainId !== undefined) checkChainId(o.chainId);
  const n = o.devAccounts ?? 10;
  const accounts = Array.from({ length: n }, (_, i) => ({ address: devAccount(i).address, balance: DEV_ACCOUNT_BALANCE }));
  for (const v of o.validators) accounts.push({ address: v.address, balance: DEV_ACCOUNT_BALANCE });
  return {
    chainId: o.chainId ?? DEV_CHAIN_ID,
    genesisTimeMs: o.genesisTimeMs,
    params: DEV_PARAMS,
    accounts,
    validators: o.validators.map((v) => ({ address: v.address, consensusKey: v.consensusKey, blsKey: v.blsKey, stake: DEV_VALIDATOR_STAKE })),
  };
}
