// The watchtower's view of a chain: what it reads and how it sends. The real one talks to a node over
// JSON-RPC (rpc-chain.ts); a test or a validator's own process may hand in one over a chain state.
import type { TxPayload } from '../../vm/index.ts';
import type { DaCredentials } from '../jobs/index.ts';
import type { WatchJob } from './job-view.ts';

export interface ChainStatus {
  chainId: string;
  height: bigint;
  /** the chain's transaction size limit (state pieces and sample batches are cut to it) */
  maxTxBytes: number;
}

export interface SentTx {
  /** 0x-hex transaction hash */
  hash: string;
  nonce: bigint;
  kind: TxPayload['kind'];
  fee: bigint;
  bytes: number;
}

export type TxState = { state: 'included'; height: bigint } | { state: 'pending' } | { state: 'dropped' };

export interface WatchChain {
  /** the watchtower's own address (it signs with its key) */
  readonly address: Uint8Array;
  status(): Promise<ChainStatus>;
  /** its account key and the chain height, to sign its requests for checkpoint chunks (docs/da.md §2b) */
  daCredentials(): DaCredentials;
  /** ids of the jobs whose dispute window is open (status provisional) */
  provisionalJobs(): Promise<Uint8Array[]>;
  /** the job, or null when the chain does not know it */
  job(id: Uint8Array): Promise<WatchJob | null>;
  balance(): Promise<bigint>;
  /** signs `payload` with the next nonce and submits it; WATCH_TX_FAILED when the chain refuses it */
  send(payload: TxPayload): Promise<SentTx>;
  txState(tx: SentTx): Promise<TxState>;
  close(): Promise<void>;
}
