// The dispute referee against real runs: for state_t of a run of the real training loop and the
// canonical bytes of step t's samples, referee.step gives exactly the run's h_{t+1} (MNIST MLP with
// dropout, a small MNIST CNN, iris with a batch that straddles two epochs, a regression); a changed
// state gives another hash, bad inputs give `invalid`, a divergent step `non-finite`; initialHash
// is the run's h_0, from the PRF or from a parent's final state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  MlError, NonFiniteStateError, batchIndices, canonicalSpecJson, createTrainer, decodeState, encodeSample, encodeState, initialState,
  initialStateFromParent, jobSeedForLocalRun, loadDataset, localJobId, parseSpec, runTraceSync, selectBackend, stepHash, tf, trainStep,
  validateSpec, withSteps, type Dataset, type ModelSpec, type RefereeResult, type RefereeStepInput, type StepReferee, type TraceHook,
} from '../index.ts';
import { bytesToHex, sha256, utf8 } from '../../primitives/index.ts';
import { createDetReferee, loadDetReferee } from './index.ts';

const specFile = (name: string): ModelSpec => parseSpec(readFileSync(new URL(`../specs/${name}.json`, import.meta.url), 'utf8'));
const mnist = loadDataset('mnist').train;

interface Run {
  spec: ModelSpec;
  specBytes: Uint8Array;
  data: Dataset;
  jobId: Uint8Array;
  seed: Uint8Array;
  /** canonical encodings of state_0 .. state_T as the training loop produced them */
  states: Uint8Array[];
  hashes: Uint8Array[];
}

/** A real run of `steps` steps through the training loop (runTraceSync), keeping every state's encoding. */
function realRun(base: ModelSpec, data: Dataset, steps: number, tag: string, hooks: TraceHook[] = []): Run {
  const spec = withSteps(base, steps);
  const jobId = sha256(utf8(`referee-test/${tag}`));
  const seed = jobSeedForLocalRun(jobId);
  const states: Uint8Array[] = [];
  const keep: TraceHook = { onStep: (t, _loss, s) => { states[t + 1] = encodeState(s); } };
  const r = runTraceSync(createTrainer(spec, data, seed), jobId, { hooks: [...hooks, keep] });
  states[0] = r.checkpoints.find((c) => c.step === 0)!.bytes;
  assert.equal(states.length, steps + 1);
  return { spec, specBytes: utf8(canonicalSpecJson(spec)), data, jobId, seed, states, hashes: r.stepHashes };
}

function samplesOf(run: Run, t: number): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  for (const i of batchIndices(run.seed, t, run.spec.batchSize, run.data.count)) m.set(i, encodeSample(run.data, i));
  return m;
}

function stepInput(run: Run, t: number, over: Partial<RefereeStepInput> = {}): RefereeStepInput {
  return { jobId: run.jobId, spec: run.specBytes, seed: run.seed, datasetSize: run.data.count, t, state: run.states[t]!, samples: samplesOf(run, t), ...over };
}

function hashOf(r: RefereeResult): string {
  assert.equal(r.kind, 'hash', r.kind === 'hash' ? '' : r.reason);
  return bytesToHex((r as { hash: Uint8Array }).hash);
}

function invalid(r: RefereeResult, pattern: RegExp): void {
  assert.equal(r.kind, 'invalid', `expected invalid, got ${r.kind}`);
  assert.match((r as { reason: string }).reason, pattern);
}

/** A sample encoding by hand: u8 features, class label or regression targets (dataset.ts §v1). */
function sampleBytes(features: number, label: { cls: number } | { targets: number[] }): Uint8Array {
  const lBytes = 'cls' in label ? 4 : 4 + 4 * label.targets.length;
  const out = new Uint8Array(6 + features + 1 + lBytes);
  const dv = new DataView(out.buffer);
  out[0] = 1; out[1] = 0; dv.setUint32(2, features, false);
  for (let j = 0; j < features; j++) out[6 + j] = (j * 7) & 0xff;
  let o = 6 + features;
  if ('cls' in label) { out[o++] = 0; dv.setUint32(o, label.cls, false); } else {
    out[o++] = 1; dv.setUint32(o, label.targets.length, false); o += 4;
    for (const v of label.targets) { dv.setFloat32(o, v, true); o += 4; }
  }
  return out;
}

await selectBackend('det', { allowFallback: false });
const referee: StepReferee = createDetReferee();
const mlp = realRun(specFile('golden-mlp'), mnist, 6, 'mlp');

test('the referee runs the det runtime', () => {
  assert.deepEqual(referee.runtimes, ['det-1']);
  assert.equal(tf.getBackend(), 'det');
});

test('MNIST MLP (Adam, dropout): referee.step from state_t of a real run gives the run\'s h_{t+1}', () => {
  for (const t of [0, 3, 5]) {
    assert.equal(hashOf(referee.step(stepInput(mlp, t))), bytesToHex(mlp.hashes[t + 1]!), `t = ${t}`);
  }
});

test('small MNIST CNN (conv, max/avg pool, sigmoid, dropout): referee.step gives the run\'s h_{t+1}', () => {
  const cnn = realRun(specFile('golden-cnn'), mnist, 4, 'cnn');
  for (const t of [1, 3]) assert.equal(hashOf(referee.step(stepInput(cnn, t))), bytesToHex(cnn.hashes[t + 1]!), `t = ${t}`);
});

test('iris (momentum): a batch that straddles two epochs, so an index may repeat; extra samples are ignored', () => {
  const iris = loadDataset('iris').train; // 120 samples, batch 16: step 7 holds positions 112..127
  const run = realRun(specFile('iris'), iris, 9, 'iris');
  assert.ok(7 * 16 < iris.count && 8 * 16 > iris.count, 'step 7 takes its batch from epochs 0 and 1');
  const idx = [...batchIndices(run.seed, 7, 16, iris.count)];
  const samples = samplesOf(run, 7);
  samples.set(idx.includes(0) ? 1 : 0, encodeSample(iris, idx.includes(0) ? 1 : 0)); // not in the batch
  for (const t of [7, 8]) {
    const input = t === 7 ? stepInput(run, 7, { samples }) : stepInput(run, t);
    assert.equal(hashOf(referee.step(input)), bytesToHex(run.hashes[t + 1]!), `t = ${t}`);
  }
});

test('regression (mse, sgd, f32 features and targets): referee.step gives the run\'s h_{t+1}', () => {
  const run = realRun(specFile('regression'), loadDataset('synthetic-regression').train, 4, 'regression');
  for (const t of [0, 2]) assert.equal(hashOf(referee.step(stepInput(run, t))), bytesToHex(run.hashes[t + 1]!), `t = ${t}`);
  const m = samplesOf(run, 1);
  const i = m.keys().next().value!;
  m.set(i, sampleBytes(8, { targets: [1, 2] }));
  invalid(referee.step(stepInput(run, 1, { samples: m })), /2 targets, the spec's output has 1/);
  m.set(i, sampleBytes(8, { cls: 0 }));
  invalid(referee.step(stepInput(run, 1, { samples: m })), /class label, the spec trains a regression/);
});

test('a state with one weight changed gives another hash: that of the honest step from it', () => {
  const t = 2;
  const tr = createTrainer(mlp.spec, mnist, mlp.seed);
  const s = decodeState(mlp.states[t]!, tr.layout);
  const w = s.params[2]!;
  w[5] = -w[5]!; // the first dense layer's kernel is params[0]; params[2] is the second layer's kernel
  const got = hashOf(referee.step(stepInput(mlp, t, { state: encodeState(s) })));
  assert.notEqual(got, bytesToHex(mlp.hashes[t + 1]!));
  assert.equal(got, bytesToHex(stepHash(mlp.jobId, trainStep(tr, s).state)));
});

test('the batch is the PRF\'s batch of step t, the seed and job id are the job\'s', () => {
  const t = 1;
  const other = samplesOf(mlp, t + 1); // every sample of another step's batch
  invalid(referee.step(stepInput(mlp, t, { samples: other })), /missing/);
  const seed2 = sha256(utf8('another seed'));
  const s2 = new Map([...samplesOf(mlp, t), ...[...batchIndices(seed2, t, 32, mnist.count)].map((i) => [i, encodeSample(mnist, i)] as const)]);
  assert.notEqual(hashOf(referee.step(stepInput(mlp, t, { seed: seed2, samples: s2 }))), bytesToHex(mlp.hashes[t + 1]!));
  assert.notEqual(hashOf(referee.step(stepInput(mlp, t, { jobId: sha256(utf8('another job')) }))), bytesToHex(mlp.hashes[t + 1]!));
});

test('invalid: a step counter other than t, a missing sample, a wrong feature count, a class out of range', () => {
  const t = 2;
  // state_2 offered as state_3, with step 3's samples
  invalid(referee.step(stepInput(mlp, t + 1, { state: mlp.states[t]! })), /step counter is 2, the disputed step is 3/);
  const idx = [...batchIndices(mlp.seed, t, 32, mnist.count)];
  const missing = samplesOf(mlp, t);
  missing.delete(idx[17]!);
  invalid(referee.step(stepInput(mlp, t, { samples: missing })), new RegExp(`sample ${idx[17]} \\(batch row 17\\): missing`));
  const short = samplesOf(mlp, t);
  short.set(idx[4]!, sampleBytes(783, { cls: 3 }));
  invalid(referee.step(stepInput(mlp, t, { samples: short })), /783 features, the spec's input has 784/);
  const cls = samplesOf(mlp, t);
  cls.set(idx[0]!, sampleBytes(784, { cls: 10 }));
  invalid(referee.step(stepInput(mlp, t, { samples: cls })), /class 10 is not below the spec's 10 outputs/);
  cls.set(idx[0]!, sampleBytes(784, { cls: 9 })); // in range: a (different) hash
  assert.notEqual(hashOf(referee.step(stepInput(mlp, t, { samples: cls }))), bytesToHex(mlp.hashes[t + 1]!));
  const garbage = samplesOf(mlp, t);
  garbage.set(idx[1]!, new Uint8Array([2, 0, 0]));
  invalid(referee.step(stepInput(mlp, t, { samples: garbage })), /sample encoding: unknown version/);
});

test('invalid: a state that does not decode under the spec, a bad spec, a step outside the job, a bad dataset size', () => {
  const t = 1;
  invalid(referee.step(stepInput(mlp, t, { state: mlp.states[t]!.subarray(0, 1000) })), /STATE_DECODE/);
  const nan = decodeState(mlp.states[t]!, createTrainer(mlp.spec, mnist, mlp.seed).layout);
  const bytes = encodeState(nan);
  new DataView(bytes.buffer).setFloat32(16 + 4 + 8, Number.NaN, true);
  invalid(referee.step(stepInput(mlp, t, { state: bytes })), /STATE_NON_FINITE/); // an input state is never non-finite
  const cnnSpec = utf8(canonicalSpecJson(specFile('golden-cnn')));
  invalid(referee.step(stepInput(mlp, t, { spec: cnnSpec })), /STATE_DECODE/);
  invalid(referee.step(stepInput(mlp, t, { spec: utf8('{"format":') })), /SPEC_INVALID_JSON/);
  invalid(referee.step(stepInput(mlp, t, { spec: new Uint8Array([0xff, 0xfe]) })), /not valid UTF-8/);
  invalid(referee.step(stepInput(mlp, 6, { state: mlp.states[6]! })), /step 6 is not one of the job's steps 0\.\.5/);
  invalid(referee.step(stepInput(mlp, t, { datasetSize: 0 })), /dataset size 0/);
  invalid(referee.step(stepInput(mlp, t, { datasetSize: 1.5 })), /dataset size 1.5/);
  invalid(referee.step(stepInput(mlp, t, { seed: new Uint8Array(31) })), /seed must be 32 bytes/);
  invalid(referee.step(stepInput(mlp, t, { jobId: new Uint8Array(5) })), /job id must be 32 bytes/);
  // still exact after all of that (the spec cache holds the right entry)
  assert.equal(hashOf(referee.step(stepInput(mlp, t))), bytesToHex(mlp.hashes[t + 1]!));
});

test('non-finite: a state with huge weights whose step overflows float32 gives non-finite, as the honest step throws', () => {
  const spec = validateSpec({
    format: 'polchain/model-spec/v1', inputShape: [784], layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
    loss: 'categorical_crossentropy', optimizer: { type: 'sgd', learningRate: 0.1 }, batchSize: 8, steps: 10, checkpointInterval: 5,
  });
  const jobId = sha256(utf8('referee-test/diverge'));
  const seed = jobSeedForLocalRun(jobId);
  const tr = createTrainer(spec, mnist, seed);
  const run: Run = { spec, specBytes: utf8(canonicalSpecJson(spec)), data: mnist, jobId, seed, states: [], hashes: [] };
  const s0 = initialState(tr);
  run.states[0] = encodeState(s0);
  assert.equal(referee.step(stepInput(run, 0)).kind, 'hash', 'the same step from sane weights is finite');
  // MNIST pixels are >= 0: hidden units near 1e22, logits past float32's range, softmax NaN
  const huge = { step: 0, params: s0.params.map((p, i) => (i % 2 === 0 ? p.map(() => 1e20) : p)), slots: s0.slots };
  assert.throws(() => trainStep(tr, huge), NonFiniteStateError);
  run.states[0] = encodeState(huge);
  const r = referee.step(stepInput(run, 0));
  assert.equal(r.kind, 'non-finite');
  assert.match((r as { reason: string }).reason, /STATE_NON_FINITE: state at step 1 has non-finite value NaN in params\[0\]\[0\]/);
});

test('initialHash: the run\'s h_0 without a parent; with a parent, h_0 of its parameters with zero slots', () => {
  const r0 = referee.initialHash({ jobId: mlp.jobId, spec: mlp.specBytes, seed: mlp.seed, parentState: null });
  assert.equal(hashOf(r0), bytesToHex(mlp.hashes[0]!));
  // a child of the MLP run (Adam, 2 slot copies) with momentum (1 slot copy) and a new job id and seed
  const childSpec = validateSpec({ ...mlp.spec, optimizer: { type: 'momentum', learningRate: 0.01 }, steps: 3, checkpointInterval: 3 });
  const parentParams = decodeState(mlp.states[6]!, createTrainer(mlp.spec, mnist, mlp.seed).layout).params;
  const child = realRun(childSpec, mnist, 3, 'child', [{ initial: (s) => ({ step: 0, params: parentParams.map((p) => p.slice()), slots: s.slots }) }]);
  const rc = referee.initialHash({ jobId: child.jobId, spec: child.specBytes, seed: child.seed, parentState: mlp.states[6]! });
  assert.equal(hashOf(rc), bytesToHex(child.hashes[0]!));
  const ctr = createTrainer(childSpec, mnist, child.seed);
  assert.equal(hashOf(rc), bytesToHex(stepHash(child.jobId, initialStateFromParent(ctr, mlp.states[6]!))));
  assert.notEqual(hashOf(rc), hashOf(referee.initialHash({ jobId: child.jobId, spec: child.specBytes, seed: child.seed, parentState: null })));
  // and the child's first step from there is the child run's h_1
  assert.equal(hashOf(referee.step(stepInput(child, 0))), bytesToHex(child.hashes[1]!));
  const cnnParent = realRun(specFile('golden-cnn'), mnist, 1, 'cnn-parent').states[1]!;
  invalid(referee.initialHash({ jobId: child.jobId, spec: child.specBytes, seed: child.seed, parentState: cnnParent }), /STATE_DECODE/);
  invalid(referee.initialHash({ jobId: child.jobId, spec: child.specBytes, seed: child.seed, parentState: new Uint8Array(10) }), /shorter than a state header/);
  invalid(referee.initialHash({ jobId: child.jobId, spec: child.specBytes, seed: new Uint8Array(3), parentState: null }), /seed must be 32 bytes/);
});

test('the referee switches back to det when another backend is active, and never computes on it', async () => {
  const t = 4;
  try {
    await selectBackend('cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal(hashOf(referee.step(stepInput(mlp, t))), bytesToHex(mlp.hashes[t + 1]!));
    assert.equal(tf.getBackend(), 'det');
  } finally {
    await selectBackend('det');
  }
  const again = await loadDetReferee();
  assert.equal(hashOf(again.step(stepInput(mlp, t))), bytesToHex(mlp.hashes[t + 1]!));
});

test('createDetReferee throws BACKEND_UNAVAILABLE when det has not been loaded (no silent fallback)', () => {
  const mod = fileURLToPath(new URL('../index.ts', import.meta.url));
  const script = `const m = await import(${JSON.stringify(mod)});
try { m.createDetReferee(); console.log('created'); } catch (e) { console.log(e instanceof m.MlError ? e.code : 'other: ' + e.message); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'BACKEND_UNAVAILABLE', r.stderr);
  assert.ok(new MlError('BACKEND_UNAVAILABLE', 'x').code === 'BACKEND_UNAVAILABLE');
});
