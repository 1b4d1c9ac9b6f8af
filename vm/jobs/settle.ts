// Where a job's escrow and bond go when it ends (docs/jobs.md §5, docs/disputes.md §6). Every credit
// here returns coins that a JobSubmit or JobAccept took out of a balance, so none can overflow
// (genesis caps supply).
import { EventKind, JobOutcome, type ChainEvent, type Job } from '../types/index.ts';
import type { StateOverlay } from '../state/overlay.ts';
import { jobSteps } from './terms.ts';
import { seatCount } from './assignment.ts';
import { equalBytes } from '../../primitives/index.ts';

export function pay(o: StateOverlay, events: ChainEvent[], kind: ChainEvent['kind'], to: Uint8Array, amount: bigint, counterparty: Uint8Array | null = null): void {
  if (amount === 0n) return;
  const a = o.account(to);
  o.setAccount(to, { balance: a.balance + amount, nonce: a.nonce });
  events.push({ kind, address: to, counterparty, amount });
}

/**
 * attestReward split per seat: each seat is worth ⌊attestReward / c⌋ (c = seats drawn, the committee
 * size); each rewarded member gets that times the seats it holds, in `to` order. Returns what is left
 * (the seats of unrewarded members and the remainder attestReward mod c), which goes to the submitter.
 */
function rewardSeats(o: StateOverlay, events: ChainEvent[], job: Job, to: readonly Uint8Array[], amount: bigint): bigint {
  if (job.seats.length === 0) return amount;
  const unit = amount / BigInt(job.seats.length);
  let left = amount;
  for (const a of distinct(to)) {
    const v = unit * BigInt(seatCount(job, a));
    pay(o, events, EventKind.JobReward, a, v);
    left -= v;
  }
  return left;
}

/** Distinct addresses, first occurrence kept. */
export function distinct(list: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const a of list) if (!out.some((x) => equalBytes(x, a))) out.push(a);
  return out;
}

/** Who gets what besides the submitter and the solver. */
export interface Settlement {
  /** Paid: members whose digest matched (attestReward split). Slashed: members who caught the solver. */
  rewarded: Uint8Array[];
  /** Slashed: who shares half of the solver's bond (a winning challenger first, then catchers, or demanders); the rest is burned. */
  bondShares: Uint8Array[];
}

const NONE: Settlement = { rewarded: [], bondShares: [] };

/**
 * Pays out a job that ends with `outcome`. Event order: the solver's payout or slash (and bond
 * shares), its bond refund, attester rewards (in `rewarded` order), the submitter's refund.
 * - paid: bounty and bond to the solver, attestReward per seat to `rewarded` (rewardSeats), the rest to the submitter.
 * - diverged at t of T: bond back to the solver, floor(bounty·t / 2T) paid for the work, the rest refunded.
 * - slashed (any outcome): floor(bond / 2) split among `bondShares` (floor each), the rest of the bond
 *   burned; attestReward per seat to `rewarded`; bounty and the rest to the submitter.
 * - expired (no solver): bounty + reward to the submitter.
 * - no-quorum (no committee reached a quorum): bond back to the solver, bounty + reward to the submitter; nobody else is paid.
 */
export function settleJob(o: StateOverlay, job: Job, outcome: string, s: Settlement = NONE): ChainEvent[] {
  const events: ChainEvent[] = [];
  const { bounty, attestReward, solverStake } = job.terms;
  const solver = job.solver;
  if (outcome === JobOutcome.NoSolver || !solver) {
    pay(o, events, EventKind.JobRefund, job.submitter, bounty + attestReward);
    return events;
  }
  if (outcome === JobOutcome.Paid) {
    pay(o, events, EventKind.JobPayout, solver, bounty, job.submitter);
    pay(o, events, EventKind.JobRefund, solver, solverStake);
    const left = rewardSeats(o, events, job, s.rewarded, attestReward);
    pay(o, events, EventKind.JobRefund, job.submitter, left);
    return events;
  }
  if (outcome === JobOutcome.NoQuorum) {
    pay(o, events, EventKind.JobRefund, solver, solverStake);
    pay(o, events, EventKind.JobRefund, job.submitter, bounty + attestReward);
    return events;
  }
  if (outcome === JobOutcome.Diverged) {
    const T = BigInt(jobSteps(job.terms).T);
    const fee = (bounty * BigInt(job.divergedAt)) / (2n * T);
    pay(o, events, EventKind.JobPayout, solver, fee, job.submitter);
    pay(o, events, EventKind.JobRefund, solver, solverStake);
    pay(o, events, EventKind.JobRefund, job.submitter, bounty - fee + attestReward);
    return events;
  }
  // slashed: half the bond to those who proved it, the rest leaves the supply
  const half = solverStake / 2n;
  const recipients = distinct(s.bondShares);
  const each = recipients.length ? half / BigInt(recipients.length) : 0n;
  const burned = solverStake - each * BigInt(recipients.length);
  if (burned > 0n) events.push({ kind: EventKind.JobSlash, address: solver, counterparty: null, amount: burned });
  for (const a of recipients) pay(o, events, EventKind.JobSlashShare, a, each, solver);
  const left = rewardSeats(o, events, job, s.rewarded, attestReward);
  pay(o, events, EventKind.JobRefund, job.submitter, bounty + left);
  return events;
}
