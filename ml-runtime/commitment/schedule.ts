// The checkpoint and segment schedule of a job (docs/jobs.md §1, §3): the one place that knows how
// T steps and a checkpoint interval k cut into checkpoints and segments, and which checkpoints and
// trace leaves a solver must open and reveal. The vm, the solver, the verifier, the RPC and the
// tests all call these functions.
//
//   checkpoint steps = 0, k, 2k, ..., and T (when T is not a multiple of k)
//   segment j        = steps [j*k, min((j+1)*k, T)]: replay from checkpoint j to its end
import { MlError } from './errors.ts';

/** An inclusive range of trace leaves h_from..h_to. */
export interface TraceRange {
  from: number;
  to: number;
}

function checkShape(T: number, k: number): void {
  if (!Number.isSafeInteger(T) || T < 1 || !Number.isSafeInteger(k) || k < 1) {
    throw new MlError('TRACE_INVALID', `T = ${T} and k = ${k} must be positive integers`);
  }
}

/** Number of segments of a T-step job with checkpoint interval k: ceil(T / k). */
export function segmentCount(T: number, k: number): number {
  checkShape(T, k);
  return Math.ceil(T / k);
}

/** Number of checkpoints: steps 0, k, 2k, ... and T. */
export function checkpointCount(T: number, k: number): number {
  return segmentCount(T, k) + 1;
}

/** Step of checkpoint i: min(i·k, T). */
export function checkpointStep(i: number, T: number, k: number): number {
  return Math.min(i * k, T);
}

/** Steps at which checkpoints are taken, ascending. */
export function checkpointSteps(T: number, k: number): number[] {
  const n = checkpointCount(T, k);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(checkpointStep(i, T, k));
  return out;
}

/** Segment j covers steps [from, to]: it starts at checkpoint j and ends at the next checkpoint. */
export function segmentBounds(T: number, k: number, j: number): TraceRange {
  const n = segmentCount(T, k);
  if (!Number.isInteger(j) || j < 0 || j >= n) throw new MlError('TRACE_INVALID', `segment ${j} out of range 0..${n - 1}`);
  return { from: j * k, to: Math.min((j + 1) * k, T) };
}

/** Distinct segments, ascending, each in [0, segmentCount). */
export function checkedSegments(T: number, k: number, segments: readonly number[]): number[] {
  const n = segmentCount(T, k);
  for (const j of segments) {
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new MlError('TRACE_INVALID', `segment ${j} outside 0..${n - 1} (T = ${T}, k = ${k})`);
  }
  return [...new Set(segments)].sort((a, b) => a - b);
}

/** Checkpoint indices a JobOpen must hold: {0} ∪ segments ∪ {last}, ascending, each once. */
export function requiredOpenings(T: number, k: number, segments: readonly number[]): number[] {
  const last = checkpointCount(T, k) - 1;
  return [...new Set([0, ...checkedSegments(T, k, segments), last])].sort((a, b) => a - b);
}

/**
 * Ranges a JobReveal must cover, one item each, in this order: [0, 0] (unless segment 0 is sampled:
 * its range starts at 0 and already holds h_0), [j·k, min((j+1)·k, T)] for each sampled j
 * ascending, then [T, T]; never merged. Every `from` is distinct (a segment starts below T).
 */
export function requiredRanges(T: number, k: number, segments: readonly number[]): TraceRange[] {
  const segs = checkedSegments(T, k, segments);
  const out: TraceRange[] = segs.includes(0) ? [] : [{ from: 0, to: 0 }];
  for (const j of segs) out.push(segmentBounds(T, k, j));
  out.push({ from: T, to: T });
  return out;
}
