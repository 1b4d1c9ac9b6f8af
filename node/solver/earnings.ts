// Earnings accounting for a job that ended on chain: what it paid or cost this solver.
import type { SolverContext } from './context.ts';
import type { Earnings } from './events.ts';
import type { JobView } from './job-view.ts';
import type { JobResult, JobRun } from './job-run.ts';

/** What the job paid or cost, from its outcome, the terms and this solver's transaction receipts. */
export async function jobEnded(c: SolverContext, run: JobRun, v: JobView): Promise<JobResult> {
  let fees = 0n;
  const seen = new Set<string>();
  for (const tx of run.txs) {
    if (seen.has(tx.hash)) continue;
    seen.add(tx.hash);
    const r = await c.chain.receipt(tx.hash).catch(() => null);
    if (r) fees += r.fee;
  }
  const balanceAfter = (await c.chain.account()).balance;
  const status = v.status as 'finalized' | 'slashed' | 'expired';
  const bond = v.terms.solverStake;
  const bounty = status === 'finalized' ? v.terms.bounty : 0n;
  const earnings: Earnings = {
    status, outcome: v.outcome, bounty, bond, bondReturned: status === 'finalized', fees,
    net: status === 'finalized' ? bounty - fees : status === 'slashed' ? -(bond + fees) : -fees,
    balanceBefore: run.balanceBefore, balanceAfter, observedDelta: balanceAfter - run.balanceBefore,
  };
  run.log.info({ status, outcome: v.outcome, bounty: String(bounty), bond: String(bond), fees: String(fees), net: String(earnings.net), observedDelta: String(earnings.observedDelta) }, 'job ended');
  c.emit({ type: 'ended', jobId: run.id, earnings });
  return { jobId: run.id, status, outcome: v.outcome, earnings, reason: null };
}
