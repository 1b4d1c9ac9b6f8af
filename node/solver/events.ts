// What a Solver reports as it works (SolverOptions.onEvent), and the one-line text the CLI prints for each.
import { shortId } from './job-view.ts';

export interface Earnings {
  status: 'finalized' | 'slashed' | 'expired';
  outcome: string;
  /** bounty paid to this solver (0 unless finalized) */
  bounty: bigint;
  /** the bond posted with JobAccept */
  bond: bigint;
  bondReturned: boolean;
  /** fees of this solver's included transactions for the job */
  fees: bigint;
  /** bounty - fees when finalized, -(bond + fees) when slashed */
  net: bigint;
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
    case 'ended': {
      const x = e.earnings;
      const tail = `fees ${amt(x.fees)}, net ${x.net >= 0n ? '+' : ''}${amt(x.net)}; balance ${amt(x.balanceBefore)} -> ${amt(x.balanceAfter)}`;
      if (x.status === 'finalized') return `finalized: earned ${amt(x.bounty)} (bounty) + bond ${amt(x.bond)} returned; ${tail}`;
      if (x.status === 'slashed') return `slashed (${x.outcome}): bond ${amt(x.bond)} lost; ${tail}`;
      return `expired (${x.outcome}); ${tail}`;
    }
    case 'gave-up': return `gave up on job ${shortId(e.jobId)}: ${e.reason}`;
    case 'error': return `error${e.jobId ? ` (job ${shortId(e.jobId)})` : ''}: ${e.message}`;
  }
}
