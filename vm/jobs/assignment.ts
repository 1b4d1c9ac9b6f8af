// Which sampled segments each committee member replays (docs/jobs.md §4). With disputes behind the
// verdict one honest replay of a segment suffices (JOB_REPLICATION = 1), so the seats split the
// segments instead of every member replaying all of them: the committee's work grows with q alone.
import type { Job } from '../types/index.ts';
import { equalBytes } from '../../primitives/index.ts';

/**
 * Items (positions in job.segments) seat s of c covers among m sampled segments:
 * {(s + j·c) mod m : j ≥ 0, s + j·c < max(m, c)}. Every item has a seat, and with c ≥ m every item
 * has ⌊c/m⌋ or ⌈c/m⌉ seats.
 */
export function seatItems(s: number, c: number, m: number): number[] {
  const out: number[] = [];
  if (m === 0) return out;
  for (let x = s; x < Math.max(m, c); x += c) out.push(x % m);
  return out;
}

/** How many seats of the current committee `member` holds. */
export function seatCount(job: Pick<Job, 'seats'>, member: Uint8Array): number {
  let n = 0;
  for (const a of job.seats) if (equalBytes(a, member)) n++;
  return n;
}

/** The segments `member` replays: the union over its seats, ascending (segment indices, not positions). */
export function memberSegments(job: Pick<Job, 'seats' | 'segments'>, member: Uint8Array): number[] {
  const c = job.seats.length;
  const m = job.segments.length;
  const items = new Set<number>();
  job.seats.forEach((a, s) => {
    if (equalBytes(a, member)) for (const x of seatItems(s, c, m)) items.add(x);
  });
  return [...items].sort((a, b) => a - b).map((x) => job.segments[x]!);
}
