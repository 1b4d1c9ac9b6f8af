// Which checkpoints a solver must open and which trace leaves it must reveal (docs/jobs.md §1, §3).
// The checkpoint layout mirrors ml-runtime train/trace.ts (checkpointSteps, checkpointLeaf); it is
// restated here so the vm does not load the training code, and a test pins the two equal.
import { segmentTotal } from './challenge.ts';

/** Number of checkpoints of a T-step job with interval k: steps 0, k, 2k, ... and T. */
export function checkpointCount(T: number, k: number): number {
  return segmentTotal(T, k) + 1;
}

/** Step of checkpoint i: min(i·k, T). */
export function checkpointStep(i: number, T: number, k: number): number {
  return Math.min(i * k, T);
}

/** leaf_i = u64be(step) || chunkRoot || h_step (hashed with the Merkle leaf rule under checkpointsRoot). */
export function checkpointLeafBytes(step: number, chunkRoot: Uint8Array, stepHash: Uint8Array): Uint8Array {
  const out = new Uint8Array(72);
  new DataView(out.buffer).setBigUint64(0, BigInt(step));
  out.set(chunkRoot, 8);
  out.set(stepHash, 40);
  return out;
}

/** Checkpoint indices the JobOpen must hold: {0} ∪ segments ∪ {last}, ascending. */
export function requiredOpenings(segments: readonly number[], T: number, k: number): number[] {
  const last = checkpointCount(T, k) - 1;
  return [...new Set([0, ...segments, last])].sort((a, b) => a - b);
}

export interface TraceRange {
  from: number;
  to: number; // inclusive
}

/**
 * Trace ranges the solver must reveal, one item each, in this order: [0, 0] (unless segment 0 is
 * sampled: its range starts at 0 and already holds h_0), [j·k, min((j+1)·k, T)] for each sampled j,
 * then [T, T]. Every `from` is distinct (a segment starts below T).
 */
export function requiredRanges(segments: readonly number[], T: number, k: number): TraceRange[] {
  const out: TraceRange[] = segments.includes(0) ? [] : [{ from: 0, to: 0 }];
  for (const j of segments) out.push({ from: j * k, to: Math.min((j + 1) * k, T) });
  out.push({ from: T, to: T });
  return out;
}
