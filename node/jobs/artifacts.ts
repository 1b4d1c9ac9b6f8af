// A solver's finished job record, read from disk (layout: artifact-files.ts; written by
// artifact-writer.ts): everything it must later prove (TraceCommit, JobOpen, JobReveal) and serve
// (checkpoint chunks), usable after a restart.
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CHUNK_SIZE, checkpointLeaf, checkpointSteps, parseSpec, type ModelSpec } from '../../ml-runtime/index.ts';
import type { JobOpenPayload, JobRevealPayload } from '../../vm/index.ts';
import { JobsError } from './errors.ts';
import {
  META, META_FORMAT, STEPS, checkpointFile, jobDir,
  type ArtifactsInit, type CheckpointRecord, type MetaJson, type RunRecord, type TraceCommitment,
} from './artifact-files.ts';
import { ArtifactWriter } from './artifact-writer.ts';
import { LossCurveFile } from './loss-file.ts';

import type { TraceRange } from '../../ml-runtime/index.ts';
import { equalBytes, hexToBytes, leafHash, bytesToHex, MerkleTree, errorMessage } from '../../primitives/index.ts';

export type { ArtifactsInit, CheckpointRecord, RunRecord, TraceCommitment } from './artifact-files.ts';
export { ArtifactWriter } from './artifact-writer.ts';
export { jobDir } from './artifact-files.ts';

/** meta.json holds ≤ 32 769 checkpoint leaves (T ≤ 65 536, k ≥ 2) at ~200 bytes each. */
const MAX_META_BYTES = 16 << 20;
/** Chunk trees kept for serving; each is 64 bytes per 64 KiB chunk, so a few suffice. */
const CHUNK_TREE_CACHE = 8;

/** A finished job's artifacts, read from disk. */
export class SolverArtifacts {
  readonly spec: ModelSpec;
  private traceTree: Promise<MerkleTree> | null = null;
  private cpTree: MerkleTree | null = null;
  private readonly chunkTrees = new Map<number, Promise<MerkleTree>>();
  /** the committed loss root (docs/jobs.md §1.1), null when the record holds no loss curve */
  lossRoot: Uint8Array | null = null;
  private lossFile: Promise<LossCurveFile> | null = null;

  private constructor(
    readonly dir: string,
    readonly jobId: Uint8Array,
    readonly specJson: string,
    readonly datasetRoot: Uint8Array,
    readonly seed: Uint8Array,
    readonly T: number,
    readonly k: number,
    readonly checkpoints: readonly CheckpointRecord[],
    private readonly roots: { traceRoot: Uint8Array; checkpointsRoot: Uint8Array },
    /** how a local `polchain train` run was made; null for a solver's job */
    readonly run: RunRecord | null,
    /** t when the run became non-finite after h_t (then T = t, below the spec's steps); null otherwise */
    readonly divergedAt: number | null = null,
  ) {
    this.spec = parseSpec(specJson);
  }

  /** Starts recording a job in its folder under the store `dir` (a solver's data dir). */
  static create(dir: string, init: ArtifactsInit): ArtifactWriter<SolverArtifacts> {
    return new ArtifactWriter(jobDir(dir, init.jobId), init, SolverArtifacts.openAt);
  }

  /** Starts recording a job straight into `folder` (`polchain train --out`). */
  static createAt(folder: string, init: ArtifactsInit): ArtifactWriter<SolverArtifacts> {
    return new ArtifactWriter(folder, init, SolverArtifacts.openAt);
  }

  /** Opens a finished job's artifacts under the store `dir` (ARTIFACTS_NOT_FOUND / _INCOMPLETE / _CORRUPT). */
  static async open(dir: string, jobId: Uint8Array): Promise<SolverArtifacts> {
    return SolverArtifacts.openAt(jobDir(dir, jobId), jobId, `no artifacts for job ${bytesToHex(jobId)} in ${dir}`);
  }

  /** Opens the record in `folder` itself; with `jobId`, it must be that job's. */
  static async openAt(folder: string, jobId?: Uint8Array, notFound = `no artifacts in ${folder}`): Promise<SolverArtifacts> {
    const d = folder;
    const metaPath = join(d, META);
    let size: number;
    try {
      size = (await stat(metaPath)).size;
    } catch {
      throw new JobsError('ARTIFACTS_NOT_FOUND', notFound);
    }
    if (size > MAX_META_BYTES) throw new JobsError('ARTIFACTS_CORRUPT', `${metaPath} is ${size} bytes (limit ${MAX_META_BYTES})`);
    const bad = (m: string): never => { throw new JobsError('ARTIFACTS_CORRUPT', `${metaPath}: ${m}`); };
    let meta: MetaJson;
    try {
      meta = JSON.parse(await readFile(metaPath, 'utf8')) as MetaJson;
    } catch (e) {
      return bad(`not JSON (${errorMessage(e)})`);
    }
    if (meta.format !== META_FORMAT) bad(`format ${JSON.stringify(meta.format)}, expected ${META_FORMAT}`);
    if (jobId && meta.jobId !== bytesToHex(jobId)) bad(`records job ${meta.jobId}`);
    if (!meta.complete) throw new JobsError('ARTIFACTS_INCOMPLETE', `artifacts for job ${meta.jobId} were never finished (training interrupted?)`);
    const hex32 = (h: unknown, what: string): Uint8Array => {
      if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) bad(`${what} is not 32 bytes of hex`);
      return hexToBytes(h as string);
    };
    let spec: ModelSpec;
    try {
      spec = parseSpec(meta.spec);
    } catch (e) {
      return bad(`spec: ${errorMessage(e)}`);
    }
    const diverged = meta.divergedAt ?? null;
    if (diverged !== null && (!Number.isSafeInteger(diverged) || diverged < 1 || diverged >= spec.steps || diverged !== meta.T)) bad(`divergedAt ${diverged} must be T and below the spec's ${spec.steps} steps`);
    if ((diverged === null && spec.steps !== meta.T) || spec.checkpointInterval !== meta.k) bad(`T/k ${meta.T}/${meta.k} disagree with the spec`);
    const steps = checkpointSteps(meta.T, meta.k);
    if (!Array.isArray(meta.checkpoints) || meta.checkpoints.length !== steps.length) bad(`${meta.checkpoints?.length} checkpoints, expected ${steps.length}`);
    const cps = meta.checkpoints.map((c, i): CheckpointRecord => {
      if (c.step !== steps[i]) bad(`checkpoint ${i} at step ${c.step}, expected ${steps[i]}`);
      if (!Number.isSafeInteger(c.bytes) || c.bytes < 16) bad(`checkpoint ${i} has ${c.bytes} bytes`);
      return { index: i, step: c.step, chunkRoot: hex32(c.chunkRoot, `checkpoint ${i} chunk root`), stepHash: hex32(c.stepHash, `checkpoint ${i} step hash`), byteLength: c.bytes };
    });
    const stepsSize = await stat(join(d, STEPS)).then((s) => s.size, () => -1);
    if (stepsSize !== 32 * (meta.T + 1)) bad(`${STEPS} has ${stepsSize} bytes, expected ${32 * (meta.T + 1)}`);
    const art = new SolverArtifacts(d, hex32(meta.jobId, 'jobId'), meta.spec, hex32(meta.datasetRoot, 'datasetRoot'), hex32(meta.seed, 'seed'), meta.T, meta.k, cps,
      { traceRoot: hex32(meta.traceRoot, 'traceRoot'), checkpointsRoot: hex32(meta.checkpointsRoot, 'checkpointsRoot') }, meta.run ?? null, diverged);
    if (meta.lossRoot !== undefined) art.lossRoot = hex32(meta.lossRoot, 'lossRoot');
    return art;
  }

  /** The committed loss curve, read and checked against the loss root once (ARTIFACTS_NOT_FOUND without one). */
  lossCurve(): Promise<LossCurveFile> {
    if (!this.lossRoot) return Promise.reject(new JobsError('ARTIFACTS_NOT_FOUND', `job ${bytesToHex(this.jobId)}'s record commits no loss curve`));
    this.lossFile ??= LossCurveFile.read(this.dir, this.T, this.k, this.lossRoot, this.jobId);
    this.lossFile.catch(() => { this.lossFile = null; });
    return this.lossFile;
  }

  /** The committed loss vector's bits (served on 'job-loss'). */
  async lossBits(): Promise<Uint8Array> {
    return (await this.lossCurve()).bits;
  }

  /** What TraceCommit posts. */
  commitment(): TraceCommitment {
    const last = this.checkpoints[this.checkpoints.length - 1]!;
    const c = { traceRoot: this.roots.traceRoot, checkpointsRoot: this.roots.checkpointsRoot, finalChunkRoot: last.chunkRoot, finalStepHash: last.stepHash };
    return this.lossRoot ? { ...c, lossRoot: this.lossRoot } : c;
  }

  /** JobOpen's openings for checkpoint indices (ascending, distinct), each proven under checkpointsRoot. */
  openings(indices: readonly number[]): JobOpenPayload['openings'] {
    indices.forEach((x, i) => {
      if (!Number.isInteger(x) || x < 0 || x >= this.checkpoints.length) throw new JobsError('ARTIFACTS_INVALID', `checkpoint index ${x} outside 0..${this.checkpoints.length - 1}`);
      if (i > 0 && x <= indices[i - 1]!) throw new JobsError('ARTIFACTS_INVALID', `checkpoint indices must ascend without repeats (${indices[i - 1]} then ${x})`);
    });
    this.cpTree ??= MerkleTree.fromLeafHashes(this.checkpoints.map((c) => leafHash(checkpointLeaf(c.step, c.chunkRoot, c.stepHash))));
    const tree = this.cpTree;
    return indices.map((i) => {
      const c = this.checkpoints[i]!;
      return { index: i, chunkRoot: c.chunkRoot, stepHash: c.stepHash, siblings: tree.proof(i) };
    });
  }

  /** Checkpoint `index`'s leaf with its proof under checkpointsRoot (served on 'job-checkpoint'; DA_NOT_FOUND when out of range). */
  async leaf(index: number): Promise<{ chunkRoot: Uint8Array; stepHash: Uint8Array; siblings: Uint8Array[] }> {
    if (!Number.isInteger(index) || index < 0 || index >= this.checkpoints.length) {
      throw new JobsError('DA_NOT_FOUND', `job ${bytesToHex(this.jobId)} has no checkpoint ${index} (0..${this.checkpoints.length - 1})`);
    }
    const [o] = this.openings([index]);
    return { chunkRoot: o!.chunkRoot, stepHash: o!.stepHash, siblings: o!.siblings };
  }

  /** h_from .. h_to with their range proof under traceRoot (served on 'job-trace'; DA_NOT_FOUND outside 0..T). */
  async traceRange(from: number, to: number): Promise<{ hashes: Uint8Array[]; siblings: Uint8Array[] }> {
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to > this.T) {
      throw new JobsError('DA_NOT_FOUND', `job ${bytesToHex(this.jobId)} has no trace range ${from}..${to} (0..${this.T})`);
    }
    const [item] = await this.revealItems([{ from, to }]);
    return { hashes: item!.hashes, siblings: item!.siblings };
  }

  /** h_from .. h_to (inclusive), read from disk. */
  async stepHashes(from: number, to: number): Promise<Uint8Array[]> {
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to > this.T) {
      throw new JobsError('ARTIFACTS_INVALID', `step range ${from}..${to} outside 0..${this.T}`);
    }
    const fh = await open(join(this.dir, STEPS), 'r');
    try {
      const buf = new Uint8Array((to - from + 1) * 32);
      const { bytesRead } = await fh.read(buf, 0, buf.length, from * 32);
      if (bytesRead !== buf.length) throw new JobsError('ARTIFACTS_CORRUPT', `${STEPS} of job ${bytesToHex(this.jobId)} is truncated`);
      const out: Uint8Array[] = [];
      for (let i = 0; i < buf.length; i += 32) out.push(buf.subarray(i, i + 32));
      return out;
    } finally {
      await fh.close();
    }
  }

  private traceTreeOf(): Promise<MerkleTree> {
    this.traceTree ??= (async () => {
      const hashes = await this.stepHashes(0, this.T);
      const leaves = new Uint8Array(hashes.length * 32);
      hashes.forEach((h, i) => leaves.set(leafHash(h), i * 32));
      const tree = new MerkleTree(leaves);
      if (!equalBytes(tree.root, this.roots.traceRoot)) throw new JobsError('ARTIFACTS_CORRUPT', `${STEPS} of job ${bytesToHex(this.jobId)} no longer matches the committed trace root`);
      return tree;
    })();
    this.traceTree.catch(() => { this.traceTree = null; });
    return this.traceTree;
  }

  /**
   * JobReveal items for inclusive ranges (see requiredRanges), each with a Merkle range proof
   * under traceRoot (siblings as ml-runtime merkleRangeProof, verified by verifyMerkleRange).
   */
  async revealItems(ranges: readonly TraceRange[]): Promise<JobRevealPayload['items']> {
    const tree = await this.traceTreeOf();
    const curve = this.lossRoot ? await this.lossCurve() : null;
    const out: JobRevealPayload['items'] = [];
    for (const r of ranges) {
      const item = { from: r.from, hashes: await this.stepHashes(r.from, r.to), siblings: tree.rangeProof(r.from, r.to) };
      // a whole segment's range carries its loss leaf (the vm takes it for the sampled segments, docs/jobs.md §1.1)
      const whole = r.from % this.k === 0 && r.from < this.T && r.to === Math.min(r.from + this.k, this.T);
      out.push(curve && whole ? { ...item, ...curve.leaf(r.from / this.k) } : item);
    }
    return out;
  }

  /** Chunk leaves of one checkpoint, hashed by streaming the file (bounded memory), checked against the recorded chunk root. */
  private chunkTree(index: number): Promise<MerkleTree> {
    let p = this.chunkTrees.get(index);
    if (p) {
      this.chunkTrees.delete(index); // re-insert: Map order is the LRU order
      this.chunkTrees.set(index, p);
      return p;
    }
    const c = this.checkpoints[index]!;
    p = (async () => {
      const fh = await open(checkpointFile(this.dir, index), 'r').catch((e: unknown) => {
        throw new JobsError('ARTIFACTS_CORRUPT', `checkpoint ${index} of job ${bytesToHex(this.jobId)} is missing: ${errorMessage(e)}`);
      });
      try {
        const size = (await fh.stat()).size;
        if (size !== c.byteLength) throw new JobsError('ARTIFACTS_CORRUPT', `checkpoint ${index} of job ${bytesToHex(this.jobId)} has ${size} bytes, recorded ${c.byteLength}`);
        const n = Math.ceil(size / CHUNK_SIZE);
        const leaves = new Uint8Array(n * 32);
        const buf = new Uint8Array(CHUNK_SIZE);
        for (let i = 0; i < n; i++) {
          const len = Math.min(CHUNK_SIZE, size - i * CHUNK_SIZE);
          const { bytesRead } = await fh.read(buf, 0, len, i * CHUNK_SIZE);
          if (bytesRead !== len) throw new JobsError('ARTIFACTS_CORRUPT', `checkpoint ${index} of job ${bytesToHex(this.jobId)} is truncated`);
          leaves.set(leafHash(buf.subarray(0, len)), i * 32);
        }
        const tree = new MerkleTree(leaves);
        if (!equalBytes(tree.root, c.chunkRoot)) throw new JobsError('ARTIFACTS_CORRUPT', `checkpoint ${index} of job ${bytesToHex(this.jobId)} does not match its recorded chunk root`);
        return tree;
      } finally {
        await fh.close();
      }
    })();
    this.chunkTrees.set(index, p);
    p.catch(() => this.chunkTrees.delete(index));
    while (this.chunkTrees.size > CHUNK_TREE_CACHE) this.chunkTrees.delete(this.chunkTrees.keys().next().value!);
    return p;
  }

  /** Chunk `chunkIndex` of checkpoint `checkpointIndex` and its siblings under the chunk root (DA_NOT_FOUND when out of range). */
  async chunk(checkpointIndex: number, chunkIndex: number): Promise<{ chunk: Uint8Array; siblings: Uint8Array[] }> {
    const c = this.checkpoints[checkpointIndex];
    if (!Number.isInteger(checkpointIndex) || c === undefined) {
      throw new JobsError('DA_NOT_FOUND', `job ${bytesToHex(this.jobId)} has no checkpoint ${checkpointIndex} (0..${this.checkpoints.length - 1})`);
    }
    const n = Math.ceil(c.byteLength / CHUNK_SIZE);
    if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= n) {
      throw new JobsError('DA_NOT_FOUND', `checkpoint ${checkpointIndex} of job ${bytesToHex(this.jobId)} has no chunk ${chunkIndex} (0..${n - 1})`);
    }
    const tree = await this.chunkTree(checkpointIndex);
    const len = Math.min(CHUNK_SIZE, c.byteLength - chunkIndex * CHUNK_SIZE);
    const fh = await open(checkpointFile(this.dir, checkpointIndex), 'r');
    try {
      const chunk = new Uint8Array(len);
      const { bytesRead } = await fh.read(chunk, 0, len, chunkIndex * CHUNK_SIZE);
      // the file may have changed since its tree was built: never serve a chunk that fails its own proof
      if (bytesRead !== len || !equalBytes(leafHash(chunk), tree.leaf(chunkIndex))) {
        throw new JobsError('ARTIFACTS_CORRUPT', `checkpoint ${checkpointIndex} of job ${bytesToHex(this.jobId)} changed on disk (chunk ${chunkIndex})`);
      }
      return { chunk, siblings: tree.proof(chunkIndex) };
    } finally {
      await fh.close();
    }
  }

  /** The whole state encoding of a checkpoint (e.g. a finished job's final weights for a child job). */
  async checkpointBytes(index: number): Promise<Uint8Array> {
    const c = this.checkpoints[index];
    if (c === undefined) throw new JobsError('ARTIFACTS_INVALID', `checkpoint index ${index} outside 0..${this.checkpoints.length - 1}`);
    const bytes = new Uint8Array(await readFile(checkpointFile(this.dir, index)));
    if (bytes.length !== c.byteLength) throw new JobsError('ARTIFACTS_CORRUPT', `checkpoint ${index} of job ${bytesToHex(this.jobId)} has ${bytes.length} bytes, recorded ${c.byteLength}`);
    return bytes;
  }
}
