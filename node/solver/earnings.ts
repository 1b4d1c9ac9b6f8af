// Earnings accounting for a job that ended on chain: what it paid or cost this solver, including what
// the dispute game moved (docs/disputes.md §6: a challenger's bond to the solver that proves it wrong,
// demand fees for chunks posted on chain, bonds the solver put on members' attestations).
import type { SolverContext } from './context.ts';
import type { DisputeEarnings, Earnings } from './events.ts';
import type { JobView } from './job-view.ts';
import type { JobResult, JobRun } from './job-run.ts';

/** The dispute side of a job's money as the final job record shows it; `mine` are this solver's transaction hashes (0x-hex). */
export function disputeEarnings(v: JobView, me: string, mine: ReadonlySet<string>): DisputeEarnings {
  const out: DisputeEarnings = { won: 0, lost: 0, bondsWon: 0n, bondsLost: 0n, membersSlashed: 0, demandsAnswered: 0, demandFees: 0n };
  for (const d of v.disputes) {
    if (d.stage !== 'resolved' || d.winner === 'none') continue; // cancelled when the job ended: bonds refunded
    const won = d.winner === 'solver';
    if (d.kind === 'solver') {
      if (won) { out.won++; out.bondsWon += d.bond; } else out.lost++;
    } else if (d.kind === 'attestation' && d.by === me) {
      if (won) { out.won++; out.membersSlashed++; } else { out.lost++; out.bondsLost += d.bond; }
    } else if (d.kind === 'divergence') {
      if (won) out.won++; else out.lost++;
    }
  }
  for (const x of v.demands) {
    if (!x.answer || !mine.has('0x' + Buffer.from(x.answer).toString('hex'))) continue;
    out.demandsAnswered++;
    out.demandFees += x.fee;
  }
  return out;
}

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
  const status = v.status as Earnings['status'];
  const bond = v.terms.solverStake;
  const T = v.terms.spec?.steps ?? 0;
  // settle.ts: a diverged run at t of T is paid floor(bounty·t / 2T) for its work
  const bounty = status === 'finalized' ? v.terms.bounty : status === 'diverged' && T > 0 ? (v.terms.bounty * BigInt(v.divergedAt)) / (2n * BigInt(T)) : 0n;
  const disputes = disputeEarnings(v, c.address, seen);
  const game = disputes.bondsWon - disputes.bondsLost + disputes.demandFees;
  // no committee reached a quorum (outcome no-quorum): the solver did its part and gets its bond back (vm settleJob)
  const bondReturned = status === 'finalized' || status === 'diverged' || (status === 'expired' && v.outcome === 'no-quorum');
  const earnings: Earnings = {
    status, outcome: v.outcome, bounty, bond, bondReturned, fees,
    net: (status === 'finalized' || status === 'diverged' ? bounty - fees : status === 'slashed' ? -(bond + fees) : -fees) + game,
    disputes, balanceBefore: run.balanceBefore, balanceAfter, observedDelta: balanceAfter - run.balanceBefore,
  };
  run.log.info({
    status, outcome: v.outcome, bounty: String(bounty), bond: String(bond), fees: String(fees), net: String(earnings.net), observedDelta: String(earnings.observedDelta),
    disputesWon: disputes.won, disputesLost: disputes.lost, bondsWon: String(disputes.bondsWon), bondsLost: String(disputes.bondsLost),
    membersSlashed: disputes.membersSlashed, demandsAnswered: disputes.demandsAnswered, demandFees: String(disputes.demandFees),
  }, 'job ended');
  c.emit({ type: 'ended', jobId: run.id, earnings });
  return { jobId: run.id, status, outcome: v.outcome, earnings, reason: null };
}
