// The end-of-block tick (docs/jobs.md §2): after a block's transactions, every running job is
// advanced by the height alone, so phases end even when nobody sends a transaction.

import { JobOutcome, JobStatus, type ChainEvent, type Job, type JobStatusTag, type JobUpdate } from '../types/index.ts';
import type { StateOverlay } from '../state/overlay.ts';
import { jobSeed, sampleSegments, selectCommittee } from './challenge.ts';
import { judgeJob, type Verdict } from './judge.ts';
import { requiredRanges, segmentCount } from '../../ml-runtime/commitment/index.ts';
import { settleJob } from './settle.ts';
import { jobSteps } from './terms.ts';
import { compareBytes } from '../../primitives/index.ts';

/** True once every required trace range has been revealed. */
export function allRevealed(job: Job): boolean {
  if (job.reveals.length === 0) return false;
  const { T, k } = jobSteps(job.terms);
  return requiredRanges(T, k, job.segments).every((r) => job.reveals.some((x) => x.from === r.from));
}

/**
 * Advances each job of the active index (ascending id) at height H with beacon_H (the beacon after
 * this block). Returns the block events (money of ended jobs) and the status changes, in order.
 */
export function tickJobs(o: StateOverlay, height: bigint): { events: ChainEvent[]; updates: JobUpdate[] } {
  const events: ChainEvent[] = [];
  const updates: JobUpdate[] = [];
  const ended: Uint8Array[] = [];
  const beacon = o.beacon;
  const set = (job: Job, patch: Partial<Job>) => {
    const next = { ...job, ...patch };
    o.setJob(next);
    if (next.status !== job.status) updates.push({ jobId: job.id, status: next.status, outcome: next.outcome });
  };
  const end = (job: Job, status: JobStatusTag, outcome: string, verdict: Verdict | null) => {
    events.push(...settleJob(o, job, outcome, verdict));
    set(job, { status, outcome, endHeight: height });
    ended.push(job.id);
  };

  for (const id of o.activeJobs) {
    const job = o.job(id)!;
    switch (job.status) {
      case JobStatus.Open:
        if (height >= job.deadline) end(job, JobStatus.Expired, JobOutcome.NoSolver, null);
        break;
      case JobStatus.Accepted:
        if (height === job.acceptHeight + 1n) {
          set(job, { status: JobStatus.Training, seed: jobSeed(job.id, beacon), deadline: height + BigInt(job.terms.windows.commit) });
        }
        break;
      case JobStatus.Training:
        if (height >= job.deadline) end(job, JobStatus.Slashed, JobOutcome.NoCommit, null);
        break;
      case JobStatus.Committed:
        if (height === job.challengeHeight) {
          const { T, k } = jobSteps(job.terms);
          set(job, {
            status: JobStatus.Challenged,
            segments: sampleSegments(job.id, beacon, job.terms.q, segmentCount(T, k)),
            committee: selectCommittee(job.id, beacon, o.validatorList(), job.terms.committeeSize, job.solver),
            deadline: height + BigInt(job.terms.windows.open),
          });
        }
        break;
      case JobStatus.Challenged:
        if (height >= job.deadline) end(job, JobStatus.Slashed, JobOutcome.NoOpen, null);
        break;
      case JobStatus.Attesting:
        // Once every member has attested nobody is left who could copy from the reveal, so the
        // window closes early; otherwise it runs to its deadline.
        if (height >= job.deadline || job.attestations.length >= job.committee.length) {
          set(job, { status: JobStatus.Revealing, deadline: height + BigInt(job.terms.windows.reveal) });
        }
        break;
      case JobStatus.Revealing:
        if (allRevealed(job)) {
          const verdict = judgeJob(job);
          end(job, verdict.outcome === JobOutcome.Paid ? JobStatus.Finalized : JobStatus.Slashed, verdict.outcome, verdict);
        } else if (height >= job.deadline) end(job, JobStatus.Slashed, JobOutcome.NoReveal, null);
        break;
    }
  }
  if (ended.length) o.setActiveJobs(o.activeJobs.filter((id) => !ended.some((e) => compareBytes(e, id) === 0)));
  return { events, updates };
}
