// Dataset availability by Merkle root ('dataset'): a node that holds a job's training data serves
// its samples with inclusion proofs; a node that does not fetches them, proves every sample under
// the job's datasetRoot, and rebuilds a Dataset whose datasetRoot is that root.
import { datasetRoot, decodeSample, encodeSample, makeDataset, sampleLeafHashes, verifySample, type Dataset, type FeatureKind, type Task } from '../../ml-runtime/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import { JobsError } from './errors.ts';
import { DA_PENALTY, connectDaPeer, daRequest, remoteError, runLanes, type DaPeer } from './da-peer.ts';
import {
  DATASET_PROTOCOL, DA_LIMITS, decodeDatasetRequest, decodeDatasetResponse, encodeDatasetRequest, encodeDatasetResponse,
  type SampleItem,
} from './da-wire.ts';
import { equalBytes, bytesToHex, MerkleTree, errorMessage } from '../../primitives/index.ts';

export interface DatasetSource {
  byRoot(root: Uint8Array): Dataset | undefined | Promise<Dataset | undefined>;
}

const trees = new WeakMap<Dataset, MerkleTree>();

function treeOf(ds: Dataset): MerkleTree {
  let t = trees.get(ds);
  if (!t) {
    t = MerkleTree.fromLeafHashes(sampleLeafHashes(ds));
    trees.set(ds, t);
  }
  return t;
}

export interface DatasetServerOptions {
  /** a response stops before this many bytes (default DA_LIMITS.datasetResponseBytes) */
  maxResponseBytes?: number;
  timeoutMs?: number;
}

/** Serves 'dataset' from `source` (e.g. a DatasetRegistry). Samples from..from+count-1, fewer at the end of the set or of the byte budget. */
export async function registerDatasetServer(host: P2pHost, source: DatasetSource, opts: DatasetServerOptions = {}): Promise<void> {
  const budget = opts.maxResponseBytes ?? DA_LIMITS.datasetResponseBytes;
  await host.handle(
    DATASET_PROTOCOL,
    async (req, peer) => {
      try {
        let r;
        try {
          r = decodeDatasetRequest(req);
        } catch (e) {
          host.adjustScore(peer, DA_PENALTY.badRequest, 'malformed dataset request');
          throw e;
        }
        const ds = await source.byRoot(r.root);
        const tree = ds && treeOf(ds);
        // a source that returns another dataset would make us serve samples that fail their proofs
        if (!ds || !tree || !equalBytes(tree.root, r.root)) throw new JobsError('DA_NOT_FOUND', `dataset ${bytesToHex(r.root)} is not served here`);
        const items: SampleItem[] = [];
        let size = 16;
        for (let i = r.from; i < Math.min(ds.count, r.from + r.count); i++) {
          const item = { sample: encodeSample(ds, i), siblings: tree.proof(i) };
          size += item.sample.length + 10 + 34 * item.siblings.length; // msgpack headers: ≤ 1 + 5 + 3 per item, 2 per sibling
          if (size > budget) break;
          items.push(item);
        }
        if (items.length === 0 && r.from < ds.count) throw new JobsError('DA_TOO_LARGE', `sample ${r.from} does not fit the response budget of ${budget} bytes`);
        return encodeDatasetResponse(items);
      } catch (e) {
        throw remoteError(e);
      }
    },
    {
      maxRequestBytes: DA_LIMITS.datasetRequestBytes,
      maxResponseBytes: budget + 64,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    },
  );
}

export interface FetchDatasetOptions {
  /** classification: the number of classes (the spec's output size); default: highest class seen + 1 */
  outputSize?: number;
  /** the spec's inputShape; default [featureCount] */
  featureShape?: number[];
  name?: string;
  signal?: AbortSignal;
  /** requests in flight (default 4, at most 16) */
  concurrency?: number;
  timeoutMs?: number;
  retries?: number;
  /** refuse datasets whose samples together exceed this (default DA_LIMITS.maxDatasetBytes) */
  maxBytes?: number;
  onProgress?(samplesDone: number, samplesTotal: number): void;
}

/** Shape every sample of one dataset shares; fixed by the first verified sample. */
interface Layout {
  featureKind: FeatureKind;
  featureSize: number;
  task: Task;
  targets: number;
  sampleBytes: number;
  raw: Uint8Array | Float32Array | Uint16Array;
  labels: Uint32Array | Float32Array;
}

/**
 * Fetches the `size` samples committed as `root` from `peer`. Every sample is checked against the
 * root before it is stored; memory holds the rebuilt dataset only (allocated once the first sample
 * fixes the per-sample size, after the total was checked against maxBytes).
 */
export async function fetchDataset(host: P2pHost, peer: DaPeer, root: Uint8Array, size: number, opts: FetchDatasetOptions = {}): Promise<Dataset> {
  if (!(root instanceof Uint8Array) || root.length !== 32) throw new JobsError('DA_BAD_REQUEST', 'dataset root must be 32 bytes');
  if (!Number.isInteger(size) || size < 1 || size > DA_LIMITS.maxDatasetSize) throw new JobsError('DA_BAD_REQUEST', `dataset size ${size} outside 1..${DA_LIMITS.maxDatasetSize}`);
  const maxBytes = opts.maxBytes ?? DA_LIMITS.maxDatasetBytes;
  const peerId = await connectDaPeer(host, peer, opts.signal);
  const what = `dataset ${bytesToHex(root).slice(0, 16)}`;
  let penalised = false; // once per fetch, however many lanes notice
  const bad = (m: string): never => {
    if (!penalised) host.adjustScore(peerId, DA_PENALTY.badProof, `dataset: ${m}`);
    penalised = true;
    throw new JobsError('DA_BAD_PROOF', `${what} from ${peerId}: ${m}`);
  };
  let L: Layout | undefined;
  let maxClass = -1;

  const store = (i: number, sample: Uint8Array): void => {
    let d: ReturnType<typeof decodeSample>;
    try {
      d = decodeSample(sample);
    } catch (e) {
      // proven under the root, so the committed dataset itself holds a sample that does not decode
      throw new JobsError('DATASET_MISMATCH', `${what}: sample ${i} does not decode (${errorMessage(e)})`);
    }
    const task: Task = d.classIndex !== undefined ? 'classification' : d.nextTokens ? 'next-token' : 'regression';
    const targets = d.targets?.length ?? 0;
    if (!L) {
      if (sample.length * size > maxBytes) throw new JobsError('DA_TOO_LARGE', `${what}: ${size} samples of ${sample.length} bytes exceed the limit of ${maxBytes} bytes`);
      const n = size * d.features.length;
      L = {
        featureKind: d.featureKind, featureSize: d.features.length, task, targets, sampleBytes: sample.length,
        raw: d.featureKind === 'u8' ? new Uint8Array(n) : d.featureKind === 'tok' ? new Uint16Array(n) : new Float32Array(n),
        labels: task === 'classification' ? new Uint32Array(size) : task === 'next-token' ? new Uint32Array(n) : new Float32Array(size * targets),
      };
    }
    if (d.featureKind !== L.featureKind || d.features.length !== L.featureSize || task !== L.task || targets !== L.targets || sample.length !== L.sampleBytes) {
      throw new JobsError('DATASET_MISMATCH', `${what}: sample ${i} has another shape than the first sample received`);
    }
    const fs = L.featureSize;
    // u8 features are kept as the committed bytes (decodeSample already divided them by 255)
    if (L.featureKind === 'u8') L.raw.set(sample.subarray(6, 6 + fs), i * fs);
    else L.raw.set(d.features, i * fs);
    if (task === 'next-token') {
      L.labels.set(d.nextTokens!, i * fs);
      for (const t of d.features) if (t > maxClass) maxClass = t;
      for (const t of d.nextTokens!) if (t > maxClass) maxClass = t;
    } else if (task === 'classification') {
      L.labels[i] = d.classIndex!;
      if (d.classIndex! > maxClass) maxClass = d.classIndex!;
    } else L.labels.set(d.targets!, i * targets);
  };

  const batch = DA_LIMITS.maxSamplesPerRequest;
  let done = 0;
  await runLanes(Math.ceil(size / batch), Math.min(Math.max(1, opts.concurrency ?? 4), 16), opts.signal, async (b, signal) => {
    let pos = b * batch;
    const end = Math.min(size, pos + batch);
    while (pos < end) {
      const res = await daRequest(host, peerId, DATASET_PROTOCOL, encodeDatasetRequest({ root, from: pos, count: end - pos }), `${what} samples ${pos}..${end - 1}`, {
        timeoutMs: opts.timeoutMs ?? 10_000,
        maxResponseBytes: DA_LIMITS.datasetResponseBytes + 64,
        retries: opts.retries ?? 2,
        signal,
      });
      let items: SampleItem[];
      try {
        items = decodeDatasetResponse(res, end - pos);
      } catch (e) {
        host.adjustScore(peerId, DA_PENALTY.badResponse, 'malformed dataset response');
        throw new JobsError('DA_BAD_RESPONSE', `${what} from ${peerId}: ${errorMessage(e)}`, { cause: e });
      }
      if (items.length === 0) throw new JobsError('DA_NOT_FOUND', `${what}: ${peerId} has no sample ${pos} (the job says ${size} samples)`);
      items.forEach((it, k) => {
        if (!verifySample(it.sample, { index: pos + k, count: size, siblings: it.siblings }, root)) bad(`sample ${pos + k} is not proven under the root`);
        store(pos + k, it.sample);
      });
      pos += items.length;
      done += items.length;
      opts.onProgress?.(done, size);
    }
  });

  const l = L!;
  if (opts.featureShape && opts.featureShape.reduce((a, b) => a * b, 1) !== l.featureSize) {
    throw new JobsError('DATASET_MISMATCH', `${what}: samples have ${l.featureSize} features, featureShape [${opts.featureShape.join(', ')}] needs another count`);
  }
  let ds: Dataset;
  try {
    ds = makeDataset({
      name: opts.name ?? `dataset/${bytesToHex(root).slice(0, 16)}`,
      task: l.task,
      featureShape: opts.featureShape ?? [l.featureSize],
      featureSize: l.featureSize,
      outputSize: l.task === 'regression' ? l.targets : (opts.outputSize ?? maxClass + 1),
      count: size,
      featureKind: l.featureKind,
      raw: l.raw,
      labels: l.labels,
    });
  } catch (e) {
    throw new JobsError('DATASET_MISMATCH', `${what}: ${errorMessage(e)}`, { cause: e });
  }
  // every sample was proven; re-deriving the root checks the rebuilt object encodes back to the same leaves
  if (!equalBytes(datasetRoot(ds), root)) throw new JobsError('DATASET_MISMATCH', `${what}: the rebuilt dataset does not re-encode to its root`);
  return ds;
}
