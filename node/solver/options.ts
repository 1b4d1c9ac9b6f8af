// What a Solver is configured with, and the defaults it falls back to.
import type { Logger } from 'pino';
import type { CheatMode } from './cheat.ts';
import type { SolverEvent } from './events.ts';
import type { JobView } from './job-view.ts';

/** The runtime this solver executes (ml-runtime det backend). */
export const SOLVER_RUNTIME = 'det-1';
/** The chain's transaction size limit when the node does not report one. */
export const DEFAULT_MAX_TX_BYTES = 65536;
/** The block interval assumed when neither the options nor the chain's recent blocks give one (the node's default). */
export const DEFAULT_BLOCK_INTERVAL_MS = 1000;
/** docs/jobs.md: 1 ≤ T ≤ 65536. */
export const DEFAULT_MAX_STEPS = 65536;

export interface SolverOptions {
  rpcUrl: string;
  /** 32-byte ed25519 seed of the solver's account (it pays fees and posts bonds) */
  seed: Uint8Array;
  /** where job artifacts (step hashes, checkpoint states) are written */
  dataDir: string;
  p2p?: { listen?: string[] };
  /** pino logger (default: silent) */
  logger?: Logger;
  /** largest T accepted (default 65536) */
  maxSteps?: number;
  /** jobs worked on at the same time (default 1) */
  maxJobs?: number;
  /** fee of each transaction (default 1) */
  fee?: bigint;
  /** transaction size limit (default: the node's when it reports one, else 65536) */
  maxTxBytes?: number;
  /** the chain's block interval (ms) for judging whether a job can be trained within its commit window (default: measured from the last 20 blocks' timestamps, else 1000) */
  blockIntervalMs?: number;
  /** fallback polling interval when no notification arrives (default 1000 ms) */
  pollIntervalMs?: number;
  /** minimum ms between progress events (default 500) */
  progressIntervalMs?: number;
  /** longest time spent fetching a parent job's final weights from its solver (default 120 000 ms) */
  parentFetchTimeoutMs?: number;
  /** libp2p addresses (/…/p2p/<id>) to fetch a job's dataset from when it is neither bundled nor already held (docs/datasets.md) */
  datasetPeers?: string[];
  /** dispute committee members whose attestation this solver's trace proves wrong (default true; never with a test cheat) */
  disputeMembers?: boolean;
  /** stop after the first job this solver won has ended */
  once?: boolean;
  /** extra filter on open jobs (e.g. a test that wants one solver per job) */
  jobFilter?(job: JobView): boolean;
  onEvent?(e: SolverEvent): void;
  /** TEST ONLY: misbehave (see cheat.ts) */
  cheat?: CheatMode;
  signal?: AbortSignal;
}

/** SolverOptions with the defaults the constructor fills in. */
export type ResolvedSolverOptions =
  Required<Pick<SolverOptions, 'maxSteps' | 'maxJobs' | 'fee' | 'pollIntervalMs' | 'progressIntervalMs'>> & SolverOptions;
