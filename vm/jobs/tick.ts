// The end-of-block tick (docs/jobs.md §2, docs/disputes.md §5): after a block's transactions, every
// running job is advanced by the height alone, so phases end even when nobody sends a transaction.

import { JOB_FLOORS, JobOutcome, JobStatus, type ChainEvent, type Job, type JobStatusTag, type JobUpdate } from '../types/index.ts';
import type { StateOverlay } from '../state/overlay.ts';
import { drawSeats, jobSeed, sampleSegments } from './challenge.ts';
import { penaliseSilent, quorumStep, unionSorted } from './quorum.ts';
import { judgeJob } from './judge.ts';
import { requiredRanges, segmentCount } from '../../ml-runtime/commitment/index.ts';
import { distinct, settleJob, type Settlement } from './settle.ts';
import { jobSteps } from './terms.ts';
import { catchers, DEMANDABLE, isOpen } from './dispute-rules.ts';
import { lapsedDemands, refundOpen, tickDisputes } from './dispute-tick.ts';
import { compareBytes, equalBytes } from '../../primitives/index.ts';

/** True once every required trace range has been revealed. */
export function allRevealed(job: Job): boolean {
  if (job.reveals.length === 0) return false;
  const { T, k } = jobSteps(job.terms);
  return requiredRanges(T, k, job.segments).every((r) => job.reveals.some((x) => x.from === r.from));
}

/**
 * Advances each job of the active index (ascending id) at height H. The seed uses beacon_H (the
 * beacon after this block); segments and seats use beacon_{H-1} (o.base.beacon, the parent state's),
 * which nothing in block H (its transactions, its proposer or round) can change. Returns the block events (money of ended jobs and decided disputes) and the status
 * changes, in order.
 */
export function tickJobs(o: StateOverlay, height: bigint): { events: ChainEvent[]; updates: JobUpdate[] } {
  const events: ChainEvent[] = [];
  const updates: JobUpdate[] = [];
  const ended: Uint8Array[] = [];
  const beacon = o.beacon;
  const parentBeacon = o.base.beacon;
  const set = (job: Job, patch: Partial<Job>): Job => {
    const next = { ...job, ...patch };
    o.setJob(next);
    if (next.status !== job.status) updates.push({ jobId: job.id, status: next.status, outcome: next.outcome });
    return next;
  };
  const end = (job: Job, status: JobStatusTag, outcome: string, s: Settlement) => {
    events.push(...settleJob(o, job, outcome, s));
    const closed = refundOpen(o, job, height, events);
    set(job, { disputes: closed.disputes, status, outcome, endHeight: height });
    ended.push(job.id);
  };

  for (const id of o.activeJobs) {
    const job = o.job(id)!;
    // a demanded chunk that did not arrive in time ends the job, whatever phase it is in
    if (DEMANDABLE.includes(job.status)) {
      const lapsed = lapsedDemands(job, height);
      if (lapsed.length) {
        end(job, JobStatus.Slashed, JobOutcome.NoData, { rewarded: [], bondShares: distinct(lapsed.map((x) => x.by)) });
        continue;
      }
    }
    switch (job.status) {
      case JobStatus.Open:
        if (height >= job.deadline) end(job, JobStatus.Expired, JobOutcome.NoSolver, { rewarded: [], bondShares: [] });
        break;
      case JobStatus.Accepted:
        if (height === job.acceptHeight + 1n) {
          set(job, { status: JobStatus.Training, seed: jobSeed(job.id, beacon), deadline: height + BigInt(job.terms.windows.commit) });
        }
        break;
      case JobStatus.Training:
        if (height >= job.deadline) end(job, JobStatus.Slashed, JobOutcome.NoCommit, { rewarded: [], bondShares: [] });
        break;
      case JobStatus.Committed:
        if (height === job.challengeHeight) {
          const { T, k } = jobSteps(job.terms);
          set(job, {
            status: JobStatus.Challenged,
            segments: sampleSegments(job.id, parentBeacon, job.terms.q, segmentCount(T, k)),
            ...drawSeats(job.id, parentBeacon, 0, job.pool, job.terms.committeeSize),
            draws: 1,
            deadline: height + BigInt(job.terms.windows.open),
          });
        }
        break;
      case JobStatus.Challenged:
        if (height >= job.deadline) end(job, JobStatus.Slashed, JobOutcome.NoOpen, { rewarded: [], bondShares: [] });
        break;
      case JobStatus.Attesting:
        // Once every member has attested nobody is left who could copy from the reveal, so the
        // window closes early; otherwise it runs to its deadline.
        if (height >= job.deadline || job.attestations.length >= job.committee.length) {
          const step = quorumStep(job, JOB_FLOORS.maxCommittees);
          penaliseSilent(o, job, step.silent, events);
          const silent = unionSorted(job.silent, step.silent);
          if (step.kind === 'reveal') set(job, { status: JobStatus.Revealing, silent, deadline: height + BigInt(job.terms.windows.reveal) });
          else if (step.kind === 'redraw') set(job, { status: JobStatus.Redrawing, silent, deadline: height + BigInt(job.terms.windows.challengeDelay) });
          else end(set(job, { silent }), JobStatus.Expired, JobOutcome.NoQuorum, { rewarded: [], bondShares: [] });
        }
        break;
      case JobStatus.Redrawing:
        if (height >= job.deadline) {
          // a fresh committee from the same pool without anyone ever silent, drawn from beacon_{H-1}
          const pool = job.pool.filter((m) => !job.silent.some((x) => equalBytes(x, m.address)));
          set(job, {
            status: JobStatus.Attesting, ...drawSeats(job.id, parentBeacon, job.draws, pool, job.terms.committeeSize),
            draws: job.draws + 1, attestations: [], deadline: height + BigInt(job.terms.windows.attest),
          });
        }
        break;
      case JobStatus.Revealing:
        if (allRevealed(job)) {
          // the committee's verdict is provisional: anyone may dispute it until windowEnd
          const windowEnd = height + BigInt(job.terms.dispute.window);
          set(job, { status: JobStatus.Provisional, verdict: judgeJob(job).outcome, windowEnd, deadline: windowEnd });
        } else if (height >= job.deadline) {
          // members who replayed caught a solver that would not show its hashes
          const caught = catchers(job);
          end(job, JobStatus.Slashed, JobOutcome.NoReveal, { rewarded: caught, bondShares: caught });
        }
        break;
      case JobStatus.Diverging:
      case JobStatus.Provisional: {
        const after = tickDisputes(o, job, height, events, { set, end });
        if (after?.status === JobStatus.Provisional && height >= after.windowEnd && !after.disputes.some(isOpen) && !after.demands.some((x) => !x.answer.length)) {
          closeWindow(after, end);
        }
        break;
      }
    }
  }
  if (ended.length) o.setActiveJobs(o.activeJobs.filter((id) => !ended.some((e) => compareBytes(e, id) === 0)));
  return { events, updates };
}

/** The dispute window closed with nothing open: the verdict, judged again without members proven wrong, stands. */
function closeWindow(job: Job, end: (job: Job, status: JobStatusTag, outcome: string, s: Settlement) => void): void {
  if (job.verdict === JobOutcome.Diverged) {
    end(job, JobStatus.Diverged, JobOutcome.Diverged, { rewarded: [], bondShares: [] });
    return;
  }
  const v = judgeJob(job);
  if (v.outcome === JobOutcome.Paid) end(job, JobStatus.Finalized, JobOutcome.Paid, { rewarded: v.agreeing, bondShares: [] });
  else end(job, JobStatus.Slashed, JobOutcome.Mismatch, { rewarded: v.disagreeing, bondShares: v.disagreeing });
}
