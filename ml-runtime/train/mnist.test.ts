// Real learning under det: the bundled MLP spec (784-128-10, Adam 1e-3, batch 64) reaches at
// least 90% accuracy on the 2,000 held-out MNIST digits within MNIST_STEPS steps (3.2 epochs of
// the 8,000 training digits). Documented in docs/ml-runtime.md with its measured time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSpec } from '../commitment/spec/index.ts';
import { loadDataset } from '../data/index.ts';
import { selectBackend } from '../backend-select.ts';
import { localJobId, jobSeedForLocalRun } from '../commitment/job.ts';
import { createTrainer, initialState, trainStep, evaluate } from './index.ts';

export const MNIST_STEPS = 400;

test(`MLP on bundled MNIST reaches >= 90% test accuracy under det within ${MNIST_STEPS} steps`, async () => {
  assert.equal(await selectBackend('det'), 'det');
  const spec = parseSpec(readFileSync(new URL('../specs/mlp-mnist.json', import.meta.url), 'utf8'));
  const data = loadDataset('mnist');
  const jobId = localJobId(spec, 'mnist');
  const tr = createTrainer(spec, data.train, jobSeedForLocalRun(jobId));
  let s = initialState(tr);
  const before = evaluate(tr, s, data.test).accuracy!;
  for (let t = 0; t < MNIST_STEPS; t++) s = trainStep(tr, s).state;
  const after = evaluate(tr, s, data.test);
  assert.ok(before < 0.3, `untrained accuracy ${before}`);
  assert.ok(after.accuracy! >= 0.9, `accuracy after ${MNIST_STEPS} steps: ${after.accuracy}`);
});
