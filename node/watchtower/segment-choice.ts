// Which segments of a job this watchtower replays (docs/disputes.md, "Watchtower"). The committee
// replayed the sampled segments; a watchtower covers a fraction of the others. The choice is a
// function of the watchtower's address, the job id and the sampled segments only:
//  - deterministic: a restarted watchtower checks the same segments, and an operator can say which;
//  - spread: two watchtowers (two keys) rank the segments independently, so w watchtowers at
//    fraction f leave a given segment unchecked with probability about (1 - f)^w, not (1 - f);
//  - unknown to the solver when it commits, even for a watchtower whose address is public: the
//    sample comes from a beacon drawn after the commit, and it is part of the rank.
import { encode } from '../../vm/index.ts';
import { WatchError } from './errors.ts';
import { compareBytes, sha256 } from '../../primitives/index.ts';

/** Fraction of a job's unsampled segments a watchtower replays unless told otherwise. */
export const DEFAULT_FRACTION = 0.25;

/** The rank of segment j for this watchtower and job (with its sample): lower ranks are checked first. */
export function segmentRank(watcher: Uint8Array, jobId: Uint8Array, sampled: readonly number[], j: number): Uint8Array {
  return sha256(encode(['polchain/watch/v1', watcher, jobId, [...sampled], j]));
}

/** Checks a --fraction value: a number in [0, 1]. */
export function checkFraction(f: number): number {
  if (typeof f !== 'number' || !Number.isFinite(f) || f < 0 || f > 1) throw new WatchError('WATCH_BAD_OPTIONS', `the fraction of segments to replay must be a number in [0, 1], got ${f}`);
  return f;
}

/**
 * The segments of a job with `n` segments to replay: of the m segments not in `sampled` (the job's
 * sampled segments, ascending as on chain), the ceil(fraction · m) with the lowest segmentRank,
 * ascending. fraction 0 replays none, 1 all of them.
 */
export function chooseSegments(watcher: Uint8Array, jobId: Uint8Array, n: number, sampled: readonly number[], fraction: number): number[] {
  checkFraction(fraction);
  if (!Number.isSafeInteger(n) || n < 0) throw new WatchError('WATCH_BAD_OPTIONS', `segment count must be a non-negative integer, got ${n}`);
  const skip = new Set(sampled);
  const open: number[] = [];
  for (let j = 0; j < n; j++) if (!skip.has(j)) open.push(j);
  const want = Math.ceil(fraction * open.length);
  if (want === 0) return [];
  return open
    .map((j) => ({ j, rank: segmentRank(watcher, jobId, sampled, j) }))
    .sort((a, b) => compareBytes(a.rank, b.rank))
    .slice(0, want)
    .map((x) => x.j)
    .sort((a, b) => a - b);
}
