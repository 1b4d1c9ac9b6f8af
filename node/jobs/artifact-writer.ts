// Writes a solver's job record while training runs (layout: artifact-files.ts). Memory stays
// bounded: step hashes go to disk in small batches and each checkpoint is written when it is taken;
// only the checkpoint leaves (72 bytes each) are kept. Everything is fsynced before meta.json says
// `complete`, so a crash leaves either a usable job or one marked incomplete, never a half-written
// one that looks finished.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointSteps, checkpointsRoot, parseSpec, traceRoot, type Checkpoint, type ModelSpec, type SyncTraceSink } from '../../ml-runtime/index.ts';
import { JobsError } from './errors.ts';
import {
  META, STEPS, checkpointFile, fsyncPath, metaOf, need32, writeAllSync, writeFileDurably,
  type ArtifactsInit, type CheckpointRecord, type RunRecord,
} from './artifact-files.ts';
import { LOSSES, writeLossFile } from './loss-file.ts';
import { equalBytes, bytesToHex, errorMessage } from '../../primitives/index.ts';

/** Step hashes are flushed to disk in groups of this many (one write per 128 steps). */
const HASH_BATCH = 128;

/** Removes a record's files from `dir` (and `dir` itself once empty); other files stay. */
function removeRecord(dir: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    if (f === META || f === `${META}.tmp` || f === STEPS || f === LOSSES || /^cp-\d+\.bin$/.test(f)) rmSync(join(dir, f), { force: true });
  }
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

/**
 * Records one training run into the folder `dir`: the sink of ml-runtime's runTrace (or
 * runTraceSync: the methods are synchronous), then finish(). An existing record in `dir` is
 * replaced only with `overwrite`.
 */
/** Opens the finished record; the reader (artifacts.ts) creates writers, so it hands its opener in (no import cycle). */
export type ArtifactsOpener<A> = (dir: string, jobId: Uint8Array) => Promise<A>;

export class ArtifactWriter<A = unknown> implements SyncTraceSink {
  private _T: number;
  readonly k: number;
  private steps: number[];
  private divergedAt: number | null = null;
  private readonly cps: CheckpointRecord[] = [];
  private readonly pending = new Uint8Array(HASH_BATCH * 32);
  private pendingCount = 0;
  private hashCount = 0;
  private fd: number | null;
  private state: 'open' | 'finished' | 'aborted' = 'open';
  private losses: readonly number[] | null = null;

  constructor(readonly dir: string, private readonly init: ArtifactsInit, private readonly open: ArtifactsOpener<A>) {
    need32(init.jobId, 'job id');
    need32(init.datasetRoot, 'dataset root');
    need32(init.seed, 'seed');
    let spec: ModelSpec;
    try {
      spec = parseSpec(init.specJson);
    } catch (e) {
      throw new JobsError('ARTIFACTS_INVALID', `spec: ${errorMessage(e)}`, { cause: e });
    }
    this._T = spec.steps;
    this.k = spec.checkpointInterval;
    this.steps = checkpointSteps(this._T, this.k);
    if (existsSync(join(this.dir, META))) {
      if (!init.overwrite) throw new JobsError('ARTIFACTS_EXISTS', `artifacts for job ${bytesToHex(init.jobId)} already exist in ${this.dir}`);
      removeRecord(this.dir);
    }
    mkdirSync(this.dir, { recursive: true });
    // an incomplete meta first: after a crash the folder says what it was and that it is unusable
    writeFileDurably(join(this.dir, META), JSON.stringify(metaOf(init, this.T, this.k)));
    this.fd = openSync(join(this.dir, STEPS), 'w');
  }

  /** Steps the record covers: the spec's T, or t after cutAt(t). */
  get T(): number {
    return this._T;
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new JobsError('ARTIFACTS_INVALID', `artifact writer for ${this.dir} is ${this.state}`);
  }

  /** h_t; steps must arrive in order 0, 1, ..., T. */
  addStepHash(t: number, h: Uint8Array): void {
    this.checkOpen();
    if (t !== this.hashCount) throw new JobsError('ARTIFACTS_INVALID', `step hash for t = ${t} arrived, expected t = ${this.hashCount}`);
    if (t > this.T) throw new JobsError('ARTIFACTS_INVALID', `step hash for t = ${t} beyond T = ${this.T}`);
    need32(h, `h_${t}`);
    this.pending.set(h, this.pendingCount * 32);
    this.pendingCount++;
    this.hashCount++;
    if (this.pendingCount === HASH_BATCH) this.flush();
  }

  private flush(): void {
    if (this.pendingCount === 0 || this.fd === null) return;
    writeAllSync(this.fd, this.pending.subarray(0, this.pendingCount * 32));
    this.pendingCount = 0;
  }

  /** The next checkpoint (index = number added so far); its step must be checkpointSteps(T, k)[index]. */
  addCheckpoint(cp: Pick<Checkpoint, 'step' | 'stepHash' | 'chunkRoot' | 'bytes'>): void {
    this.checkOpen();
    const index = this.cps.length;
    const want = this.steps[index];
    if (cp.step !== want) throw new JobsError('ARTIFACTS_INVALID', `checkpoint ${index} is at step ${cp.step}, expected step ${want ?? '(none: all taken)'}`);
    need32(cp.stepHash, `checkpoint ${index} step hash`);
    need32(cp.chunkRoot, `checkpoint ${index} chunk root`);
    if (cp.bytes.length < 16) throw new JobsError('ARTIFACTS_INVALID', `checkpoint ${index} state of ${cp.bytes.length} bytes`);
    const fd = openSync(checkpointFile(this.dir, index), 'w');
    try {
      writeAllSync(fd, cp.bytes);
    } finally {
      closeSync(fd);
    }
    this.cps.push({ index, step: cp.step, chunkRoot: cp.chunkRoot.slice(), stepHash: cp.stepHash.slice(), byteLength: cp.bytes.length });
  }

  /**
   * The run became non-finite at step t+1: the record becomes the prefix h_0..h_t of a t-step run,
   * whose checkpoints are at min(i·k, t). Everything before state_t must already be recorded
   * (h_0..h_{t-1} and the checkpoints before step t); h_t and the checkpoint of state_t follow with
   * addStepHash and addCheckpoint, then finish().
   */
  cutAt(t: number): void {
    this.checkOpen();
    if (!Number.isInteger(t) || t < 1 || t >= this._T) throw new JobsError('ARTIFACTS_INVALID', `a run of ${this._T} steps can be cut at a step in 1..${this._T - 1}, not ${t}`);
    if (this.hashCount !== t) throw new JobsError('ARTIFACTS_INVALID', `cutting at step ${t} needs h_0..h_${t - 1} recorded, have ${this.hashCount} step hashes`);
    const steps = checkpointSteps(t, this.k);
    if (this.cps.length !== steps.length - 1 || this.cps.some((c, i) => c.step !== steps[i])) {
      throw new JobsError('ARTIFACTS_INVALID', `cutting at step ${t}: ${this.cps.length} checkpoints recorded, a ${t}-step run has ${steps.length - 1} before its last`);
    }
    this._T = t;
    this.steps = steps;
    this.divergedAt = t;
  }

  /** The loss of each step t → t+1 (t = 0..T-1) the record commits to (docs/jobs.md §1.1); a diverged record keeps none. */
  setLosses(losses: readonly number[]): void {
    this.checkOpen();
    this.losses = [...losses];
  }

  /**
   * Checks the record is whole and consistent, makes it durable and returns the reader. `run`
   * describes a local `polchain train` run (dataset name, backend, ...).
   */
  async finish(run?: RunRecord): Promise<A> {
    this.checkOpen();
    if (this.hashCount !== this.T + 1) throw new JobsError('ARTIFACTS_INVALID', `${this.hashCount} step hashes recorded, a ${this.T}-step job has ${this.T + 1}`);
    if (this.cps.length !== this.steps.length) throw new JobsError('ARTIFACTS_INVALID', `${this.cps.length} checkpoints recorded, expected ${this.steps.length}`);
    this.flush();
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = null;
    const flat = new Uint8Array(await readFile(join(this.dir, STEPS)));
    const hashes: Uint8Array[] = [];
    for (let t = 0; t <= this.T; t++) hashes.push(flat.subarray(t * 32, t * 32 + 32));
    for (const c of this.cps) {
      if (!equalBytes(c.stepHash, hashes[c.step]!)) throw new JobsError('ARTIFACTS_INVALID', `checkpoint ${c.index} (step ${c.step}) has a step hash that differs from h_${c.step} of the trace`);
      fsyncPath(checkpointFile(this.dir, c.index));
    }
    const meta = metaOf(this.init, this.T, this.k);
    if (this.divergedAt !== null) meta.divergedAt = this.divergedAt;
    meta.checkpoints = this.cps.map((c) => ({ step: c.step, chunkRoot: bytesToHex(c.chunkRoot), stepHash: bytesToHex(c.stepHash), bytes: c.byteLength }));
    meta.traceRoot = bytesToHex(traceRoot(hashes));
    meta.checkpointsRoot = bytesToHex(checkpointsRoot(this.cps));
    if (run) meta.run = run;
    if (this.losses && this.divergedAt === null) {
      if (this.losses.length !== this.T) throw new JobsError('ARTIFACTS_INVALID', `${this.losses.length} losses recorded, a ${this.T}-step job has ${this.T}`);
      meta.lossRoot = bytesToHex(writeLossFile(this.dir, this.losses, this.T, this.k));
    }
    meta.complete = true;
    writeFileDurably(join(this.dir, META), JSON.stringify(meta));
    fsyncPath(this.dir); // the renames and new files are durable only once the folder is
    this.state = 'finished';
    return this.open(this.dir, this.init.jobId);
  }

  /** Drops the partial record (training failed or was cancelled). */
  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    removeRecord(this.dir);
  }
}
