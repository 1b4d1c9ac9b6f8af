import { CodedError } from '../../primitives/index.ts';

export type NodeErrorCode =
  | 'DATADIR_LOCKED'
  | 'DATADIR_MISSING'
  | 'DATADIR_EXISTS'
  | 'GENESIS_MISMATCH'
  | 'STORE_CORRUPT'
  /** the database holds fewer blocks than this data dir is known to have committed (head marker) */
  | 'STORE_BEHIND'
  /** the data dir runs another engine than the one this start would run (another chain: GENESIS_MISMATCH) */
  | 'DATADIR_IDENTITY_MISMATCH'
  /** a state file of the data dir (identity.json, sign-history.json, p2p.key, head marker) cannot be read */
  | 'STATE_FILE_DAMAGED'
  /** this data dir runs a validator but its key file is missing or damaged */
  | 'VALIDATOR_KEY_UNLOADABLE'
  /** a validator that has signed before has lost its double-sign history */
  | 'SIGN_HISTORY_MISSING'
  /** the node is still starting (RPC answers NOT_READY with this code) */
  | 'NODE_STARTING'
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
