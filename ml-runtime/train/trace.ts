// Traces: per-step hashes h_0..h_T and their Merkle root, checkpoints every k steps cut into
// fixed-size chunks with Merkle roots, segments, and replay of a segment from a checkpoint.
//
//   trace root       = MerkleRoot(leaf_t = h_t, t = 0..T)                  (merkle/ leaf rule)
//   checkpoint steps = 0, k, 2k, ..., and T (when T is not a multiple of k)
//   chunks           = encoding(state_c) cut into CHUNK_SIZE-byte pieces, the last one shorter
//   chunk root       = MerkleRoot(chunks)
//   checkpoints root = MerkleRoot(leaf_i = u64be(step_i) || chunkRoot_i || h_{step_i})
//   segment j        = steps [j*k, min((j+1)*k, T)]: replay from checkpoint j*k to its end
import { MlError } from '../errors.ts';


import type { ModelSpec } from '../spec/index.ts';
import type { Dataset } from '../data/index.ts';
import { createTrainer, initialState, trainStep, checkState, type Trainer } from './step.ts';
import { encodeState, stepHash, type TrainState } from './state.ts';
import { StepHashWorker } from './hash-worker.ts';
import { equalBytes, u64be, merkleRoot, merkleProof, leafHash, verifyMerkleProof, type MerkleProof } from '../../primitives/index.ts';

export const CHUNK_SIZE = 65536;

export function chunkBytes(bytes: Uint8Array, chunkSize = CHUNK_SIZE): Uint8Array[] {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new MlError('TRACE_INVALID', `chunk size ${chunkSize} must be a positive integer`);
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += chunkSize) out.push(bytes.subarray(o, Math.min(o + chunkSize, bytes.length)));
  return out;
}

export interface Checkpoint {
  step: number;
  /** h_step */
  stepHash: Uint8Array;
  /** the canonical state encoding */
  bytes: Uint8Array;
  chunkRoot: Uint8Array;
  chunkCount: number;
}

export function makeCheckpoint(jobId: Uint8Array, s: TrainState, chunkSize = CHUNK_SIZE): Checkpoint {
  const bytes = encodeState(s);
  const chunks = chunkBytes(bytes, chunkSize);
  return { step: s.step, stepHash: stepHash(jobId, s), bytes, chunkRoot: merkleRoot(chunks), chunkCount: chunks.length };
}

/** Proof that chunk i belongs to a checkpoint's chunk root. */
export function chunkProof(bytes: Uint8Array, i: number, chunkSize = CHUNK_SIZE): { chunk: Uint8Array; proof: MerkleProof } {
  const chunks = chunkBytes(bytes, chunkSize);
  return { chunk: chunks[i]!, proof: merkleProof(chunks.map(leafHash), i) };
}

export function verifyChunk(chunk: Uint8Array, proof: MerkleProof, chunkRoot: Uint8Array): boolean {
  return verifyMerkleProof(leafHash(chunk), proof, chunkRoot);
}

export function checkpointLeaf(step: number, chunkRoot: Uint8Array, h: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 32 + 32);
  out.set(u64be(step), 0); out.set(chunkRoot, 8); out.set(h, 40);
  return out;
}

export function checkpointsRoot(cps: readonly { step: number; chunkRoot: Uint8Array; stepHash: Uint8Array }[]): Uint8Array {
  return merkleRoot(cps.map((c) => checkpointLeaf(c.step, c.chunkRoot, c.stepHash)));
}

/** Merkle root over h_0..h_T. */
export function traceRoot(stepHashes: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(stepHashes);
}

export function stepHashProof(stepHashes: readonly Uint8Array[], t: number): MerkleProof {
  return merkleProof(stepHashes.map(leafHash), t);
}

export function verifyStepHash(h: Uint8Array, proof: MerkleProof, root: Uint8Array): boolean {
  return verifyMerkleProof(leafHash(h), proof, root);
}

/** Steps at which checkpoints are taken for T steps and interval k. */
export function checkpointSteps(T: number, k: number): number[] {
  const out: number[] = [];
  for (let t = 0; t <= T; t += k) out.push(t);
  if (out[out.length - 1] !== T) out.push(T);
  return out;
}

export function segmentCount(spec: ModelSpec): number {
  return Math.ceil(spec.steps / spec.checkpointInterval);
}

/** Segment j covers [from, to]: starts at checkpoint j*k and ends at the next checkpoint. */
export function segmentBounds(spec: ModelSpec, j: number): { from: number; to: number } {
  const n = segmentCount(spec);
  if (!Number.isInteger(j) || j < 0 || j >= n) throw new MlError('TRACE_INVALID', `segment ${j} out of range 0..${n - 1}`);
  const from = j * spec.checkpointInterval;
  return { from, to: Math.min(from + spec.checkpointInterval, spec.steps) };
}

export interface TraceResult {
  stepHashes: Uint8Array[];
  losses: number[];
  traceRoot: Uint8Array;
  checkpoints: Checkpoint[];
  checkpointsRoot: Uint8Array;
  finalState: TrainState;
}

export interface TraceOptions {
  /** called after each step t -> t+1 with the new state's hash */
  onStep?(t: number, loss: number, hash: Uint8Array, state: TrainState): void;
  /** called for each checkpoint (also step 0); when given, checkpoints are not kept in the result */
  onCheckpoint?(cp: Checkpoint): void;
  chunkSize?: number;
}

/** Runs a job from state_0 for spec.steps steps. */
export function runTrace(tr: Trainer, jobId: Uint8Array, opts: TraceOptions = {}): TraceResult {
  const T = tr.spec.steps;
  const k = tr.spec.checkpointInterval;
  let s = initialState(tr);
  const stepHashes: Uint8Array[] = [stepHash(jobId, s)];
  const losses: number[] = [];
  const checkpoints: Checkpoint[] = [];
  const cpMeta: { step: number; chunkRoot: Uint8Array; stepHash: Uint8Array }[] = [];
  const takeCp = (st: TrainState) => {
    const cp = makeCheckpoint(jobId, st, opts.chunkSize);
    cpMeta.push({ step: cp.step, chunkRoot: cp.chunkRoot, stepHash: cp.stepHash });
    if (opts.onCheckpoint) opts.onCheckpoint(cp); else checkpoints.push(cp);
  };
  takeCp(s);
  for (let t = 0; t < T; t++) {
    const r = trainStep(tr, s);
    s = r.state;
    const h = stepHash(jobId, s);
    stepHashes.push(h);
    losses.push(r.loss);
    opts.onStep?.(t, r.loss, h, s);
    if (s.step % k === 0 || s.step === T) takeCp(s);
  }
  return { stepHashes, losses, traceRoot: traceRoot(stepHashes), checkpoints, checkpointsRoot: checkpointsRoot(cpMeta), finalState: s };
}

/**
 * Same result as runTrace, with h_t computed on a worker thread while the next step runs
 * (on a machine with a spare core, hashing then adds almost nothing to the step time).
 * `onStep` gets each step's loss and state; the state is valid only during the callback (its
 * buffers are later moved to the hash worker). Hashes arrive in `stepHashes`.
 */
export async function runTraceAsync(tr: Trainer, jobId: Uint8Array, opts: Omit<TraceOptions, 'onStep'> & { onStep?(t: number, loss: number, state: TrainState): void } = {}): Promise<TraceResult> {
  const T = tr.spec.steps;
  const k = tr.spec.checkpointInterval;
  const hasher = new StepHashWorker();
  try {
    let s = initialState(tr);
    const hashes: Promise<Uint8Array>[] = [];
    const losses: number[] = [];
    const checkpoints: Checkpoint[] = [];
    const cpMeta: { step: number; chunkRoot: Uint8Array; stepHash: Uint8Array }[] = [];
    // Checkpoints are encoded when reached and emitted, in order, once their hash is known.
    const encoded = new Map<number, { bytes: Uint8Array; chunkRoot: Uint8Array; chunkCount: number }>();
    let emitted: Promise<void> = Promise.resolve();
    const takeCp = (st: TrainState) => {
      const bytes = encodeState(st);
      const chunks = chunkBytes(bytes, opts.chunkSize);
      encoded.set(st.step, { bytes, chunkRoot: merkleRoot(chunks), chunkCount: chunks.length });
    };
    const submit = (st: TrainState, transfer: boolean) => {
      const step = st.step;
      const h = hasher.submit(jobId, st, transfer);
      hashes.push(h);
      const e = encoded.get(step);
      if (e) {
        encoded.delete(step);
        emitted = emitted.then(async () => {
          const cp: Checkpoint = { step, stepHash: await h, ...e };
          cpMeta.push(cp);
          if (opts.onCheckpoint) opts.onCheckpoint(cp); else checkpoints.push(cp);
        });
      }
    };
    takeCp(s);
    submit(s, false);
    for (let t = 0; t < T; t++) {
      const r = trainStep(tr, s);
      const prev = s;
      s = r.state;
      // state_t is no longer needed (its checkpoint, if any, is encoded): move it to the worker.
      if (t > 0) submit(prev, true);
      losses.push(r.loss);
      opts.onStep?.(t, r.loss, s);
      if (s.step % k === 0 || s.step === T) takeCp(s);
      // bounded: at most ~16 states in flight; yielding only every 8 steps keeps event-loop turns rare
      if (hashes.length % 8 === 0) await hashes[hashes.length - 8];
    }
    if (T > 0) submit(s, false);
    const stepHashes = await Promise.all(hashes);
    await emitted;
    return { stepHashes, losses, traceRoot: traceRoot(stepHashes), checkpoints, checkpointsRoot: checkpointsRoot(cpMeta), finalState: s };
  } finally {
    await hasher.close();
  }
}

/**
 * Re-executes steps fromStep -> toStep starting from `fromState` (whose step must be fromStep)
 * and returns [h_fromStep, ..., h_toStep] (toStep - fromStep + 1 hashes). A verifier compares
 * them with the committed leaves.
 */
export function replaySegment(spec: ModelSpec, dataset: Dataset, jobId: Uint8Array, seed: Uint8Array,
  fromState: TrainState, fromStep: number, toStep: number, onStep?: (t: number, loss: number) => void): Uint8Array[] {
  const tr = createTrainer(spec, dataset, seed);
  checkState(tr, fromState);
  if (fromState.step !== fromStep) throw new MlError('STATE_MISMATCH', `replay from step ${fromStep} got a state at step ${fromState.step}`);
  if (!Number.isInteger(toStep) || toStep < fromStep) throw new MlError('TRACE_INVALID', `replay range ${fromStep}..${toStep} is empty or reversed`);
  let s = fromState;
  const out = [stepHash(jobId, s)];
  for (let t = fromStep; t < toStep; t++) {
    const r = trainStep(tr, s);
    s = r.state;
    out.push(stepHash(jobId, s));
    onStep?.(t, r.loss);
  }
  return out;
}

/** First index where two hash lists differ (offset by `fromStep`), or null when equal. */
export function firstMismatch(expected: readonly Uint8Array[], got: readonly Uint8Array[], fromStep = 0): number | null {
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) {
    const a = expected[i]; const b = got[i];
    if (!a || !b || !equalBytes(a, b)) return fromStep + i;
  }
  return null;
}
