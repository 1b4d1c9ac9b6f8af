// What the chain will demand from a solver after the challenge (docs/jobs.md, JobOpen and JobReveal).
// The rules are the vm's own (vm/jobs/schedule.ts), so the solver's transactions pass its checks;
// these wrappers take (T, k, segments) as the solver holds them and refuse impossible segments.
import { requiredOpenings, requiredRanges, type TraceRange } from '../../vm/index.ts';
import { JobsError } from './errors.ts';

/** An inclusive range of trace leaves h_from..h_to. */
export type RevealRange = TraceRange;

/** Distinct segments, ascending, each in [0, ceil(T / k)). */
function checkedSegments(T: number, k: number, segments: readonly number[]): number[] {
  if (!Number.isSafeInteger(T) || T < 1 || !Number.isSafeInteger(k) || k < 1) {
    throw new JobsError('ARTIFACTS_INVALID', `T = ${T} and k = ${k} must be positive integers`);
  }
  const n = Math.ceil(T / k);
  for (const j of segments) {
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new JobsError('ARTIFACTS_INVALID', `segment ${j} outside 0..${n - 1} (T = ${T}, k = ${k})`);
  }
  return [...new Set(segments)].sort((a, b) => a - b);
}

/** Checkpoint indices a JobOpen must open: {0} ∪ segments ∪ {last}, ascending, each once. */
export function requiredCheckpointIndices(T: number, k: number, segments: readonly number[]): number[] {
  return requiredOpenings(checkedSegments(T, k, segments), T, k);
}

/**
 * Ranges a JobReveal must cover, in order: [0, 0], [j·k, min((j+1)·k, T)] per sampled segment
 * (ascending), [T, T]; never merged. When segment 0 is sampled its range replaces [0, 0] (both
 * start at 0; the segment's range carries h_0 and the h_1..h_k the verdict needs).
 */
export function requiredRevealRanges(T: number, k: number, segments: readonly number[]): RevealRange[] {
  return requiredRanges(checkedSegments(T, k, segments), T, k);
}
