// Fixtures shared by node/jobs tests: small real training runs recorded as solver artifacts.
// Not part of the public surface (index.ts does not export it).
import { readFileSync } from 'node:fs';
import { createTrainer, datasetRoot, loadDataset, parseSpec, runTraceSync, selectBackend, withSteps, canonicalSpecJson, type ModelSpec } from '../../ml-runtime/index.ts';
import { SolverArtifacts } from '../../node/jobs/index.ts';
import { sha256, utf8 } from '../../primitives/index.ts';

export function bundledSpec(file: 'iris.json' | 'regression.json', steps?: number): ModelSpec {
  const spec = parseSpec(readFileSync(new URL(`../../ml-runtime/specs/${file}`, import.meta.url), 'utf8'));
  return steps === undefined ? spec : withSteps(spec, steps);
}

/** Iris with a 2048-unit hidden layer and momentum: a 131 144-byte state, i.e. three chunks (64 KiB, 64 KiB, 72 B). */
export function wideIrisSpec(steps = 6, checkpointInterval = 2): ModelSpec {
  return parseSpec(JSON.stringify({
    format: 'polchain/model-spec/v1',
    inputShape: [4],
    layers: [{ type: 'dense', units: 2048, activation: 'tanh' }, { type: 'dense', units: 3, activation: 'softmax' }],
    loss: 'categorical_crossentropy',
    optimizer: { type: 'momentum', learningRate: 0.01, momentum: 0.9 },
    batchSize: 16,
    steps,
    checkpointInterval,
  }));
}

export function testId(label: string): Uint8Array {
  return sha256(utf8(`polchain/test/${label}`));
}

/** Trains `spec` on a bundled dataset with the det backend, recording artifacts under `dir`. */
export async function trainRecorded(dir: string, spec: ModelSpec, datasetName: string, label: string) {
  await selectBackend('det', { allowFallback: false });
  const jobId = testId(`${label}/job`);
  const seed = testId(`${label}/seed`);
  const dataset = loadDataset(datasetName).train;
  const tr = createTrainer(spec, dataset, seed);
  const specJson = canonicalSpecJson(spec);
  const w = SolverArtifacts.create(dir, { jobId, specJson, datasetRoot: datasetRoot(dataset), seed });
  const trace = runTraceSync(tr, jobId, { sink: w });
  const artifacts = await w.finish();
  return { jobId, seed, spec, specJson, dataset, trace, artifacts };
}
