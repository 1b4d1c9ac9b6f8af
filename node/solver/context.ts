// What the parts of a Solver share: its options, connections and the values start() learns.
import type { Logger } from 'pino';
import type { DatasetRegistry } from '../jobs/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import type { ChainClient } from './chain-client.ts';
import type { SolverEvent } from './events.ts';
import type { ResolvedSolverOptions } from './options.ts';
import type { Waker } from './waker.ts';

export interface SolverContext {
  readonly o: ResolvedSolverOptions;
  readonly log: Logger;
  readonly chain: ChainClient;
  readonly waker: Waker;
  readonly registry: DatasetRegistry;
  readonly address: string;
  /** aborted when the solver stops */
  readonly signal: AbortSignal;
  /** set by start(): null before it and when it failed */
  host: P2pHost | null;
  chainId: string;
  maxTxBytes: number;
  /** reports to onEvent; a throwing handler is logged, never allowed to break the work */
  emit(e: SolverEvent): void;
}
