import { CodedError } from '../../primitives/index.ts';

// Typed failures of the watchtower (node/watchtower). The loop logs them and retries with backoff;
// the CLI prints one line. Codes are stable: `polchain job dispute` exits on them.
export type WatchErrorCode =
  | 'WATCH_BAD_OPTIONS'
  /** a job JSON from RPC without the fields a challenger needs (windowEnd, disputes: a node too old for disputes) */
  | 'WATCH_BAD_JOB'
  /** the job cannot be disputed now: not provisional, its window closed, a verdict other than paid, no commitment */
  | 'WATCH_NOT_DISPUTABLE'
  /** a segment index outside the job's segments */
  | 'WATCH_BAD_SEGMENT'
  /** the solver's checkpoints or the dataset could not be had or did not prove (DA_* underneath) */
  | 'WATCH_DATA_UNAVAILABLE'
  /** the replay failed (the data was proven, so this is local: memory, a crashed worker, a bad dataset) */
  | 'WATCH_REPLAY_FAILED'
  /** not enough balance for the dispute bond and fees */
  | 'WATCH_NO_FUNDS'
  /** a transaction the chain refused, or one that never landed */
  | 'WATCH_TX_FAILED'
  /** the dispute could not be found on chain after its transaction landed */
  | 'WATCH_DISPUTE_LOST'
  | 'WATCH_STOPPED';

export class WatchError extends CodedError<WatchErrorCode> {}
