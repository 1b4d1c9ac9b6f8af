// The golden transformer job: ml-runtime/specs/golden-transformer.json (2 blocks, dropout, untied
// head, AdamW with clipping) for its 24 steps on the tiny names set of tiny-lm.ts, traced on det.
// Shared by ml-runtime/train/golden-transformer.test.ts and scripts/transformer-trace.ts.
import { readFileSync } from 'node:fs';
import { parseSpec, localJobId, jobSeedForLocalRun, createTrainer, runTraceSync, datasetRoot, specHash } from '../../ml-runtime/index.ts';
import { bytesToHex } from '../../primitives/index.ts';
import { tinyTokenDataset } from './tiny-lm.ts';

export const GOLDEN_TRANSFORMER_DATASET = 'tiny-names';

export function runGoldenTransformer() {
  const spec = parseSpec(readFileSync(new URL('../../ml-runtime/specs/golden-transformer.json', import.meta.url), 'utf8'));
  const data = tinyTokenDataset(8, 1, undefined, GOLDEN_TRANSFORMER_DATASET);
  const jobId = localJobId(spec, GOLDEN_TRANSFORMER_DATASET);
  const seed = jobSeedForLocalRun(jobId);
  const tr = createTrainer(spec, data, seed);
  return { spec, data, jobId, seed, tr, r: runTraceSync(tr, jobId) };
}

/** The fields committed in ml-runtime/golden/traces.json (cases.transformer). */
export function goldenTransformerSummary(g: ReturnType<typeof runGoldenTransformer>) {
  return {
    spec: 'golden-transformer', dataset: GOLDEN_TRANSFORMER_DATASET, steps: g.spec.steps, specHash: bytesToHex(specHash(g.spec)),
    datasetRoot: bytesToHex(datasetRoot(g.data)), jobId: bytesToHex(g.jobId), seed: bytesToHex(g.seed), traceRoot: bytesToHex(g.r.traceRoot),
    checkpointsRoot: bytesToHex(g.r.checkpointsRoot), firstHash: bytesToHex(g.r.stepHashes[0]!), lastHash: bytesToHex(g.r.stepHashes.at(-1)!), finalLoss: g.r.losses.at(-1)!,
  };
}
