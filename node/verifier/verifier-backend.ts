// What a verification task needs from the outside world: checkpoint states and datasets from the
// solver over libp2p (node/jobs DA), and a replay of the sampled segments on a worker thread.
// The service takes these as one object so a test (or a later transport) can swap a piece.
import { DATASET_NAMES, specShapes, specOutputSize, specInputShape, type Dataset, type ModelSpec } from '../../ml-runtime/index.ts';
import type { JobOpening } from '../../vm/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import { fetchCheckpointState, fetchDataset, replaySegments, type DaCredentials, type DaPeer, type DatasetRegistry, type ReplayInput, type ReplayOptions, type ReplayResult } from '../jobs/index.ts';
import { bytesToHex } from '../../primitives/index.ts';

export interface CheckpointRequest {
  jobId: Uint8Array;
  opening: JobOpening;
  spec: ModelSpec;
  signal: AbortSignal;
  onProgress?(chunksDone: number, chunksTotal: number): void;
  /** chunks already had (proven elsewhere, e.g. posted on chain after a demand): only the others are fetched */
  have?: ReadonlyArray<Uint8Array | undefined>;
  /** each chunk once proven, so what arrived is kept when the fetch as a whole fails */
  onChunk?(index: number, chunk: Uint8Array): void;
}

/** How the replay worker gets the training set: by bundled name (it loads it itself) or the data. */
export type DatasetRef = { kind: 'bundled'; name: string; root: Uint8Array } | { kind: 'data'; dataset: Dataset; root: Uint8Array };

export interface ResolvedDataset {
  ref: DatasetRef;
  /** bytes of samples fetched from the peer (0 when local) */
  fetchedBytes: number;
}

export interface VerifierBackend {
  /** The canonical encoding of an opened checkpoint's state, proven chunk by chunk and by step hash. */
  fetchCheckpoint(host: P2pHost, peer: DaPeer, req: CheckpointRequest): Promise<Uint8Array>;
  /** The dataset committed as `root` (`size` samples): local when the registry has it, else fetched from `peer`. */
  resolveDataset(host: P2pHost, peer: DaPeer, req: { root: Uint8Array; size: number; spec: ModelSpec; signal: AbortSignal }): Promise<ResolvedDataset>;
  replay(input: ReplayInput, opts: ReplayOptions): Promise<ReplayResult>;
}

const BUNDLED: ReadonlySet<string> = new Set(DATASET_NAMES);

/** The real backend over node/jobs. Fetched datasets are added to `datasets` so the next job reuses them. */
export function jobsBackend(datasets: DatasetRegistry, opts: { concurrency?: number; credentials?: DaCredentials } = {}): VerifierBackend {
  return {
    async fetchCheckpoint(host, peer, req) {
      const r = await fetchCheckpointState(host, peer, {
        jobId: req.jobId, opening: req.opening, spec: req.spec, signal: req.signal, concurrency: opts.concurrency ?? 4,
        ...(opts.credentials ? { credentials: opts.credentials } : {}),
        ...(req.onProgress ? { onProgress: req.onProgress } : {}),
        ...(req.have ? { have: req.have } : {}),
        ...(req.onChunk ? { onChunk: req.onChunk } : {}),
      });
      return r.bytes;
    },
    async resolveDataset(host, peer, { root, size, spec, signal }) {
      const name = datasets.nameOf(root);
      if (name !== undefined && BUNDLED.has(name)) return { ref: { kind: 'bundled', name, root }, fetchedBytes: 0 };
      const local = datasets.byRoot(root);
      if (local) return { ref: { kind: 'data', dataset: local, root }, fetchedBytes: 0 };
      const outputSize = specOutputSize(spec, specShapes(spec));
      const fetched = await fetchDataset(host, peer, root, size, {
        signal, featureShape: specInputShape(spec), outputSize, concurrency: opts.concurrency ?? 4,
      });
      datasets.add(`fetched/${bytesToHex(root).slice(0, 16)}`, fetched);
      return { ref: { kind: 'data', dataset: fetched, root }, fetchedBytes: fetched.raw.byteLength + fetched.labels.byteLength };
    },
    replay: replaySegments,
  };
}
