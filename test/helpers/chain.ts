// Builders shared by vm and node tests: a small genesis with known keys, and signed transactions.
import { createGenesisState, signTxBytes, type ChainParams, type TxPayload, type ChainState } from '../../vm/index.ts';
import { devAccount } from '../../genesis/index.ts';

export const TEST_CHAIN = 'polchain-test';
export const TEST_PARAMS: ChainParams = { unbondingPeriod: 3n, minFee: 1n, minStake: 100n, maxTxBytes: 512, maxBlockTxs: 5000, maxBlockBytes: 1 << 20 };

export const alice = devAccount(0);
export const bob = devAccount(1);
export const carol = devAccount(2);
export const val = devAccount(9);

export function testState(balance = 1_000_000n): ChainState {
  return createGenesisState({
    chainId: TEST_CHAIN,
    genesisTimeMs: 1_000n,
    params: { ...TEST_PARAMS },
    accounts: [alice, bob, carol, val].map((a) => ({ address: a.address, balance })),
    validators: [{ address: val.address, consensusKey: val.publicKey, stake: 1_000n }],
  });
}

export function tx(from: { seed: Uint8Array }, nonce: bigint, payload: TxPayload, fee = 1n, chainId = TEST_CHAIN): Uint8Array {
  return signTxBytes({ chainId, nonce, fee, payload }, from.seed);
}

export const transfer = (from: { seed: Uint8Array }, to: { address: Uint8Array }, amount: bigint, nonce: bigint, fee = 1n) =>
  tx(from, nonce, { kind: 'transfer', to: to.address, amount }, fee);
