// When a watchtower may dispute: the job's state, and what others already did about a segment.
import type { WatchJob } from './job-view.ts';
import { equalBytes } from '../../primitives/index.ts';

/** Why `job` cannot be disputed at `height` by `me`, or null when it can. */
export function notDisputable(job: WatchJob, height: bigint, me: Uint8Array): string | null {
  if (job.status !== 'provisional') return `it is ${job.status}${job.outcome ? ` (${job.outcome})` : ''}, not in its dispute window`;
  if (job.verdict !== '' && job.verdict !== 'paid') return `its provisional verdict is ${job.verdict}, not paid`;
  // a DisputeOpen sent now lands at height + 1 at the earliest; the window admits it up to windowEnd
  if (height >= job.windowEnd) return `its dispute window ends at height ${job.windowEnd} (now ${height})`;
  if (!job.commitment || !job.seed) return 'it has no commitment';
  if (job.solver && equalBytes(job.solver, me)) return 'this key is its solver';
  return null;
}

/** Whether someone already disputes segment j of `job` (open, or decided against the solver). */
export function alreadyDisputed(job: WatchJob, j: number): boolean {
  return job.disputes.some((d) => d.kind === 'solver' && d.segment === j && (d.stage !== 'resolved' || d.winner === 'other'));
}
