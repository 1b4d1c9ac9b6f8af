// The challenger's side of the dispute game as a pure function of the chain's view (docs/disputes.md
// §3-§4): given a dispute this watchtower opened against the solver, what is its next move? The
// runner (dispute-runner.ts) does the moves; keeping the decision here lets a test walk every stage
// on a real vm chain.
import { batchIndices } from '../../ml-runtime/index.ts';
import type { WatchDispute, WatchJob } from './job-view.ts';
import { equalBytes } from '../../primitives/index.ts';

export type DisputeMove =
  /** nothing to do until the chain moves (the solver's answer, the referee's block) */
  | { kind: 'wait'; why: string }
  /** put state_t on chain (step -1: the parent's final state), continuing after `offset` bytes already there */
  | { kind: 'supply-state'; step: number; offset: number }
  /** put these samples of step t's batch on chain, with proofs under the dataset root */
  | { kind: 'supply-samples'; step: number; indices: number[] }
  /** decided: `won` when the referee (or a missed move) went against the solver */
  | { kind: 'resolved'; won: boolean; reason: string };

/** Distinct sample indices of step t's batch, ascending (the vm's batchNeeded). */
export function batchOf(job: WatchJob, t: number): number[] {
  return [...new Set(batchIndices(job.seed!, t, job.spec.batchSize, job.datasetSize))].sort((a, b) => a - b);
}

/**
 * The moves due now for dispute `d` opened by `me` against the solver of `job`. In the referee
 * stage the state and the samples are independent moves; both are returned when both are due.
 * Any party's complete state counts (the chain uses the first complete one); only our own partial
 * state can be continued.
 */
export function nextMoves(job: WatchJob, d: WatchDispute, me: Uint8Array): DisputeMove[] {
  if (d.stage === 'resolved') return [{ kind: 'resolved', won: d.winner === 'other', reason: d.reason }];
  if (d.stage === 'respond') return [{ kind: 'wait', why: `the solver's answer (its move ends at height ${d.deadline})` }];
  const complete = d.supplies.some((s) => s.total > 0 && s.have === s.total);
  const mine = d.supplies.find((s) => equalBytes(s.party, me));
  const offset = mine && mine.have < mine.total ? mine.have : 0;
  if (d.step < 0) {
    // h_0 differs: the referee derives state_0 itself, from the seed or from the parent's final state
    if (!job.parent || complete) return [{ kind: 'wait', why: 'the referee (derived initial state)' }];
    return [{ kind: 'supply-state', step: -1, offset }];
  }
  const moves: DisputeMove[] = [];
  if (!complete) moves.push({ kind: 'supply-state', step: d.step, offset });
  const have = new Set(d.samples);
  const missing = batchOf(job, d.step).filter((i) => !have.has(i));
  if (missing.length) moves.push({ kind: 'supply-samples', step: d.step, indices: missing });
  if (!moves.length) return [{ kind: 'wait', why: `the referee's re-execution of step ${d.step}` }];
  return moves;
}

/** Our dispute: a solver dispute by `me` on `segment` opened at `height` (the last such when the view has no heights). */
export function findOwnDispute(job: WatchJob, me: Uint8Array, segment: number, height: bigint): WatchDispute | null {
  const mine = job.disputes.filter((d) => d.kind === 'solver' && d.segment === segment && equalBytes(d.by, me));
  return mine.find((d) => d.openHeight === height) ?? (mine.every((d) => d.openHeight === 0n) ? mine[mine.length - 1] ?? null : null);
}
