// One segment checked the way a challenger must before it bonds anything: the solver's start state
// (checkpoint j, proven under checkpointsRoot), a replay on the det runtime in a worker thread, and a
// comparison with what the solver committed: its trace h_{j·k} .. h_{end_j} under traceRoot when its
// solver serves it (exactly what it must answer a dispute with), else the step hash of checkpoint
// j + 1 (or h_T). The replay is the claim a dispute carries. For a loss-committed job (docs/jobs.md
// §1.1) the replay's losses are compared with the solver's loss leaf too, and the claim carries step
// claims after h_from, so a loss lie with honest hashes is a mismatch a dispute wins.
import { LOSS_BYTES, segmentBounds, segmentClaims } from '../../ml-runtime/index.ts';
import { replaySegments, type ReplayProgress } from '../jobs/index.ts';
import { WatchError } from './errors.ts';
import type { JobData } from './job-data.ts';
import type { WatchJob } from './job-view.ts';
import { equalBytes, errorLine } from '../../primitives/index.ts';

export type SegmentVerdict =
  /** everything the solver committed for the segment is what the replay gives */
  | 'match'
  /** the replay disagrees with the solver's commitment: a dispute */
  | 'mismatch'
  /**
   * the solver's trace and its checkpoint leaf disagree at the segment's start: the start state is
   * not the one its trace commits to, and a dispute here would lose (start-mismatch); nothing to do
   */
  | 'inconsistent';

export interface SegmentCheck {
  segment: number;
  from: number;
  to: number;
  /** the replayed h_from .. h_to */
  replayed: Uint8Array[];
  /** what a dispute carries: `replayed`, or for a loss-committed job h_from then claim(h_{t+1}, loss_t) of the replay */
  claim: Uint8Array[];
  /** the replay's loss leaf (f32be per step) for a loss-committed job; null otherwise */
  replayedLosses: Uint8Array | null;
  /** the solver's committed loss leaf (proven under lossRoot); null without a loss root or when its solver does not serve it */
  solverLosses: Uint8Array | null;
  /** the solver's committed h_from .. h_to (proven under traceRoot), or null when its solver does not serve its trace */
  solverTrace: Uint8Array[] | null;
  /** checkpoint j's and j + 1's step hashes (h_T for the last segment) as committed under checkpointsRoot */
  committedStart: Uint8Array;
  committedEnd: Uint8Array;
  verdict: SegmentVerdict;
  /** the first step whose hash (or, with losses, step claim) differs (t + 1 of the referee's step t), when the solver's trace says */
  firstDiff: number | null;
  steps: number;
  cpuMs: number;
}

export interface CheckContext {
  data: JobData;
  signal: AbortSignal;
  onProgress?(p: ReplayProgress): void;
}

function replayFailure(e: unknown): WatchError {
  if (e instanceof WatchError) return e;
  return new WatchError('WATCH_REPLAY_FAILED', `replay: ${errorLine(e)}`, { cause: e });
}

/** The start of segment j: null for segment 0 (the derived state), else checkpoint j's proven state. */
async function startState(c: CheckContext, job: WatchJob, j: number): Promise<{ bytes: Uint8Array | null; hash: Uint8Array }> {
  const leaf = await c.data.leaf(job, j, c.signal);
  return { bytes: j === 0 ? null : await c.data.state(job, leaf, c.signal), hash: leaf.stepHash };
}

/** Replays segment j of `job`; `captureAt` also returns that step's state encoding. */
async function replay(c: CheckContext, job: WatchJob, j: number, stateBytes: Uint8Array | null, captureAt?: number) {
  const [dataset, parentState] = await Promise.all([c.data.datasetInput(job, c.signal), c.data.parentState(job, c.signal)]);
  try {
    return await replaySegments({
      specJson: job.specJson, jobId: job.id, seed: job.seed!, parentState, ...dataset,
      segments: [{ segment: j, stateBytes, ...(captureAt !== undefined ? { captureAt } : {}) }],
    }, { signal: c.signal, ...(c.onProgress ? { onProgress: c.onProgress } : {}) });
  } catch (e) {
    throw replayFailure(e);
  }
}

function firstDifference(a: readonly Uint8Array[], b: readonly Uint8Array[]): number {
  return a.findIndex((h, i) => !equalBytes(h, b[i]!));
}

/** Fetches, replays and compares segment j. Needs a committed job with its seed. */
export async function checkSegment(c: CheckContext, job: WatchJob, j: number): Promise<SegmentCheck> {
  if (!job.commitment || !job.seed) throw new WatchError('WATCH_NOT_DISPUTABLE', 'the job has no commitment yet');
  const { from, to } = segmentBounds(job.spec.steps, job.spec.checkpointInterval, j);
  const withLoss = !!job.commitment.lossRoot;
  const [trace, start, end, solverLosses] = await Promise.all([
    c.data.traceRange(job, from, to, c.signal),
    startState(c, job, j),
    c.data.leaf(job, j + 1, c.signal),
    withLoss ? c.data.lossLeaf(job, j, c.signal) : Promise.resolve(null),
  ]);
  const r = await replay(c, job, j, start.bytes);
  const replayed = [r.startHashes[0]!, ...r.segmentHashes[0]!];
  const replayedLosses = withLoss ? r.segmentLosses[0]! : null;
  if (replayedLosses && replayedLosses.length !== (to - from) * LOSS_BYTES) throw replayFailure(new Error(`the replay of segment ${j} gave ${replayedLosses.length} loss bytes for ${to - from} steps`));
  const claim = replayedLosses ? [replayed[0]!, ...segmentClaims(replayed.slice(1), replayedLosses)] : replayed;
  // the solver's side compared like the vm will: its hashes, bound to its losses when it serves them
  const solverSide = trace && solverLosses ? [trace[0]!, ...segmentClaims(trace.slice(1), solverLosses)] : trace;
  const mine = trace && solverLosses ? claim : replayed;
  let verdict: SegmentVerdict;
  let firstDiff: number | null = null;
  if (trace) {
    const i = firstDifference(mine, solverSide!);
    // from checkpoint j > 0 the replay starts from a state proven to hash to the leaf: a trace that
    // starts elsewhere binds the solver to another state than the one it serves
    if (j > 0 && !equalBytes(trace[0]!, start.hash)) verdict = 'inconsistent';
    else if (i < 0) verdict = 'match';
    else {
      verdict = 'mismatch';
      firstDiff = from + i;
    }
  } else {
    const same = equalBytes(replayed[0]!, start.hash) && equalBytes(replayed[replayed.length - 1]!, end.stepHash);
    verdict = same ? 'match' : 'mismatch';
  }
  return { segment: j, from, to, replayed, claim, replayedLosses, solverLosses, solverTrace: trace, committedStart: start.hash, committedEnd: end.stepHash, verdict, firstDiff, steps: to - from, cpuMs: r.cpuMs };
}

/** state_t of segment j (j·k ≤ t ≤ end_j), replayed from checkpoint j: what the referee needs on chain. */
export async function stateAt(c: CheckContext, job: WatchJob, j: number, t: number): Promise<Uint8Array> {
  const start = await startState(c, job, j);
  const r = await replay(c, job, j, start.bytes, t);
  const s = r.captured?.[0];
  if (!s) throw new WatchError('WATCH_REPLAY_FAILED', `the replay of segment ${j} returned no state at step ${t}`);
  return s;
}
