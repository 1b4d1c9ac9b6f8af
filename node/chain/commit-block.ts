import type { Logger } from 'pino';
import { type BlockResult, type ChainState, type Commit } from '../../vm/index.ts';
import type { ChainStore } from '../storage/index.ts';
import type { Mempool } from '../mempool/index.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';
import { logHex } from '../util/index.ts';

/** What every block decider commits into: the live state, its store and mempool, and who to tell. */
export interface CommitTarget {
  state: ChainState;
  store: ChainStore;
  mempool: Mempool;
  logger: Logger;
  /** Told once per committed block, after it is durable, applied and the mempool pruned. */
  onCommit: (r: BlockResult, commit: Commit) => void;
}

/** BFT only: the +2/3 commit, the validators that decided the block and the proposer priorities after it. */
export type ConsensusRecord = NonNullable<Parameters<ChainStore['commit']>[3]>;

export interface DecidedBlock {
  /** The block as built or validated against `target.state` (its height is state.height + 1). */
  result: BlockResult;
  commit: Commit;
  /** Written in the same atomic batch as the block, so a restart finds the commit and validator set of its last block. */
  consensus?: ConsensusRecord;
  /**
   * The decider's own bookkeeping, run synchronously right after the in-memory commit and before
   * anyone is told, so no other event can see the new state without it.
   */
  onApplied?: (r: BlockResult) => void;
  /** Blocks fetched by block sync log at debug (the sync logs one summary line); decided blocks at info. */
  quiet?: boolean;
  /** Extra fields for the 'committed block' log line (the round). */
  logFields?: Record<string, unknown>;
  /** performance.now() when the decider began this block: the log line then says how long it took (ms). */
  startedAt?: number;
}

/**
 * The one commit path, shared by the solo producer, the BFT engine and block sync: the block is
 * durable (one fsynced batch) before the in-memory state moves, then the mempool drops what the
 * block included or rejected, then listeners (newHeads, the verifier) hear of it.
 * Returns how many pending transactions the mempool dropped as no longer valid.
 */
export async function commitDecidedBlock(target: CommitTarget, d: DecidedBlock): Promise<number> {
  const { state, store, mempool, logger } = target;
  const r = d.result;
  await store.commit(state, r, d.commit, d.consensus);
  d.onApplied?.(r);
  // A transaction that failed against the state its block was built on leaves with the included
  // ones (the builder evicted it already); the rest is checked again where the block touched it.
  const dropped = mempool.update(state, [...r.txHashes, ...r.rejected.map((x) => x.hash ?? sha256(x.bytes))], r.changes);
  const fields = { height: Number(r.block.header.height), hash: logHex(r.hash), txs: r.block.txs.length, rejected: r.rejected.length, dropped,
    ...(d.startedAt === undefined ? {} : { ms: Math.round(performance.now() - d.startedAt) }), ...d.logFields };
  if (d.quiet) logger.debug(fields, 'committed block');
  else logger.info(fields, 'committed block');
  target.onCommit(r, d.commit);
  return dropped;
}
