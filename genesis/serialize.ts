import { encode, encodeParams } from '../vm/index.ts';
import type { Genesis } from './types.ts';
import { bytesToHex, encodeAddress, sha256 } from '../primitives/index.ts';

/** The JSON form written to genesis.json; parseGenesis(toJson(g)) round-trips. */
export function genesisToJson(g: Genesis): Record<string, unknown> {
  const p = g.params;
  return {
    chainId: g.chainId,
    genesisTime: new Date(Number(g.genesisTimeMs)).toISOString(),
    params: {
      unbondingPeriod: p.unbondingPeriod.toString(), minFee: p.minFee.toString(), minStake: p.minStake.toString(),
      maxTxBytes: p.maxTxBytes, maxBlockTxs: p.maxBlockTxs, maxBlockBytes: p.maxBlockBytes, slashFractionBps: p.slashFractionBps,
    },
    accounts: g.accounts.map((a) => ({ address: encodeAddress(a.address), balance: a.balance.toString() })),
    validators: g.validators.map((v) => ({ address: encodeAddress(v.address), consensusKey: '0x' + bytesToHex(v.consensusKey), blsKey: '0x' + bytesToHex(v.blsKey), stake: v.stake.toString(),
    })),
  };
}

/**
 * The genesis hash: SHA-256 over the canonical encoding of the validated document, so formatting,
 * key order and whitespace in the JSON file do not change it, but any value does.
 */
export function genesisHash(g: Genesis): Uint8Array {
  return sha256(encode([
    'polchain/genesis/v1', g.chainId, g.genesisTimeMs, encodeParams(g.chainId, g.params),
    g.accounts.map((a) => [a.address, a.balance]),
    g.validators.map((v) => [v.address, v.consensusKey, v.blsKey, v.stake]),
  ]));
}
