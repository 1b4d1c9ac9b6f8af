// What the verifier service shares with the tasks it runs, and whether a job still wants this
// validator's attestation.
import type { Logger } from 'pino';
import { JobStatus, type Job } from '../../vm/index.ts';
import type { VerifierBackend } from './verifier-backend.ts';
import type { VerifierOptions } from './options.ts';
import type { BlockPace } from './pace.ts';
import type { CpuSlots, TaskEntry, VerifierScheduleView } from './scheduler.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';
import { logHex } from '../util/index.ts';

/** Counters for tests and node status. */
export interface VerifierStats {
  /** attestations posted with a replayed digest */
  verified: number;
  /** attestations posted with UNAVAILABLE_DIGEST */
  unavailable: number;
  /** tasks that ended without an attestation (local errors, refused submissions) */
  failed: number;
  /** replays whose end hash disagreed with an opened checkpoint of the solver (the digest is still posted) */
  disagreed: number;
  /** worker busy time of the last replay */
  lastCpuMs: number;
  /** checkpoint and dataset bytes fetched from solvers */
  bytesFetched: number;
  /** checkpoint chunks this member demanded on chain (DaDemand) after fetching them failed */
  demanded: number;
  /** checkpoint chunks taken from the solver's DaChunk transactions */
  chunksFromChain: number;
  /** opened checkpoints proven under their chunk root that were no usable state (their segment claimed as NO_HASH) */
  unusable: number;
  /** dispute moves sent to defend this member's attestations (answers, state pieces, sample batches) */
  disputeMoves: number;
  /** tasks waiting for a task slot */
  queued: number;
  /** id of the running task with the earliest deadline, or null */
  running: string | null;
  /** the schedule: task and CPU slots, each queued or running task, the latest decisions */
  scheduler: VerifierScheduleView;
}

export interface Submitted {
  digest: Uint8Array;
  txHash: Uint8Array;
  tries: number;
}

export interface VerifierContext {
  readonly o: VerifierOptions;
  readonly address: Uint8Array;
  readonly log: Logger;
  readonly pace: BlockPace;
  readonly backend: VerifierBackend;
  readonly now: () => number;
  readonly counters: Omit<VerifierStats, 'queued' | 'running' | 'scheduler'>;
  /** work keys (committee-draw.ts workKey) queued, running or submitted: each committee seat of a job is handled once */
  readonly taken: Set<string>;
  /** by work key */
  readonly submitted: Map<string, Submitted>;
  /** digests already computed, by work key, so a refused submission is retried without replaying again */
  readonly digests: Map<string, Uint8Array>;
  /** replays allowed at once (worker threads), earliest deadline first */
  readonly cpu: CpuSlots;
  /**
   * the running tasks by work key: the service aborts one on a block at its fetchStopAt (while it still
   * fetches) or stopAt, when its job leaves the attest window or is redrawn, or on stop()
   */
  readonly running: Map<string, TaskEntry>;
  /** milliseconds per replayed step measured on this machine (the last replay), to size fetch budgets; null before any replay */
  msPerStep: number | null;
  stopped: boolean;
}

/** A job id as logs and messages name it: all of it, 0x-prefixed. */
export const short = (id: Uint8Array): string => logHex(id);

function isMember(c: VerifierContext, job: Job): boolean {
  return job.committee.some((m) => equalBytes(m.address, c.address));
}

export function hasAttested(c: VerifierContext, job: Job): boolean {
  return job.attestations.some((a) => equalBytes(a.address, c.address));
}

/** In the attest window (a tx can still land at height ≤ deadline), on the committee, not yet attested. */
export function needsMe(c: VerifierContext, job: Job): boolean {
  return job.status === JobStatus.Attesting && c.o.state.height < job.deadline + 1n && isMember(c, job) && !hasAttested(c, job);
}
