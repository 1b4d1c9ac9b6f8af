// What a VerifierService is configured with.
import type { Logger } from 'pino';
import type { ChainState } from '../../vm/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import type { DatasetRegistry } from '../jobs/index.ts';
import type { VerifierBackend } from './verifier-backend.ts';

export interface VerifierOptions {
  state: ChainState;
  /** 20-byte address of the validator (the account of its consensus key); committee membership is checked against it */
  validatorAddress: Uint8Array;
  /** the consensus key's seed: signs JobAttest as `validatorAddress` */
  validatorSeed: Uint8Array;
  /** admits a signed transaction (mempool + gossip); returns its hash */
  submit(raw: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** the nonce the next transaction of `address` must carry, counting its pending transactions */
  nextNonce(address: Uint8Array): bigint;
  /**
   * The raw bytes of a committed transaction by hash (the node's block store). With it, checkpoint
   * chunks the solver does not serve are demanded on chain (DaDemand) and read back from the
   * solver's DaChunk answer; without it, a checkpoint that cannot be fetched is attested UNAVAILABLE.
   */
  getTx?(hash: Uint8Array): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  /** blocks an unreachable solver is retried over libp2p before its chunks are demanded on chain (default 2; a chunk that fails its proof is demanded at once) */
  demandGraceBlocks?: number;
  /** whether a submitted transaction is still waiting in the mempool (enables re-submission of dropped attestations) */
  isPending?(txHash: Uint8Array): boolean;
  /** true while the node downloads blocks: deadlines seen in old state are not worth working for (default: never) */
  isSyncing?(): boolean;
  host: P2pHost;
  logger: Logger;
  datasets: DatasetRegistry;
  /** scratch space: verified parent-job weights are kept here across restarts */
  workDir: string;
  /** aborting it stops the service */
  signal?: AbortSignal;
  /** fee of a JobAttest (default: the chain's minFee) */
  fee?: bigint;
  /** blocks kept free before the attest deadline for the transaction to be included (default 2) */
  marginBlocks?: number;
  /** block time assumed until two blocks have been seen (default 1000 ms) */
  blockIntervalMs?: number;
  /** below this budget a task attests UNAVAILABLE_DIGEST without trying (default 250 ms) */
  minBudgetMs?: number;
  /** least time between replay progress lines (default 2000 ms) */
  progressIntervalMs?: number;
  /**
   * replays at once, each on its own worker thread (default: the machine's cores less one, at least
   * one); more replays wait for a slot, earliest attest deadline first
   */
  replaySlots?: number;
  /** verification tasks at once: fetching, waiting for a replay slot or replaying (default 16); more wait, earliest deadline first */
  maxTasks?: number;
  /** decided tasks node_status keeps showing (default 16) */
  recentTasks?: number;
  /** checkpoint / dataset requests in flight per task (default 4) */
  concurrency?: number;
  /** replaces parts of the node/jobs backend (tests) */
  backend?: Partial<VerifierBackend>;
  /** wall clock in ms (default Date.now) */
  now?: () => number;
}
