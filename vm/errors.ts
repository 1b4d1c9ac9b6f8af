import { CodedError } from '../primitives/index.ts';

/**
 * Every rejection the state machine can produce. Codes are stable: clients match on them, and they
 * appear in RPC error data, receipts and logs.
 */
export type VmErrorCode =
  | 'CODEC_MALFORMED'
  | 'CODEC_NON_CANONICAL'
  | 'TX_MALFORMED'
  | 'TX_TOO_LARGE'
  | 'TX_WRONG_CHAIN'
  | 'TX_BAD_SIGNATURE'
  | 'TX_NONCE_STALE'
  | 'TX_NONCE_FUTURE'
  | 'TX_FEE_TOO_LOW'
  | 'TX_INSUFFICIENT_BALANCE'
  | 'TX_OVERFLOW'
  | 'TX_ZERO_AMOUNT'
  | 'STAKE_KEY_MISMATCH'
  | 'STAKE_BELOW_MINIMUM'
  | 'STAKE_JAILED'
  | 'STAKE_BLS_KEY_INVALID'
  | 'STAKE_POP_MISSING'
  | 'STAKE_POP_INVALID'
  | 'UNBOND_NOT_VALIDATOR'
  | 'UNBOND_EXCEEDS_STAKE'
  | 'UNBOND_LAST_VALIDATOR'
  | 'JOB_INVALID'
  | 'JOB_COMMITTEE_TOO_SMALL'
  | 'JOB_Q_TOO_LOW'
  | 'JOB_NOT_FOUND'
  | 'JOB_WRONG_STATUS'
  | 'JOB_DEADLINE_PASSED'
  | 'JOB_SELF_ACCEPT'
  | 'JOB_NOT_SOLVER'
  | 'JOB_NOT_COMMITTEE'
  | 'JOB_ALREADY_ATTESTED'
  | 'JOB_PROOF_INVALID'
  | 'JOB_REVEAL_INVALID'
  | 'JOB_REVEAL_INCONSISTENT'
  | 'JOB_PARENT_INVALID'
  // JobSubmit floors (vm/jobs/floors.ts)
  | 'JOB_STAKE_TOO_LOW'
  | 'JOB_REWARD_TOO_LOW'
  | 'JOB_WINDOW_TOO_SHORT'
  | 'DISPUTE_INVALID'
  | 'DISPUTE_NOT_FOUND'
  | 'DISPUTE_WRONG_STAGE'
  | 'DISPUTE_NOT_PARTY'
  | 'DISPUTE_LIMIT'
  | 'DISPUTE_NOTHING_TO_DISPUTE'
  | 'DISPUTE_DUPLICATE'
  | 'DISPUTE_PREIMAGE_INVALID'
  | 'DISPUTE_SUPPLY_INVALID'
  | 'DISPUTE_SAMPLE_INVALID'
  | 'DEMAND_INVALID'
  | 'DEMAND_LIMIT'
  | 'DEMAND_NOT_OPEN'
  | 'REFEREE_MISSING'
  | 'BLOCK_INVALID'
  | 'BLOCK_TOO_LARGE'
  | 'GENESIS_INVALID';

export class VmError extends CodedError<VmErrorCode> {}

export function isVmError(e: unknown): e is VmError {
  return e instanceof VmError;
}
