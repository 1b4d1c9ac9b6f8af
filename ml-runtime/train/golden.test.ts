// Golden vectors: a 200-step MLP and a 50-step CNN on bundled MNIST under the det backend. The
// roots are committed in ml-runtime/golden/traces.json; any bit change in any kernel, the PRF,
// the dataset, the state encoding or the hashing changes them. Regenerate (a new runtime
// version!) with: UPDATE_GOLDEN=1 node --import tsx --test ml-runtime/train/golden.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseSpec, withSteps, specHash, type ModelSpec } from '../commitment/spec/index.ts';
import { loadDataset } from '../data/index.ts';
import { datasetRoot } from '../commitment/index.ts';
import { selectBackend, detRuntimeVersion } from '../backend-select.ts';
import { localJobId, jobSeedForLocalRun } from '../commitment/job.ts';

import { createTrainer, runTraceSync, replaySegment } from './index.ts';
import { decodeState, firstMismatch, segmentBounds, segmentCount, stepHashProof, verifyStepHash } from '../commitment/index.ts';
import { bytesToHex } from '../../primitives/index.ts';

const goldenUrl = new URL('../golden/traces.json', import.meta.url);
const specOf = (name: string): ModelSpec => parseSpec(readFileSync(new URL(`../specs/${name}.json`, import.meta.url), 'utf8'));

interface GoldenCase { spec: string; dataset: string; steps: number; specHash: string; datasetRoot: string; jobId: string; seed: string; traceRoot: string; checkpointsRoot: string; firstHash: string; lastHash: string; finalLoss: number }
interface Golden { backend: string; runtimeVersion: string | null; cases: Record<string, GoldenCase> }

function run(name: string, steps?: number) {
  const base = specOf(name);
  const spec = steps ? withSteps(base, steps) : base;
  const data = loadDataset('mnist');
  const jobId = localJobId(base, 'mnist');
  const seed = jobSeedForLocalRun(jobId);
  const tr = createTrainer(spec, data.train, seed);
  return { spec, data, jobId, seed, tr, r: runTraceSync(tr, jobId) };
}

// Child-process mode: print the first 21 step hashes of the golden MLP and exit.
if (process.env.POLCHAIN_GOLDEN_CHILD) {
  await selectBackend('det');
  const { r } = run('golden-mlp', 20);
  process.stdout.write(JSON.stringify(r.stepHashes.map(bytesToHex)) + '\n');
} else {
  await selectBackend('det');
  const results = { mlp: run('golden-mlp'), cnn: run('golden-cnn') };

  if (process.env.UPDATE_GOLDEN) {
    const g: Golden = { backend: 'det', runtimeVersion: await detRuntimeVersion(), cases: {} };
    for (const [k, v] of Object.entries(results)) {
      g.cases[k] = {
        spec: k === 'mlp' ? 'golden-mlp' : 'golden-cnn', dataset: 'mnist', steps: v.spec.steps, specHash: bytesToHex(specHash(v.spec)),
        datasetRoot: bytesToHex(datasetRoot(v.data.train)), jobId: bytesToHex(v.jobId), seed: bytesToHex(v.seed), traceRoot: bytesToHex(v.r.traceRoot),
        checkpointsRoot: bytesToHex(v.r.checkpointsRoot), firstHash: bytesToHex(v.r.stepHashes[0]!), lastHash: bytesToHex(v.r.stepHashes.at(-1)!), finalLoss: v.r.losses.at(-1)!,
      };
    }
    writeFileSync(goldenUrl, JSON.stringify(g, null, 2) + '\n');
  }
  const golden = JSON.parse(readFileSync(goldenUrl, 'utf8')) as Golden;

  test('golden vectors were computed on the det backend of this runtime version', async () => {
    assert.equal(golden.backend, 'det');
    assert.equal(golden.runtimeVersion, await detRuntimeVersion());
  });

  for (const [k, v] of Object.entries(results)) {
    test(`golden ${k}: ${v.spec.steps}-step trace root and checkpoints root recompute bit for bit`, () => {
      const g = golden.cases[k]!;
      assert.equal(v.spec.steps, k === 'mlp' ? 200 : 50);
      assert.equal(bytesToHex(specHash(v.spec)), g.specHash);
      assert.equal(bytesToHex(datasetRoot(v.data.train)), g.datasetRoot);
      assert.equal(bytesToHex(v.seed), g.seed);
      assert.equal(bytesToHex(v.r.stepHashes[0]!), g.firstHash, 'h_0 (initialisation)');
      assert.equal(bytesToHex(v.r.stepHashes.at(-1)!), g.lastHash, 'h_T');
      assert.equal(bytesToHex(v.r.traceRoot), g.traceRoot);
      assert.equal(bytesToHex(v.r.checkpointsRoot), g.checkpointsRoot);
      assert.equal(v.r.losses.at(-1), g.finalLoss);
      assert.ok(v.r.losses.at(-1)! < v.r.losses[0]!, 'the loss went down');
      const p = stepHashProof(v.r.stepHashes, 17);
      assert.ok(verifyStepHash(v.r.stepHashes[17]!, p, v.r.traceRoot));
    });

    test(`golden ${k}: replay of every segment from its checkpoint gives the same hashes`, () => {
      const { spec, data, jobId, seed, tr, r } = v;
      for (let j = 0; j < segmentCount(spec.steps, spec.checkpointInterval); j++) {
        const { from, to } = segmentBounds(spec.steps, spec.checkpointInterval, j);
        const cp = r.checkpoints.find((c) => c.step === from)!;
        const got = replaySegment(spec, data.train, jobId, seed, decodeState(cp.bytes, tr.layout), from, to);
        assert.equal(got.length, to - from + 1);
        assert.equal(firstMismatch(r.stepHashes.slice(from, to + 1), got, from), null, `segment ${j}`);
      }
    });
  }

  test("tfjs's cpu backend does not reproduce det's bits (a non-det run is detectable at step 1)", async () => {
    const { spec, data, jobId, seed, r } = results.mlp;
    try {
      await selectBackend('cpu');
      const got = replaySegment(spec, data.train, jobId, seed, decodeState(r.checkpoints[0]!.bytes, createTrainer(spec, data.train, seed).layout), 0, 1);
      assert.equal(bytesToHex(got[0]!), bytesToHex(r.stepHashes[0]!), 'h_0 depends on no kernel');
      assert.notEqual(bytesToHex(got[1]!), bytesToHex(r.stepHashes[1]!));
    } finally {
      await selectBackend('det');
    }
  });

  test("det's scalar path (SIMD off) gives the same step hashes as its default path", async () => {
    const det = (await import('../det/index.ts')) as unknown as { setDetSimd(on: boolean): void; detSimdEnabled(): boolean };
    assert.equal(typeof det.setDetSimd, 'function');
    const before = det.detSimdEnabled();
    try {
      det.setDetSimd(false);
      for (const [k, n] of [['mlp', 20], ['cnn', 10]] as const) {
        const { spec, data, jobId, seed, tr, r } = results[k];
        const got = replaySegment(spec, data.train, jobId, seed, decodeState(r.checkpoints[0]!.bytes, tr.layout), 0, n);
        assert.deepEqual(got.map(bytesToHex), r.stepHashes.slice(0, n + 1).map(bytesToHex), k);
      }
    } finally {
      det.setDetSimd(before);
    }
  });

  test('1, 2 and 4 det worker threads give the golden step hashes', async () => {
    const det = (await import('../det/index.ts')) as unknown as { setDetThreads(n: number): void; detThreads(): number };
    const before = det.detThreads();
    try {
      for (const threads of [1, 2, 4]) {
        det.setDetThreads(threads);
        assert.equal(det.detThreads(), threads);
        for (const [k, n] of [['mlp', 12], ['cnn', 4]] as const) {
          const { spec, data, jobId, seed, tr, r } = results[k];
          const got = replaySegment(spec, data.train, jobId, seed, decodeState(r.checkpoints[0]!.bytes, tr.layout), 0, n);
          assert.deepEqual(got.map(bytesToHex), r.stepHashes.slice(0, n + 1).map(bytesToHex), `${k} with ${threads} threads`);
        }
      }
    } finally {
      det.setDetThreads(before);
    }
  });

  test('a separate process computes the same step hashes', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, POLCHAIN_GOLDEN_CHILD: '1' }, encoding: 'utf8', maxBuffer: 1 << 24,
    });
    assert.equal(child.status, 0, child.stderr);
    const line = child.stdout.trim().split('\n').at(-1)!;
    assert.deepEqual(JSON.parse(line), results.mlp.r.stepHashes.slice(0, 21).map(bytesToHex));
  });
}
