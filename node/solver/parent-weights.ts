// The final state of a parent job (docs/jobs.md: a child job starts from its parent's final
// parameters). A solver that did not train the parent fetches that state from the parent's solver,
// proves it against the parent's commitment, keeps it under <dataDir>/parents/ and serves it again
// over 'job-chunk' (jobId = the parent's id, checkpoint = the parent's last one), since committee
// members ask the child's solver for it first (node/verifier/service.ts parentState).
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CHUNK_SIZE, MlError, checkpointSteps, decodeState, stepHash, type ModelSpec } from '../../ml-runtime/index.ts';
import { JobsError, layoutOfSpec, type ChunkSource } from '../jobs/index.ts';
import { equalBytes, leafHash, bytesToHex, MerkleTree } from '../../primitives/index.ts';

/** What the chain says the parent's final state is (its commitment's last checkpoint). */
export interface ParentOpening {
  parentId: Uint8Array;
  spec: ModelSpec;
  /** index of the last checkpoint: checkpointSteps(T, k).length - 1 */
  index: number;
  /** commitment.finalChunkRoot */
  chunkRoot: Uint8Array;
  /** commitment.finalStepHash */
  stepHash: Uint8Array;
}

export function parentOpening(parentId: Uint8Array, spec: ModelSpec, commitment: { finalChunkRoot: Uint8Array; finalStepHash: Uint8Array }): ParentOpening {
  return {
    parentId, spec,
    index: checkpointSteps(spec.steps, spec.checkpointInterval).length - 1,
    chunkRoot: commitment.finalChunkRoot,
    stepHash: commitment.finalStepHash,
  };
}

/** A verified parent final state held in memory; serves its chunks (only its own checkpoint index). */
export class ParentWeights implements ChunkSource {
  private constructor(readonly opening: ParentOpening, readonly bytes: Uint8Array, private readonly tree: MerkleTree) {}

  /**
   * Checks `bytes` against the opening: the chunk tree's root is the chunk root, the state decodes
   * under the spec's layout, sits at the last checkpoint's step and hashes to the step hash.
   * Returns the reason (a string) when any of it fails.
   */
  static verify(opening: ParentOpening, bytes: Uint8Array): ParentWeights | string {
    const n = Math.max(1, Math.ceil(bytes.length / CHUNK_SIZE));
    const leaves = new Uint8Array(n * 32);
    for (let i = 0; i < n; i++) leaves.set(leafHash(bytes.subarray(i * CHUNK_SIZE, Math.min(bytes.length, (i + 1) * CHUNK_SIZE))), i * 32);
    const tree = new MerkleTree(leaves);
    if (!equalBytes(tree.root, opening.chunkRoot)) return 'the state is not the one under the committed final chunk root';
    try {
      const state = decodeState(bytes, layoutOfSpec(opening.spec));
      const step = checkpointSteps(opening.spec.steps, opening.spec.checkpointInterval)[opening.index];
      if (state.step !== step) return `the state is at step ${state.step}, the parent's last checkpoint is at step ${step}`;
      if (!equalBytes(stepHash(opening.parentId, state), opening.stepHash)) return 'the state does not hash to the committed final step hash';
    } catch (e) {
      if (e instanceof MlError) return `the state does not decode under the parent's spec (${e.message})`;
      throw e;
    }
    return new ParentWeights(opening, bytes, tree);
  }

  async chunk(checkpointIndex: number, chunkIndex: number): Promise<{ chunk: Uint8Array; siblings: Uint8Array[] }> {
    const id = bytesToHex(this.opening.parentId);
    if (checkpointIndex !== this.opening.index) {
      throw new JobsError('DA_NOT_FOUND', `only the final checkpoint ${this.opening.index} of parent job ${id} is served here, not ${checkpointIndex}`);
    }
    if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= this.tree.count) {
      throw new JobsError('DA_NOT_FOUND', `checkpoint ${checkpointIndex} of job ${id} has no chunk ${chunkIndex} (0..${this.tree.count - 1})`);
    }
    return {
      chunk: this.bytes.slice(chunkIndex * CHUNK_SIZE, Math.min(this.bytes.length, (chunkIndex + 1) * CHUNK_SIZE)),
      siblings: this.tree.proof(chunkIndex),
    };
  }
}

/** <dataDir>/parents/<parent id hex>.state: never a job's artifact folder (those are named by the bare 64-hex id). */
export function parentCacheFile(dataDir: string, parentId: Uint8Array): string {
  return join(dataDir, 'parents', `${bytesToHex(parentId)}.state`);
}

/** The cached bytes, or null when there is no cache file. */
export async function readParentCache(dataDir: string, parentId: Uint8Array): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(parentCacheFile(dataDir, parentId)));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw e;
  }
}

/** Writes the cache file atomically (temp file, fsync, rename). */
export async function writeParentCache(dataDir: string, parentId: Uint8Array, bytes: Uint8Array): Promise<void> {
  const file = parentCacheFile(dataDir, parentId);
  await mkdir(join(dataDir, 'parents'), { recursive: true });
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

export async function removeParentCache(dataDir: string, parentId: Uint8Array): Promise<void> {
  await rm(parentCacheFile(dataDir, parentId), { force: true });
}
