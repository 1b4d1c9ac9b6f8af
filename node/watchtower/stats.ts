// What a watchtower did and earned, and the one-line status it prints every so often.
//
// Money is measured on the account, not predicted: slash shares = the balance change since start,
// plus the fees paid, plus the bonds still escrowed in open disputes, plus the bonds lost. That is
// exact as long as nothing else moves the key's balance (use a key for watching only), and it needs
// no block events (which JSON-RPC does not serve).

export interface WatchStats {
  /** provisional jobs looked at */
  jobsSeen: number;
  /** jobs whose chosen segments were all replayed */
  jobsChecked: number;
  segmentsReplayed: number;
  stepsReplayed: number;
  /** segments whose replay disagreed with the solver's commitment */
  mismatches: number;
  disputesOpened: number;
  disputesWon: number;
  disputesLost: number;
  /** bonds escrowed in disputes that are still open */
  openBonds: bigint;
  /** bonds lost to solvers (false challenges) */
  bondsLost: bigint;
  feesPaid: bigint;
  /** the key's balance when the watchtower started (null until read) */
  startBalance: bigint | null;
  /** the key's balance when last read */
  balance: bigint | null;
  /** failures logged and retried (data unavailable, node unreachable, ...) */
  errors: number;
}

export function emptyStats(): WatchStats {
  return {
    jobsSeen: 0, jobsChecked: 0, segmentsReplayed: 0, stepsReplayed: 0, mismatches: 0, disputesOpened: 0, disputesWon: 0, disputesLost: 0,
    openBonds: 0n, bondsLost: 0n, feesPaid: 0n, startBalance: null, balance: null, errors: 0,
  };
}

/** Slash shares (and dispute awards) received since start, from the balance (see the top of this file). */
export function slashShares(s: WatchStats): bigint {
  if (s.startBalance === null || s.balance === null) return 0n;
  return s.balance - s.startBalance + s.feesPaid + s.openBonds + s.bondsLost;
}

/** Net earnings: what the watchtower's key gained, fees and lost bonds counted. */
export function netEarned(s: WatchStats): bigint {
  return slashShares(s) - s.bondsLost - s.feesPaid;
}

export function statusLine(s: WatchStats, height: bigint | null): string {
  const open = s.disputesOpened - s.disputesWon - s.disputesLost;
  return [
    `watch${height === null ? '' : ` @${height}`}:`,
    `jobs ${s.jobsChecked}/${s.jobsSeen} checked,`,
    `${s.segmentsReplayed} segments (${s.stepsReplayed} steps) replayed,`,
    `${s.mismatches} mismatches;`,
    `disputes ${s.disputesOpened} opened, ${s.disputesWon} won, ${s.disputesLost} lost, ${open} open;`,
    `slash shares +${slashShares(s)}, bonds lost -${s.bondsLost}, fees -${s.feesPaid}, net ${netEarned(s)}`,
    ...(s.errors ? [`; ${s.errors} errors retried`] : []),
  ].join(' ');
}
