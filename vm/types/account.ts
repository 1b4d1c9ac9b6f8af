export interface Account {
  balance: bigint;
  nonce: bigint; // the nonce the account's next transaction must carry
}

export interface Validator {
  address: Uint8Array; // operator account that staked
  consensusKey: Uint8Array; // 32-byte ed25519 key that signs blocks and votes
  blsKey: Uint8Array; // 48-byte BLS12-381 G1 public key that signs the randomness beacon
  stake: bigint;
  /** Set by slashing: out of the active set for good; may still unbond its remaining stake. Absent = false. */
  jailed?: boolean;
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
  slashFractionBps: number; // share of an equivocator's stake burned per evidence, in basis points (0..10000)
}
