// What this solver's 'job-chunk' server serves: its own job artifacts, and the final weights of
// parent jobs (from its own artifacts, the <dataDir>/parents/ cache, or fetched from the parent's
// solver and proven against the parent's commitment). Child jobs start from those same weights.
import { existsSync } from 'node:fs';

import { SolverArtifacts, fetchCheckpointState, seedCredentials, type ChunkSource } from '../jobs/index.ts';
import type { SolverContext } from './context.ts';
import { SolverError } from './errors.ts';
import {
  ParentWeights, parentCacheFile, parentOpening, readParentCache, removeParentCache, writeParentCache, type ParentOpening,
} from './parent-weights.ts';
import { equalBytes, bytesToHex, errorLine } from '../../primitives/index.ts';

/** Parent final states kept in memory for serving (others are re-read from <dataDir>/parents/ when asked for). */
const PARENTS_IN_MEMORY = 4;
/** After a failed parent fetch, the same reason is given without trying again for this long. */
const PARENT_RETRY_MS = 10_000;
const DEFAULT_PARENT_FETCH_TIMEOUT_MS = 120_000;

export class ChunkSources {
  private readonly artifacts = new Map<string, SolverArtifacts>();
  /** verified parent final states by parent id hex (insertion order = LRU order), loads in flight, recent fetch failures */
  private readonly parents = new Map<string, ParentWeights>();
  private readonly parentLoads = new Map<string, Promise<ParentWeights | null>>();
  private readonly parentFailures = new Map<string, { at: number; reason: string }>();

  constructor(private readonly c: SolverContext) {}

  /** This solver's artifacts of a job, from memory or its data dir. */
  async lookupArtifacts(jobId: Uint8Array): Promise<SolverArtifacts | undefined> {
    const hex = bytesToHex(jobId);
    const have = this.artifacts.get(hex);
    if (have) return have;
    try {
      const a = await SolverArtifacts.open(this.c.o.dataDir, jobId);
      this.artifacts.set(hex, a);
      return a;
    } catch {
      return undefined;
    }
  }

  /** Before training over a job's record on disk: the record read earlier no longer describes it. */
  forgetArtifacts(jobIdHex: string): void {
    this.artifacts.delete(jobIdHex);
  }

  rememberArtifacts(jobIdHex: string, a: SolverArtifacts): void {
    this.artifacts.set(jobIdHex, a);
  }

  /**
   * What 'job-chunk' serves for a job id: a verified parent final state (fetched for a child job;
   * committee members ask the child's solver for it first), else this solver's own artifacts, else
   * a parent state cached on disk by an earlier run (proven again against the chain first).
   */
  async chunkSource(jobId: Uint8Array): Promise<ChunkSource | undefined> {
    const hex = bytesToHex(jobId);
    const p = this.parents.get(hex);
    if (p) return p;
    const a = await this.lookupArtifacts(jobId);
    if (a) return a;
    if (!existsSync(parentCacheFile(this.c.o.dataDir, jobId))) return undefined;
    try {
      return (await this.cachedParent(await this.parentOpeningOf(jobId))) ?? undefined;
    } catch (e) {
      this.c.log.debug({ parent: `0x${hex}`, err: errorLine(e) }, 'cannot serve the cached parent state');
      return undefined;
    }
  }

  /** The parent's last checkpoint as its commitment on chain states it (SOLVER_CANNOT_RUN when there is none). */
  private async parentOpeningOf(parentId: Uint8Array): Promise<ParentOpening> {
    const pj = await this.c.chain.job(bytesToHex(parentId));
    if (!pj) throw new SolverError('SOLVER_CANNOT_RUN', 'the node does not know the parent job');
    if (pj.status !== 'finalized' || !pj.commitment) throw new SolverError('SOLVER_CANNOT_RUN', `the parent job is ${pj.status}, not finalized`);
    if (!pj.terms.spec) throw new SolverError('SOLVER_CANNOT_RUN', `the parent's spec does not parse: ${pj.terms.specError ?? 'missing'}`);
    return parentOpening(parentId, pj.terms.spec, pj.commitment);
  }

  private rememberParent(w: ParentWeights): void {
    const hex = bytesToHex(w.opening.parentId);
    this.parents.delete(hex);
    this.parents.set(hex, w);
    while (this.parents.size > PARENTS_IN_MEMORY) this.parents.delete(this.parents.keys().next().value!);
  }

  /** A verified parent state from memory or from <dataDir>/parents/ (a cache file that fails its proof is removed). */
  private async cachedParent(op: ParentOpening): Promise<ParentWeights | null> {
    const hex = bytesToHex(op.parentId);
    const have = this.parents.get(hex);
    if (have && equalBytes(have.opening.chunkRoot, op.chunkRoot)) return have;
    let p = this.parentLoads.get(hex);
    if (!p) {
      p = (async () => {
        const bytes = await readParentCache(this.c.o.dataDir, op.parentId);
        if (!bytes) return null;
        const w = ParentWeights.verify(op, bytes);
        if (typeof w === 'string') {
          this.c.log.warn({ parent: `0x${hex}`, reason: w }, 'cached parent state fails its proof; removing it');
          await removeParentCache(this.c.o.dataDir, op.parentId);
          return null;
        }
        this.rememberParent(w);
        return w;
      })().finally(() => this.parentLoads.delete(hex));
      this.parentLoads.set(hex, p);
    }
    return p;
  }

  /**
   * The parent job's final state (encodeState bytes), proven against the parent's commitment on
   * chain: from this solver's own artifacts of the parent, the cache in the data dir, or fetched over
   * libp2p from the parent's solver (its daPeer / daAddrs) and then cached. Throws
   * SOLVER_PARENT_UNAVAILABLE when it cannot be had now, SOLVER_CANNOT_RUN when it never will.
   */
  async parentState(parentId: Uint8Array, forJob: string, signal: AbortSignal): Promise<Uint8Array> {
    const hex = bytesToHex(parentId);
    const op = await this.parentOpeningOf(parentId);
    const cached = await this.cachedParent(op);
    if (cached) return cached.bytes;
    const own = await this.lookupArtifacts(parentId);
    if (own && equalBytes(own.commitment().finalChunkRoot, op.chunkRoot) && own.checkpoints.length === op.index + 1) {
      return own.checkpointBytes(op.index);
    }
    const failed = this.parentFailures.get(hex);
    if (failed && Date.now() - failed.at < PARENT_RETRY_MS) throw new SolverError('SOLVER_PARENT_UNAVAILABLE', failed.reason);
    const pj = await this.c.chain.job(hex);
    const peerId = pj?.daPeer ?? null;
    const fail = (reason: string): never => {
      this.parentFailures.set(hex, { at: Date.now(), reason });
      throw new SolverError('SOLVER_PARENT_UNAVAILABLE', reason);
    };
    if (!peerId) return fail('its final weights are not in this solver\'s data dir and its solver announced no DA peer');
    if (peerId === this.c.host?.peerId) return fail('its final weights are not in this solver\'s data dir (this solver served them, and they are gone)');
    const t0 = performance.now();
    const timeoutMs = this.c.o.parentFetchTimeoutMs ?? DEFAULT_PARENT_FETCH_TIMEOUT_MS;
    let bytes: Uint8Array;
    try {
      const got = await fetchCheckpointState(this.c.host!, { peerId, addrs: pj!.daAddrs }, {
        jobId: parentId, opening: op, spec: op.spec, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        // a parent is finalized, so its final weights are public; signing anyway names who asks
        credentials: seedCredentials(this.c.o.seed, async () => this.c.waker.height ?? await this.c.chain.height()),
      });
      bytes = got.bytes;
    } catch (e) {
      if (signal.aborted) throw e;
      return fail(`cannot fetch its final weights from its solver ${peerId}: ${errorLine(e)}`);
    }
    const w = ParentWeights.verify(op, bytes);
    if (typeof w === 'string') return fail(`the final weights its solver ${peerId} sent fail their proof: ${w}`);
    this.parentFailures.delete(hex);
    try {
      await writeParentCache(this.c.o.dataDir, parentId, bytes);
    } catch (e) {
      this.c.log.warn({ parent: `0x${hex}`, err: errorLine(e) }, 'cannot cache the parent state on disk; keeping it in memory');
    }
    this.rememberParent(w);
    const ms = performance.now() - t0;
    this.c.log.info({ job: forJob, parent: `0x${hex}`, from: peerId, bytes: bytes.length, ms: Math.round(ms) }, 'parent weights fetched');
    this.c.emit({ type: 'parent-fetched', jobId: forJob, parent: hex, from: peerId, bytes: bytes.length, ms });
    return bytes;
  }
}
