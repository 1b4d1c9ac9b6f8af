// What every job transaction handler checks first, and the shape of its result: each handler runs
// every check before returning its writes as a closure, so a rejected transaction changes nothing.
import { VmError } from '../errors.ts';
import { EventKind, JOB_STATUS_NAMES, type ChainEvent, type Job, type JobStatusTag, type JobUpdate } from '../types/index.ts';
import type { StateOverlay } from '../state/overlay.ts';
import { checkpointStep } from '../../ml-runtime/commitment/index.ts';
import { bytesToHex, equalBytes, leafHash, verifyMerkleRange } from '../../primitives/index.ts';

export interface JobTxEffect {
  events: ChainEvent[];
  write: () => void;
  update: JobUpdate | null; // set when the transaction changes the job's status
}

export const hex = (b: Uint8Array) => bytesToHex(b);

export function load(o: StateOverlay, id: Uint8Array): Job {
  const job = o.job(id);
  if (!job) throw new VmError('JOB_NOT_FOUND', `no job ${hex(id)}`);
  return job;
}

export function needStatus(job: Job, want: JobStatusTag): void {
  if (job.status !== want) {
    throw new VmError('JOB_WRONG_STATUS', `job ${hex(job.id)} is ${JOB_STATUS_NAMES[job.status]}; this transaction needs it ${JOB_STATUS_NAMES[want]}`);
  }
}

export function needSolver(job: Job, sender: Uint8Array): void {
  if (!job.solver || !equalBytes(job.solver, sender)) throw new VmError('JOB_NOT_SOLVER', `only the solver of job ${hex(job.id)} may send this`);
}

export function needDeadline(job: Job, height: bigint): void {
  if (height > job.deadline) throw new VmError('JOB_DEADLINE_PASSED', `job ${hex(job.id)}'s ${JOB_STATUS_NAMES[job.status]} phase ended at height ${job.deadline}`);
}

/** What every solver move checks first: the job exists, the sender is its solver, it is in `status`, its deadline has not passed. */
export function solverMove(o: StateOverlay, sender: Uint8Array, jobId: Uint8Array, status: JobStatusTag, height: bigint): Job {
  const job = load(o, jobId);
  needSolver(job, sender);
  needStatus(job, status);
  needDeadline(job, height);
  return job;
}

export function proofFail(msg: string): never {
  throw new VmError('JOB_PROOF_INVALID', msg);
}

/** Replaces a job and reports the status change (if any). */
export function effect(o: StateOverlay, before: Job, after: Job, events: ChainEvent[] = []): JobTxEffect {
  return {
    events,
    write: () => {
      o.setJob(after);
      // a dispute award pays out coins escrowed earlier (a bond or a demand fee): credit, never mint
      for (const e of events) {
        if (e.kind !== EventKind.DisputeAward) continue;
        const a = o.account(e.address);
        o.setAccount(e.address, { balance: a.balance + e.amount, nonce: a.nonce });
      }
    },
    update: after.status !== before.status ? { jobId: after.id, status: after.status, outcome: after.outcome } : null,
  };
}


/**
 * Trace leaves h_from .. h_{from+n-1} proven by a range proof under the trace root (count T + 1), each
 * leaf at a checkpoint step equal to the opened checkpoint's step hash and h_T equal to the committed
 * final step hash (JOB_PROOF_INVALID, JOB_REVEAL_INCONSISTENT). `at` prefixes the message.
 */
export function proveTraceRange(job: Job, T: number, k: number, from: number, hashes: readonly Uint8Array[], siblings: readonly Uint8Array[], at: string): void {
  const c = job.commitment!;
  if (!verifyMerkleRange(hashes.map(leafHash), from, T + 1, siblings, c.traceRoot)) proofFail(`${at}: not proven under traceRoot`);
  const knownAt = new Map<number, Uint8Array>(); // step -> hash every revealed leaf at that step must equal
  for (const x of job.openings) knownAt.set(checkpointStep(x.index, T, k), x.stepHash);
  knownAt.set(T, c.finalStepHash);
  hashes.forEach((h, i) => {
    const want = knownAt.get(from + i);
    if (want && !equalBytes(want, h)) {
      throw new VmError('JOB_REVEAL_INCONSISTENT', `${at}: h_${from + i} differs from the ${from + i === T ? 'committed final step hash' : 'opened checkpoint'}`);
    }
  });
}
