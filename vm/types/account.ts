export interface Account {
  balance: bigint;
  nonce: bigint; // the nonce the account's next transaction must carry
}

export interface Validator {
  address: Uint8Array; // operator account that staked
  consensusKey: Uint8Array; // ed25519 key that signs blocks
  stake: bigint;
}

export interface UnbondingEntry {
  address: Uint8Array;
  amount: bigint;
  completionHeight: bigint;
}

export interface ChainParams {
  unbondingPeriod: bigint; // blocks between an unbond and the funds' return
  minFee: bigint;
  minStake: bigint; // smallest stake a validator may hold (a validator may unbond to exactly 0)
  maxTxBytes: number;
  maxBlockTxs: number;
  maxBlockBytes: number;
}
