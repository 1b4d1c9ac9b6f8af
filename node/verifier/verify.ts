// Verifying one job's sampled segments: fetch the dataset and the opened checkpoints from the
// solver (or, when it does not serve them, from the chain after availability demands:
// chain-chunks.ts), replay the segments on a worker thread, and compare the ends with what the
// solver opened.
import type { Logger } from 'pino';
import { checkpointSteps, parseSpec, segmentBounds, segmentClaims, type ModelSpec } from '../../ml-runtime/index.ts';
import type { Job, JobOpening } from '../../vm/index.ts';
import type { DaPeer, ReplayProgress, ReplaySegmentInput } from '../jobs/index.ts';
import type { DatasetRef } from './verifier-backend.ts';
import type { VerifierContext } from './context.ts';
import { VerifierError } from './errors.ts';
import { checkpointBytes, isUnusable } from './chain-chunks.ts';
import { parentState } from './parent-state.ts';
import { drawOf, segmentsToReplay } from './committee-draw.ts';
import type { TaskEntry } from './scheduler.ts';
import { equalBytes, bytesToHex } from '../../primitives/index.ts';
import { logHex } from '../util/index.ts';

export interface Verified {
  /** the committee draw the replay was for, and this member's segments (what the digest covers besides h0) */
  draws: number;
  segments: number[];
  h0: Uint8Array;
  /**
   * per segment of `segments`: the replayed h_{from+1}..h_to (for a job with a loss root the step claims
   * binding each to the replayed loss, docs/jobs.md §1.1), or NO_HASH for each of those steps when its
   * checkpoint is unusable
   */
  segmentHashes: Uint8Array[][];
  cpuMs: number;
  /** the opened checkpoint states the sampled segments were replayed from (kept to answer disputes) */
  starts: Map<number, Uint8Array>;
  /** segments whose opened checkpoint is proven under its chunk root but is no state of the opening, and why */
  unusable: Array<{ segment: number; reason: string }>;
}

/**
 * The claim for each step of a segment whose opened checkpoint is proven available but unusable:
 * no step hash equals 32 zero bytes, so the claim disagrees with whatever the solver reveals, and a
 * dispute over it stops at the segment's first step, where the referee needs a state that hashes
 * to the opening AND lies under its chunk root (vm StateSupply): none exists, so the solver side
 * loses (`no-state`), or the garbage itself is supplied and the referee rules it `invalid`
 * (docs/disputes.md §3.2, §4). The job simulator (test/helpers/job-sim/committee.ts) claims the same.
 */
export const NO_HASH = new Uint8Array(32);

/** Whether a recorded segment claim is the unusable-checkpoint claim (a real step hash is never zero). */
export const isNoHashClaim = (hs: readonly Uint8Array[]): boolean => hs.length > 0 && hs.every((h) => equalBytes(h, NO_HASH));

/** `e`, when given, is the schedule entry of the task: it shows the phase and counts the fetch attempts. */
export async function verifyJob(c: VerifierContext, job: Job, signal: AbortSignal, log: Logger, e?: TaskEntry): Promise<Verified> {
  // only this member's segments: the committee splits the sample among its seats
  const mine = segmentsToReplay(job, c.address);
  if (e) {
    e.phase = 'fetching';
    e.fetchAttempts++;
  }
  const specJson = new TextDecoder().decode(job.terms.spec);
  const spec = parseSpec(specJson);
  if (!job.seed) throw new VerifierError('VERIFIER_JOB_INVALID', 'the job has no seed');
  const peer: DaPeer = { peerId: job.daPeer, addrs: job.daAddrs };
  const t0 = c.now();

  const ds = await c.backend.resolveDataset(c.o.host, peer, { root: job.terms.datasetRoot, size: job.terms.datasetSize, spec, signal });
  c.counters.bytesFetched += ds.fetchedBytes;
  log.info({ dataset: ds.ref.kind === 'bundled' ? ds.ref.name : logHex(ds.ref.root), fetchedBytes: ds.fetchedBytes }, 'verifier: dataset ready');

  const segments: ReplaySegmentInput[] = [];
  const starts = new Map<number, Uint8Array>();
  const unusable: Verified['unusable'] = [];
  let stateBytes = 0;
  for (const j of mine) {
    if (j === 0) {
      segments.push({ segment: 0, stateBytes: null });
      continue;
    }
    const opening = job.openings.find((op) => op.index === j);
    if (!opening) throw new VerifierError('VERIFIER_JOB_INVALID', `no opening for the start of sampled segment ${j}`);
    const got = await checkpointBytes(c, job, peer, opening, spec, signal, log, e);
    if (isUnusable(got)) {
      // available and wrong: under v5 an UNAVAILABLE here would be silence and let the solver off (no-quorum)
      unusable.push({ segment: j, reason: got.unusable });
      c.counters.unusable++;
      log.warn({ segment: j, reason: got.unusable }, 'verifier: the opened checkpoint is proven under its chunk root but is not a usable state; claiming no hashes for its segment');
      continue;
    }
    stateBytes += got.length;
    starts.set(j, got);
    segments.push({ segment: j, stateBytes: got });
  }
  c.counters.bytesFetched += stateBytes;
  const parent = job.terms.parent ? await parentState(c, job, peer, signal, log) : null;
  log.info({ checkpoints: segments.filter((s) => s.stateBytes).length, bytes: stateBytes, ms: c.now() - t0 }, 'verifier: checkpoints fetched');

  // replays are CPU-bound: one CPU slot each, earliest attest deadline first
  if (e) e.phase = 'waiting-cpu';
  const waitFrom = c.now();
  const release = await c.cpu.acquire(job.deadline, signal);
  let r: Awaited<ReturnType<VerifierContext['backend']['replay']>>;
  try {
    if (e) e.phase = 'replaying';
    log.info({ waitedMs: c.now() - waitFrom, replaysRunning: c.cpu.running, replaySlots: c.cpu.slots, replaysWaiting: c.cpu.waiting }, 'verifier: replay started');
    r = await c.backend.replay(replayInput(job, specJson, ds.ref, segments, parent), {
      signal, progressIntervalMs: Math.min(c.o.progressIntervalMs ?? 2000, 1000), onProgress: progressLogger(c, log, spec),
    });
  } finally {
    release();
  }
  const steps = r.segmentHashes.reduce((a, s) => a + s.length, 0);
  c.counters.lastCpuMs = r.cpuMs;
  if (steps > 0 && r.cpuMs > 0) c.msPerStep = r.cpuMs / steps;
  const replayed = segments.map((s) => s.segment);
  log.info({ segments: replayed, steps, cpuMs: Math.round(r.cpuMs) }, 'verifier: segments replayed');
  compareWithOpenings(c, job, replayed, spec, r.h0, r.segmentHashes, log);
  const segmentHashes = mine.map((j) => {
    const at = replayed.indexOf(j);
    // a recomputed loss that differs from the solver's makes this claim, and so the digest, differ
    if (at >= 0) return job.commitment?.lossRoot ? segmentClaims(r.segmentHashes[at]!, r.segmentLosses[at]!) : r.segmentHashes[at]!;
    const { from, to } = segmentBounds(spec.steps, spec.checkpointInterval, j);
    return Array.from({ length: to - from }, () => NO_HASH);
  });
  return { draws: drawOf(job), segments: mine, h0: r.h0, segmentHashes, cpuMs: r.cpuMs, starts, unusable };
}

export function replayInput(job: Job, specJson: string, ref: DatasetRef, segments: ReplaySegmentInput[], parentState: Uint8Array | null) {
  return {
    specJson, jobId: job.id, seed: job.seed!, segments, parentState,
    ...(ref.kind === 'bundled' ? { datasetName: ref.name, datasetRoot: ref.root } : { dataset: ref.dataset, datasetRoot: ref.root }),
  };
}

/** Debug lines with rate and ETA while a long replay runs (the rate is measured from the first report, after the worker started). */
function progressLogger(c: VerifierContext, log: Logger, spec: ModelSpec): (p: ReplayProgress) => void {
  let first: { at: number; done: number } | null = null;
  let last = -Infinity;
  const every = c.o.progressIntervalMs ?? 2000;
  return (p) => {
    const now = c.now();
    first ??= { at: now, done: p.stepsDone };
    if (now - last < every && p.stepsDone < p.stepsTotal) return;
    last = now;
    const secs = (now - first.at) / 1000;
    const rate = secs > 0 ? (p.stepsDone - first.done) / secs : null;
    const eta = rate ? (p.stepsTotal - p.stepsDone) / rate : null;
    log.debug({
      segment: p.segment, stepsDone: p.stepsDone, stepsTotal: p.stepsTotal, k: spec.checkpointInterval,
      stepsPerSec: rate === null ? null : Number(rate.toFixed(1)), etaSec: eta === null ? null : Math.round(eta),
    }, 'verifier: replay progress');
  };
}

/**
 * Diagnostics only (the digest is posted regardless): a replay that ends on a different hash than
 * the solver's opened checkpoint, or starts from a different h0, predicts a mismatch at the verdict.
 */
function compareWithOpenings(c: VerifierContext, job: Job, mine: readonly number[], spec: ModelSpec, h0: Uint8Array, segmentHashes: Uint8Array[][], log: Logger): void {
  const opened = new Map<number, JobOpening>(job.openings.map((op) => [op.index, op]));
  const o0 = opened.get(0);
  if (o0 && !equalBytes(o0.stepHash, h0)) {
    c.counters.disagreed++;
    log.warn({ ours: logHex(h0), solver: logHex(o0.stepHash) }, 'verifier: the solver opened another initial state than the derived one');
  }
  const last = checkpointSteps(spec.steps, spec.checkpointInterval).length - 1;
  mine.forEach((j, i) => {
    const end = opened.get(Math.min(j + 1, last));
    const got = segmentHashes[i]?.[segmentHashes[i]!.length - 1];
    if (end && got && !equalBytes(end.stepHash, got)) {
      c.counters.disagreed++;
      log.warn({ segment: j, ours: logHex(got), solver: logHex(end.stepHash) }, 'verifier: replay ends on another hash than the solver opened');
    }
  });
}
