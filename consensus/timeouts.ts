/** Round timeouts: base + delta * round, integer milliseconds. */
export interface TimeoutConfig {
  proposeMs: number;
  proposeDeltaMs: number;
  prevoteMs: number;
  prevoteDeltaMs: number;
  precommitMs: number;
  precommitDeltaMs: number;
}

export const DEV_TIMEOUTS: TimeoutConfig = {
  proposeMs: 1000,
  proposeDeltaMs: 500,
  prevoteMs: 500,
  prevoteDeltaMs: 500,
  precommitMs: 500,
  precommitDeltaMs: 500,
};

export type TimeoutStep = 'propose' | 'prevote' | 'precommit';

export function timeoutDuration(cfg: TimeoutConfig, step: TimeoutStep, round: number): number {
  switch (step) {
    case 'propose': return cfg.proposeMs + cfg.proposeDeltaMs * round;
    case 'prevote': return cfg.prevoteMs + cfg.prevoteDeltaMs * round;
    case 'precommit': return cfg.precommitMs + cfg.precommitDeltaMs * round;
  }
}
