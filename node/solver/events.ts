// What a Solver reports as it works (SolverOptions.onEvent), and the one-line text the CLI prints for each.
import { shortId } from './job-view.ts';

/** What the dispute game of one job moved for this solver (docs/disputes.md §6). */
export interface DisputeEarnings {
  /** disputes decided for the solver's side / against it */
  won: number;
  lost: number;
  /** challengers' bonds paid to this solver (disputes against its trace that it won) */
  bondsWon: bigint;
  /** bonds this solver posted to dispute members' attestations and lost */
  bondsLost: bigint;
  /** members whose attestation this solver disputed and the referee proved wrong (each pays the solver half of its slashed stake, which shows in observedDelta) */
  membersSlashed: number;
  /** availability demands this solver answered on chain, and the demand fees they paid it */
  demandsAnswered: number;
  demandFees: bigint;
}

export interface Earnings {
  status: 'finalized' | 'slashed' | 'expired' | 'diverged';
  outcome: string;
  /** bounty paid to this solver (0 unless finalized; for a diverged run, the fee for the steps it did) */
  bounty: bigint;
  /** the bond posted with JobAccept */
  bond: bigint;
  bondReturned: boolean;
  /** fees of this solver's included transactions for the job */
  fees: bigint;
  /** bounty - fees when finalized or diverged, -(bond + fees) when slashed; plus what the disputes moved (bondsWon - bondsLost + demandFees) */
  net: bigint;
  disputes: DisputeEarnings;
  balanceBefore: bigint;
  balanceAfter: bigint;
  /** balanceAfter - balanceBefore (other activity on the account shows here too) */
  observedDelta: bigint;
}

export type SolverEvent =
  | { type: 'started'; chainId: string; address: string; peerId: string; addrs: string[] }
  | { type: 'skipped'; jobId: string; reason: string }
  | { type: 'parent-fetched'; jobId: string; parent: string; from: string; bytes: number; ms: number }
  | { type: 'accepted'; jobId: string; txHash: string; bond: bigint; bounty: bigint }
  | { type: 'lost'; jobId: string; solver: string | null }
  | { type: 'training'; jobId: string; steps: number; checkpointInterval: number; dataset: string; cheat: string }
  | { type: 'progress'; jobId: string; step: number; steps: number; loss: number | null; stepsPerSecond: number; etaSeconds: number | null }
  | { type: 'trained'; jobId: string; steps: number; wallSeconds: number; traceRoot: string; lastLoss: number | null }
  | { type: 'committed'; jobId: string; traceRoot: string; txHash: string }
  | { type: 'challenged'; jobId: string; segments: number[]; committee: number }
  | { type: 'opened'; jobId: string; count: number; txHash: string }
  | { type: 'withheld'; jobId: string }
  | { type: 'revealed'; jobId: string; items: number; txs: number; txHashes: string[] }
  | { type: 'diverged'; jobId: string; step: number; steps: number; reason: string }
  | { type: 'diverge-committed'; jobId: string; step: number; traceRoot: string; txHash: string }
  | { type: 'provisional'; jobId: string; verdict: string; windowEnd: bigint }
  | { type: 'demand-answered'; jobId: string; checkpoint: number; chunk: number; demands: number; txHash: string }
  | { type: 'dispute-opened'; jobId: string; member: string; bond: bigint; txHash: string }
  | { type: 'dispute-move'; jobId: string; dispute: number; kind: string; move: 'respond' | 'state' | 'samples'; step: number; txs: number; bytes: number }
  | { type: 'dispute-resolved'; jobId: string; dispute: number; kind: string; won: boolean; reason: string; bond: bigint }
  | { type: 'ended'; jobId: string; earnings: Earnings }
  | { type: 'gave-up'; jobId: string; reason: string }
  | { type: 'error'; jobId: string | null; message: string };

const amt = (n: bigint) => n.toString();

/** A readable line for stdout (progress events return null: the CLI draws a bar for those). */
export function formatEvent(e: SolverEvent): string | null {
  switch (e.type) {
    case 'started': return `solver ${e.address} on ${e.chainId}, serving checkpoints as ${e.peerId} at ${e.addrs.join(', ')}`;
    case 'skipped': return `skipped job ${shortId(e.jobId)}: ${e.reason}`;
    case 'parent-fetched': return `fetched the final weights of parent job ${shortId(e.parent)} (${e.bytes} bytes, proven) from ${e.from} in ${Math.round(e.ms)} ms for job ${shortId(e.jobId)}`;
    case 'accepted': return `accepted job ${shortId(e.jobId)} (bond ${amt(e.bond)}, bounty ${amt(e.bounty)})`;
    case 'lost': return `job ${shortId(e.jobId)} went to another solver${e.solver ? ` (${e.solver})` : ''}`;
    case 'training': return `training ${e.steps} steps (k = ${e.checkpointInterval}) on ${e.dataset}${e.cheat === 'none' ? '' : ` [test cheat: ${e.cheat}]`}`;
    case 'progress': return null;
    case 'trained': return `trained ${e.steps} steps in ${e.wallSeconds.toFixed(1)} s${e.lastLoss === null ? '' : `, final loss ${e.lastLoss.toPrecision(4)}`}`;
    case 'committed': return `committed trace root ${e.traceRoot}`;
    case 'challenged': return `challenged: segments [${e.segments.join(', ')}], committee of ${e.committee}`;
    case 'opened': return `opened ${e.count} checkpoints`;
    case 'withheld': return 'withholding the openings [test cheat]';
    case 'revealed': return `revealed ${e.items} trace ranges in ${e.txs} transaction${e.txs === 1 ? '' : 's'}`;
    case 'diverged': return `the run became non-finite after step ${e.step} of ${e.steps}: committing the prefix as diverged (${e.reason})`;
    case 'diverge-committed': return `committed h_0..h_${e.step} as a diverged run (trace root ${e.traceRoot})`;
    case 'provisional': return `${e.verdict ? `verdict ${e.verdict}` : 'verdict in'}; dispute window open${e.windowEnd > 0n ? ` until height ${e.windowEnd}` : ''}`;
    case 'demand-answered': return `posted chunk ${e.chunk} of checkpoint ${e.checkpoint} on chain for ${e.demands} availability demand${e.demands === 1 ? '' : 's'}`;
    case 'dispute-opened': return `disputed member ${e.member}'s attestation (bond ${amt(e.bond)})`;
    case 'dispute-move': return `dispute ${e.dispute} (${e.kind}): ${e.move === 'respond' ? 'answered with the segment\'s hashes' : e.move === 'state' ? `put state_${e.step} on chain` : `put step ${e.step}'s batch on chain`} in ${e.txs} transaction${e.txs === 1 ? '' : 's'} (${e.bytes} bytes)`;
    case 'dispute-resolved': return `dispute ${e.dispute} (${e.kind}) ${e.won ? 'won' : 'lost'} (${e.reason})${e.bond > 0n ? `, bond ${amt(e.bond)}` : ''}`;
    case 'ended': {
      const x = e.earnings;
      const tail = `fees ${amt(x.fees)}, net ${x.net >= 0n ? '+' : ''}${amt(x.net)}; balance ${amt(x.balanceBefore)} -> ${amt(x.balanceAfter)}`;
      const d = x.disputes;
      const game = d.won + d.lost + d.demandsAnswered === 0 ? '' : `; disputes won ${d.won}, lost ${d.lost} (bonds +${amt(d.bondsWon)} -${amt(d.bondsLost)}${d.membersSlashed ? `, ${d.membersSlashed} member${d.membersSlashed === 1 ? '' : 's'} slashed` : ''}), ${d.demandsAnswered} demand${d.demandsAnswered === 1 ? '' : 's'} answered (+${amt(d.demandFees)})`;
      if (x.status === 'finalized') return `finalized: earned ${amt(x.bounty)} (bounty) + bond ${amt(x.bond)} returned${game}; ${tail}`;
      if (x.status === 'diverged') return `diverged (${x.outcome}): paid ${amt(x.bounty)} for the steps done + bond ${amt(x.bond)} returned${game}; ${tail}`;
      if (x.status === 'slashed') return `slashed (${x.outcome}): bond ${amt(x.bond)} lost${game}; ${tail}`;
      return `expired (${x.outcome})${x.bondReturned ? `: bond ${amt(x.bond)} returned` : ''}; ${tail}`;
    }
    case 'gave-up': return `gave up on job ${shortId(e.jobId)}: ${e.reason}`;
    case 'error': return `error${e.jobId ? ` (job ${shortId(e.jobId)})` : ''}: ${e.message}`;
  }
}
