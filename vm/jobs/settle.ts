// Where a job's escrow and bond go when it ends (docs/jobs.md §5). Every credit here returns coins
// that a JobSubmit or JobAccept took out of a balance, so none can overflow (genesis caps supply).
import { EventKind, JobOutcome, type ChainEvent, type Job } from '../types/index.ts';
import type { StateOverlay } from '../state/overlay.ts';
import type { Verdict } from './judge.ts';

function pay(o: StateOverlay, events: ChainEvent[], kind: ChainEvent['kind'], to: Uint8Array, amount: bigint, counterparty: Uint8Array | null = null): void {
  if (amount === 0n) return;
  const a = o.account(to);
  o.setAccount(to, { balance: a.balance + amount, nonce: a.nonce });
  events.push({ kind, address: to, counterparty, amount });
}

/** `attestReward / m` to each of `to` (ascending address); returns what is left for the submitter. */
function shareReward(o: StateOverlay, events: ChainEvent[], to: readonly Uint8Array[], reward: bigint): bigint {
  if (to.length === 0) return reward;
  const each = reward / BigInt(to.length);
  for (const a of to) pay(o, events, EventKind.JobReward, a, each);
  return reward - each * BigInt(to.length);
}

/**
 * Pays out a job that ends with `outcome` (`verdict` given for paid / mismatch). Event order: the
 * solver's payout or slash, its bond refund, attester rewards (ascending address), the submitter's refund.
 */
export function settleJob(o: StateOverlay, job: Job, outcome: string, verdict: Verdict | null): ChainEvent[] {
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
    const left = shareReward(o, events, verdict?.agreeing ?? [], attestReward);
    pay(o, events, EventKind.JobRefund, job.submitter, left);
    return events;
  }
  // slashed: the bond leaves the supply; only a mismatch rewards the members that caught it
  if (solverStake > 0n) events.push({ kind: EventKind.JobSlash, address: solver, counterparty: null, amount: solverStake });
  const left = outcome === JobOutcome.Mismatch ? shareReward(o, events, verdict?.disagreeing ?? [], attestReward) : attestReward;
  pay(o, events, EventKind.JobRefund, job.submitter, bounty + left);
  return events;
}
