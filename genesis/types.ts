import type { ChainParams, Validator } from '../vm/index.ts';

export interface Genesis {
  chainId: string;
  genesisTimeMs: bigint;
  params: ChainParams;
  accounts: Array<{ address: Uint8Array; balance: bigint }>;
  validators: Validator[];
}
