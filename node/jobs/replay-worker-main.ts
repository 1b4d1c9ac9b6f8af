// Runs inside the replay worker thread (started by replay-worker.ts): re-executes the sampled
// segments on the det backend and posts the step hashes back. Never imported by the node itself.
import { parentPort } from 'node:worker_threads';
import { MlError, createTrainer, datasetRoot, decodeState, encodeState, initialState, lossBits, parseSpec, replaySegment, segmentBounds, selectBackend, stepHash, type Dataset } from '../../ml-runtime/index.ts';
import { DatasetRegistry } from './datasets.ts';
import { JobsError } from './errors.ts';
import type { ReplayInput, ReplayResult, WorkerMessage, WorkerRequest } from './replay-protocol.ts';
import { initialStateFromParent } from './state-layout.ts';
import { concatBytes, equalBytes, errorMessage } from '../../primitives/index.ts';

const post = (m: WorkerMessage) => parentPort!.postMessage(m);

// kept across requests: bundled datasets load once per worker (mnist: ~0.6 s)
const registry = new DatasetRegistry();

function resolveDataset(input: ReplayInput): Dataset {
  if (input.dataset) {
    if (input.datasetRoot && !equalBytes(datasetRoot(input.dataset), input.datasetRoot)) throw new JobsError('DATASET_MISMATCH', 'the given dataset does not have the given root');
    return input.dataset;
  }
  const reg = registry;
  if (input.datasetName !== undefined) {
    if (input.datasetRoot && !equalBytes(reg.rootOf(input.datasetName), input.datasetRoot)) {
      throw new JobsError('DATASET_MISMATCH', `dataset ${JSON.stringify(input.datasetName)} does not have the job's dataset root`);
    }
    return reg.dataset(input.datasetName);
  }
  if (input.datasetRoot) {
    const ds = reg.byRoot(input.datasetRoot);
    if (!ds) throw new JobsError('DATASET_UNKNOWN', 'no local dataset has the job\'s dataset root');
    return ds;
  }
  throw new JobsError('REPLAY_FAILED', 'replay needs a dataset, a dataset name or a dataset root');
}

async function run({ id, input, progressIntervalMs }: WorkerRequest): Promise<ReplayResult> {
  // consensus hashes come from det only: a silent fallback to another backend would attest garbage
  await selectBackend('det', { allowFallback: false });
  const spec = parseSpec(input.specJson);
  const dataset = resolveDataset(input);
  const tr = createTrainer(spec, dataset, input.seed);
  const s0 = input.parentState ? initialStateFromParent(tr, input.parentState) : initialState(tr);
  const plan = input.segments.map(({ segment, stateBytes, captureAt }) => {
    const b = segmentBounds(spec.steps, spec.checkpointInterval, segment);
    if (segment > 0 && !stateBytes) throw new JobsError('REPLAY_FAILED', `segment ${segment} needs the state of checkpoint ${segment}`);
    return { segment, stateBytes, captureAt, ...b };
  });
  const stepsTotal = plan.reduce((a, p) => a + p.to - p.from, 0);
  let stepsDone = 0;
  let lastPost = performance.now();
  const t0 = performance.now();
  const h0 = stepHash(input.jobId, s0);
  const segmentHashes: Uint8Array[][] = [];
  const startHashes: Uint8Array[] = [];
  const captured: Array<Uint8Array | null> = [];
  const segmentLosses: Uint8Array[] = [];
  for (const p of plan) {
    const bits: Uint8Array[] = [];
    // segment 0 starts from the derived state by definition (docs/jobs.md §4), whatever bytes came along
    const from = p.segment === 0 ? s0 : decodeState(p.stateBytes!, tr.layout);
    let kept: Uint8Array | null = p.captureAt === p.from ? encodeState(from) : null;
    const hashes = replaySegment(spec, dataset, input.jobId, input.seed, from, p.from, p.to, (_t, loss, s) => {
      bits.push(lossBits(loss));
      if (s.step === p.captureAt) kept = encodeState(s);
      stepsDone++;
      const now = performance.now();
      if (now - lastPost >= progressIntervalMs) {
        lastPost = now;
        post({ id, type: 'progress', segment: p.segment, stepsDone, stepsTotal });
      }
    });
    startHashes.push(hashes[0]!);
    segmentHashes.push(hashes.slice(1));
    captured.push(kept);
    segmentLosses.push(concatBytes(...bits));
    post({ id, type: 'progress', segment: p.segment, stepsDone, stepsTotal });
  }
  return { h0, segmentHashes, segmentLosses, startHashes, cpuMs: performance.now() - t0, captured };
}

// Requests arrive one at a time (the caller waits for the answer before sending the next).
parentPort!.on('message', (req: WorkerRequest) => {
  run(req).then(
    (r) => post({ id: req.id, type: 'done', ...r }),
    (e: unknown) => post({
      id: req.id,
      type: 'error',
      code: e instanceof JobsError ? e.code : e instanceof MlError ? `ML:${e.code}` : 'REPLAY_FAILED',
      message: errorMessage(e),
    }),
  );
});
