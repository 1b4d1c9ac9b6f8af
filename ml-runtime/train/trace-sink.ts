// Where a training run's commitment goes: step hashes h_0..h_T in order and each checkpoint after
// its step hash. node/jobs ArtifactWriter is the on-disk sink; MemorySink keeps everything.
// TraceRecorder is the bookkeeping both loops share (which steps are checkpoints, the roots).
import { merkleRoot } from '../../primitives/index.ts';
import {
  CHUNK_SIZE, checkpointSteps, checkpointsRoot, chunkBytes, encodeState, traceRoot, type Checkpoint, type TrainState,
} from '../commitment/index.ts';

export interface TraceSink {
  /** h_t, called for t = 0, 1, ..., T in order. */
  addStepHash(t: number, h: Uint8Array): void | Promise<void>;
  /** Each checkpoint (steps 0, k, 2k, ..., T) in order, after the step hash of its step. */
  addCheckpoint(cp: Checkpoint): void | Promise<void>;
}

/** A sink the synchronous loop can feed (it cannot wait for a promise). */
export interface SyncTraceSink extends TraceSink {
  addStepHash(t: number, h: Uint8Array): void;
  addCheckpoint(cp: Checkpoint): void;
}

/** Keeps every checkpoint in memory (the default sink). */
export class MemorySink implements SyncTraceSink {
  readonly checkpoints: Checkpoint[] = [];
  addStepHash(): void {}
  addCheckpoint(cp: Checkpoint): void {
    this.checkpoints.push(cp);
  }
}

export interface TraceResult {
  stepHashes: Uint8Array[];
  /** loss of each step t -> t+1 (NaN where a hook produced the state without training) */
  losses: number[];
  traceRoot: Uint8Array;
  /** the checkpoints when the run used the default MemorySink; empty when a sink took them */
  checkpoints: Checkpoint[];
  checkpointsRoot: Uint8Array;
  checkpointCount: number;
  finalChunkRoot: Uint8Array;
  finalState: TrainState;
}

/** A checkpoint's encoding, taken when its state is reached; its step hash comes later. */
export type PendingCheckpoint = Omit<Checkpoint, 'stepHash'>;

export class TraceRecorder {
  readonly stepHashes: Uint8Array[];
  readonly losses: number[] = [];
  private readonly cpSteps: Set<number>;
  private readonly cpMeta: { step: number; chunkRoot: Uint8Array; stepHash: Uint8Array }[] = [];

  constructor(readonly T: number, k: number, private readonly chunkSize = CHUNK_SIZE) {
    this.stepHashes = new Array<Uint8Array>(T + 1);
    this.cpSteps = new Set(checkpointSteps(T, k));
  }

  /** The checkpoint encoding of `s` when its step is on the schedule. */
  encode(s: TrainState): PendingCheckpoint | null {
    if (!this.cpSteps.has(s.step)) return null;
    const bytes = encodeState(s);
    const chunks = chunkBytes(bytes, this.chunkSize);
    return { step: s.step, bytes, chunkRoot: merkleRoot(chunks), chunkCount: chunks.length };
  }

  loss(l: number | null): void {
    this.losses.push(l ?? Number.NaN);
  }

  /** Records h_step (and completes its checkpoint, returned for the sink). */
  record(step: number, h: Uint8Array, cp: PendingCheckpoint | null): Checkpoint | null {
    this.stepHashes[step] = h;
    if (!cp) return null;
    const full: Checkpoint = { step: cp.step, stepHash: h, bytes: cp.bytes, chunkRoot: cp.chunkRoot, chunkCount: cp.chunkCount };
    this.cpMeta.push(full);
    return full;
  }

  result(finalState: TrainState, memory: MemorySink | null): TraceResult {
    return {
      stepHashes: this.stepHashes, losses: this.losses, traceRoot: traceRoot(this.stepHashes),
      checkpoints: memory?.checkpoints ?? [], checkpointsRoot: checkpointsRoot(this.cpMeta),
      checkpointCount: this.cpMeta.length, finalChunkRoot: this.cpMeta[this.cpMeta.length - 1]!.chunkRoot, finalState,
    };
  }
}
