// The data a challenger replays from, each piece proven before use: the solver's trace range and
// checkpoint leaves (under the committed roots), checkpoint states (chunk by chunk under the leaf's
// chunk root and by step hash), the training set (bundled, known locally, or fetched by its root),
// and for a child job its parent's final weights. All of it over node/jobs DA; failures become
// WATCH_DATA_UNAVAILABLE with the DA code in the message.
import type { Logger } from 'pino';
import { checkpointSteps, DATASET_NAMES, LOSS_BYTES, segmentBounds, specShapes, specOutputSize, specInputShape, type Dataset } from '../../ml-runtime/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import {
  fetchCheckpointLeaf, fetchCheckpointState, fetchDataset, fetchLossVector, fetchTraceRange, isJobsError,
  type CheckpointLeaf, type DaPeer, type DatasetRegistry, type ReplayInput,
} from '../jobs/index.ts';
import type { WatchChain } from './chain.ts';
import { DemandAccess } from './job-access.ts';
import { WatchError } from './errors.ts';
import type { WatchJob } from './job-view.ts';
import { bytesToHex, errorLine } from '../../primitives/index.ts';

const BUNDLED: ReadonlySet<string> = new Set(DATASET_NAMES);

/** How the replay worker gets the training set: by bundled name (it loads it itself) or the data. */
export type DatasetInput = Pick<ReplayInput, 'datasetName' | 'datasetRoot' | 'dataset'>;

const short = (b: Uint8Array) => bytesToHex(b).slice(0, 16);

export class JobData {
  private readonly access: DemandAccess;

  constructor(
    private readonly host: P2pHost,
    private readonly registry: DatasetRegistry,
    private readonly chain: WatchChain,
    private readonly log: Logger,
    private readonly concurrency = 4,
  ) {
    this.access = new DemandAccess(chain, log);
  }

  private peer(job: WatchJob): DaPeer {
    if (!job.daPeer) throw new WatchError('WATCH_DATA_UNAVAILABLE', `job ${short(job.id)} names no DA peer`);
    return { peerId: job.daPeer, addrs: job.daAddrs };
  }

  private async da<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof WatchError) throw e;
      throw new WatchError('WATCH_DATA_UNAVAILABLE', `${what}: ${errorLine(e)}`, { cause: e });
    }
  }

  /**
   * The solver's committed h_from .. h_to, proven under traceRoot; null when its solver does not serve
   * its trace (an older solver: the caller then compares with the checkpoint leaves only).
   */
  async traceRange(job: WatchJob, from: number, to: number, signal: AbortSignal): Promise<Uint8Array[] | null> {
    try {
      return await fetchTraceRange(this.host, this.peer(job), { jobId: job.id, from, to, steps: job.spec.steps, traceRoot: job.commitment!.traceRoot, signal });
    } catch (e) {
      if (isJobsError(e, 'DA_NOT_FOUND')) return null;
      throw new WatchError('WATCH_DATA_UNAVAILABLE', `trace h_${from}..h_${to} of job ${short(job.id)}: ${errorLine(e)}`, { cause: e });
    }
  }

  /**
   * The solver's committed loss leaf of segment j (f32be bits of steps from .. to-1), from its loss
   * vector proven under the job's loss root (docs/jobs.md §1.1); null when its solver does not serve it.
   */
  async lossLeaf(job: WatchJob, j: number, signal: AbortSignal): Promise<Uint8Array | null> {
    const root = job.commitment!.lossRoot!;
    let bits: Uint8Array;
    try {
      bits = await fetchLossVector(this.host, this.peer(job), { jobId: job.id, steps: job.spec.steps, checkpointInterval: job.spec.checkpointInterval, lossRoot: root, signal });
    } catch (e) {
      if (isJobsError(e, 'DA_NOT_FOUND')) return null;
      throw new WatchError('WATCH_DATA_UNAVAILABLE', `loss curve of job ${short(job.id)}: ${errorLine(e)}`, { cause: e });
    }
    const { from, to } = segmentBounds(job.spec.steps, job.spec.checkpointInterval, j);
    return bits.slice(from * LOSS_BYTES, to * LOSS_BYTES);
  }

  /** Checkpoint `index`'s leaf, proven under checkpointsRoot (the last one is on chain already: the final chunk root and step hash). */
  async leaf(job: WatchJob, index: number, signal: AbortSignal): Promise<CheckpointLeaf> {
    const c = job.commitment!;
    const last = checkpointSteps(job.spec.steps, job.spec.checkpointInterval).length - 1;
    if (index === last) return { index, chunkRoot: c.finalChunkRoot, stepHash: c.finalStepHash };
    return this.da(`checkpoint ${index} leaf of job ${short(job.id)}`, () => fetchCheckpointLeaf(this.host, this.peer(job), {
      jobId: job.id, index, steps: job.spec.steps, checkpointInterval: job.spec.checkpointInterval, checkpointsRoot: c.checkpointsRoot, signal,
    }));
  }

  /**
   * The state encoding of a proven checkpoint leaf. Before a job is finalized its solver serves
   * checkpoints only to its committee, its demanders and the parties of its open disputes (docs/da.md
   * §2b): a watchtower that is refused (DA_FORBIDDEN) demands a chunk of that checkpoint on chain
   * (job-access.ts), which makes it a demander of the job, and the caller retries the fetch later.
   */
  async state(job: WatchJob, leaf: CheckpointLeaf, signal: AbortSignal): Promise<Uint8Array> {
    const what = `checkpoint ${leaf.index} of job ${short(job.id)}`;
    try {
      const r = await fetchCheckpointState(this.host, this.peer(job), {
        jobId: job.id, opening: leaf, spec: job.spec, signal, concurrency: this.concurrency, credentials: this.chain.daCredentials(),
      });
      return r.bytes;
    } catch (e) {
      if (e instanceof WatchError) throw e;
      if (isJobsError(e, 'DA_FORBIDDEN')) {
        const why = await this.access.demand(job, leaf.index);
        throw new WatchError('WATCH_DATA_UNAVAILABLE', `${what}: its solver serves it to committee members and demanders only; ${why}`, { cause: e });
      }
      throw new WatchError('WATCH_DATA_UNAVAILABLE', `${what}: ${errorLine(e)}`, { cause: e });
    }
  }

  /** What the replay worker needs to find the job's training set: a bundled name, a local dataset, or one fetched from the solver. */
  async datasetInput(job: WatchJob, signal: AbortSignal): Promise<DatasetInput> {
    const root = job.datasetRoot;
    const name = this.registry.nameOf(root);
    if (name !== undefined && BUNDLED.has(name)) return { datasetName: name, datasetRoot: root };
    return { dataset: await this.dataset(job, signal), datasetRoot: root };
  }

  /** The training set itself (for the samples a referee needs): local when known, else fetched once by root and kept. */
  async dataset(job: WatchJob, signal: AbortSignal): Promise<Dataset> {
    const local = this.registry.byRoot(job.datasetRoot);
    if (local) return local;
    const outputSize = specOutputSize(job.spec, specShapes(job.spec));
    const fetched = await this.da(`dataset ${short(job.datasetRoot)}`, () => fetchDataset(this.host, this.peer(job), job.datasetRoot, job.datasetSize, {
      signal, featureShape: specInputShape(job.spec), outputSize, concurrency: this.concurrency,
    }));
    this.registry.add(`fetched/${short(job.datasetRoot)}`, fetched);
    this.log.info({ dataset: `0x${bytesToHex(job.datasetRoot)}`, samples: fetched.count }, 'watch: dataset fetched');
    return fetched;
  }

  /** A child job's start: its parent's final state, from this job's solver or else the parent's, proven against the parent's commitment. */
  async parentState(job: WatchJob, signal: AbortSignal): Promise<Uint8Array | null> {
    if (!job.parent) return null;
    const parent = await this.chain.job(job.parent);
    if (!parent?.commitment) throw new WatchError('WATCH_DATA_UNAVAILABLE', `parent job ${short(job.parent)} has no commitment`);
    const index = checkpointSteps(parent.spec.steps, parent.spec.checkpointInterval).length - 1;
    const opening = { index, chunkRoot: parent.commitment.finalChunkRoot, stepHash: parent.commitment.finalStepHash };
    const peers: DaPeer[] = [this.peer(job)];
    if (parent.daPeer && parent.daPeer !== job.daPeer) peers.push({ peerId: parent.daPeer, addrs: parent.daAddrs });
    let last: unknown;
    for (const p of peers) {
      try {
        // a parent is finalized: its final checkpoint is public, the signature only says who asks
        return (await fetchCheckpointState(this.host, p, { jobId: parent.id, opening, spec: parent.spec, signal, concurrency: this.concurrency, credentials: this.chain.daCredentials() })).bytes;
      } catch (e) {
        if (signal.aborted) throw e;
        last = e;
      }
    }
    throw new WatchError('WATCH_DATA_UNAVAILABLE', `parent job ${short(parent.id)} final state: ${errorLine(last)}`, { cause: last });
  }
}
