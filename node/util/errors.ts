import { CodedError } from '../../primitives/index.ts';

export type NodeErrorCode =
  | 'DATADIR_LOCKED'
  | 'DATADIR_MISSING'
  | 'DATADIR_EXISTS'
  | 'GENESIS_MISMATCH'
  | 'STORE_CORRUPT'
  | 'CONFIG_INVALID'
  | 'LOG_LEVEL_INVALID'
  | 'MEMPOOL_FULL'
  | 'MEMPOOL_DUPLICATE'
  | 'MEMPOOL_NONCE_GAP'
  | 'MEMPOOL_UNDERPRICED'
  /** a pending transaction waited longer than the mempool's ttlBlocks */
  | 'MEMPOOL_EXPIRED'
  | 'KEY_UNAVAILABLE'
  | 'PASSPHRASE_MISMATCH'
  | 'INTERRUPTED'
  | 'TX_NOT_COMMITTED'
  | 'NOT_A_VALIDATOR'
  | 'UNBOND_EXCEEDS_STAKE'
  | 'USAGE'
  /** job submit: more sampled segments (--q) than the spec has segments */
  | 'JOB_Q_TOO_LARGE'
  /** a demo command's end-to-end expectation did not hold */
  | 'DEMO_FAILED';

/** A node-level failure with a stable code; the CLI prints the message and exits non-zero. */
export class NodeError extends CodedError<NodeErrorCode> {}
