// What each party of a simulated job does: the solver's strategy (honest or one of the cheats),
// what it withholds, and how committee members behave.
import type { Job, TxPayload } from '../../../vm/index.ts';
import type { Solver, SolverRun } from './solver-runs.ts';
import type { Strategy } from './cheats.ts';

/** 'commit': accepts, never commits; 'open': never sends JobOpen; 'data': opens on chain but serves no checkpoint data; 'reveal': never reveals */
export type Withhold = 'none' | 'commit' | 'open' | 'data' | 'reveal';
export type MemberBehaviour = 'replay' | 'lazy' | 'copy' | 'unavailable';

export interface JobPlan {
  jobId: Uint8Array;
  solver: Solver;
  strategy: Strategy;
  withhold: Withhold;
  /** committee behaviour per member address (default: replay) */
  members?: (address: Uint8Array) => MemberBehaviour;
  /** replaces the solver's JobOpen / JobReveal payload (to send a forged one) */
  openPayload?: (job: Job, run: SolverRun) => TxPayload | Promise<TxPayload>;
  revealPayload?: (job: Job, run: SolverRun) => TxPayload | Promise<TxPayload>;
  /** the solver does nothing before this height (spreads jobs over blocks, hence over beacons) */
  notBefore?: bigint;
  /** false: an honest solver does not dispute disagreeing attestations (default: it does) */
  defend?: boolean;
  sent: { accept: boolean; commit: boolean; open: boolean; reveal: boolean; attest: Set<string>; dispute: Set<string> };
  run: SolverRun | null;
  /** CPU time all replaying committee members spent on this job (fetch + decode + replay + digest) */
  verifyCpuMs: number;
  /** the same, per member (hex address) */
  verifyByMember: Map<string, number>;
  replayedSteps: number;
}

export function plan(jobId: Uint8Array, solver: Solver, strategy: Strategy = { kind: 'honest' }, extra: Partial<Pick<JobPlan, 'withhold' | 'members' | 'openPayload' | 'revealPayload' | 'notBefore' | 'defend'>> = {}): JobPlan {
  return {
    jobId, solver, strategy, withhold: 'none', ...extra,
    sent: { accept: false, commit: false, open: false, reveal: false, attest: new Set(), dispute: new Set() }, run: null, verifyCpuMs: 0, verifyByMember: new Map(), replayedSteps: 0,
  };
}
