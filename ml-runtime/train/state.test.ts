import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSpec, validateSpec } from '../commitment/spec/index.ts';
import { loadDataset } from '../data/index.ts';
import { selectBackend } from '../backend-select.ts';
import { createTrainer, initialState, trainStep, checkState } from './step.ts';
import { encodeState, decodeState, stepHash, encodedStateLength, type TrainState } from '../commitment/state.ts';
import { powi, applyUpdate } from './optimizer.ts';
import { replaySegment, runTrace, runTraceSync } from './trace.ts';
import { makeCheckpoint, chunkBytes, chunkProof, verifyChunk, checkpointSteps, segmentBounds, segmentCount, firstMismatch } from '../commitment/index.ts';
import { MlError, NonFiniteStateError } from '../commitment/errors.ts';
import { sha256, utf8, u64be, bytesToHex } from '../../primitives/index.ts';


await selectBackend();
const iris = loadDataset('iris');
const spec = parseSpec(readFileSync(new URL('../specs/iris.json', import.meta.url), 'utf8'));
const seed = sha256(utf8('state-test-seed'));
const jobId = sha256(utf8('state-test-job'));
const tr = createTrainer(spec, iris.train, seed);
const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof MlError && e.code === code && re.test(e.message);

test('state encoding: layout, round trip, and step hash definition', () => {
  const s0 = initialState(tr);
  const bytes = encodeState(s0);
  assert.equal(bytes.length, encodedStateLength(s0));
  assert.deepEqual([...bytes.subarray(0, 4)], [...utf8('PCS1')]);
  assert.equal(bytes.length, 16 + 8 * 4 + 4 * (4 * 16 + 16 + 16 * 3 + 3) * 2); // params + momentum slots
  const back = decodeState(bytes, tr.layout);
  assert.deepEqual(back, s0);
  assert.deepEqual(stepHash(jobId, s0), sha256(utf8('polchain/step-hash/v1\u0000'), jobId, u64be(0), bytes));
  const s1 = trainStep(tr, s0).state;
  assert.equal(s1.step, 1);
  assert.notDeepEqual(stepHash(jobId, s1), stepHash(jobId, s0));
  assert.notDeepEqual(stepHash(sha256(utf8('other job')), s1), stepHash(jobId, s1));
  // biases start at zero, kernels are glorot-uniform within the limit
  assert.ok(s0.params[1]!.every((v) => v === 0));
  const lim = Math.sqrt(6 / (4 + 16));
  assert.ok(s0.params[0]!.every((v) => Math.abs(v) < lim) && s0.params[0]!.some((v) => v !== 0));
});

test('the step function is pure: same input state, same output bits', () => {
  const s0 = initialState(tr);
  const a = trainStep(tr, s0).state;
  const b = trainStep(tr, decodeState(encodeState(s0), tr.layout)).state;
  assert.deepEqual(encodeState(a), encodeState(b));
  assert.deepEqual(s0, initialState(tr), 'the input state is not modified');
});

test('decodeState rejects non-canonical and mismatching bytes with clear messages', () => {
  const bytes = encodeState(initialState(tr));
  const bad = (f: (b: Uint8Array) => Uint8Array, re: RegExp) => assert.throws(() => decodeState(f(bytes.slice()), tr.layout), isErr('STATE_DECODE', re));
  bad((b) => b.subarray(0, 10), /shorter than the 16-byte header/);
  bad((b) => { b[0] = 0x51; return b; }, /bad magic/);
  bad((b) => { b[15] = 9; return b; }, /9 tensors, the spec needs 8/);
  bad((b) => { b[19] = 65; return b; }, /tensor 0 has 65 elements, the spec needs 64/);
  bad((b) => b.subarray(0, b.length - 4), /tensor 7 truncated/);
  bad((b) => { const c = new Uint8Array(b.length + 1); c.set(b); return c; }, /1 trailing bytes/);
  const nan = bytes.slice();
  new DataView(nan.buffer).setFloat32(20 + 4 * 5, NaN, true);
  assert.throws(() => decodeState(nan, tr.layout), (e: unknown) => e instanceof NonFiniteStateError && e.code === 'STATE_NON_FINITE' && e.tensor === 'params[0]' && e.index === 5);
});

test('NaN or Inf ends the run with a typed error and is never hashed or encoded', () => {
  const s: TrainState = initialState(tr);
  s.params[2]![3] = Infinity;
  assert.throws(() => stepHash(jobId, s), (e: unknown) => e instanceof NonFiniteStateError && /params\[2\]\[3\]/.test(e.message));
  assert.throws(() => encodeState(s), (e: unknown) => e instanceof NonFiniteStateError);
  // a diverging run: huge learning rate on regression overflows to Inf/NaN
  const reg = loadDataset('synthetic-regression');
  const hot = validateSpec({ ...parseSpec(readFileSync(new URL('../specs/regression.json', import.meta.url), 'utf8')), optimizer: { type: 'sgd', learningRate: 1000 } });
  const rt = createTrainer(hot, reg.train, seed);
  assert.throws(() => runTraceSync(rt, jobId), (e: unknown) => e instanceof NonFiniteStateError && e.code === 'STATE_NON_FINITE' && /state at step \d+ has non-finite value/.test(e.message));
});

test('state/spec mismatches are typed errors', () => {
  const s = initialState(tr);
  assert.throws(() => checkState(tr, { ...s, params: s.params.slice(1) }), isErr('STATE_MISMATCH', /3 parameter and 4 slot tensors, the spec needs 4 and 4/));
  assert.throws(() => checkState(tr, { ...s, step: -1 }), isErr('STATE_MISMATCH', /step -1/));
  assert.throws(() => replaySegment(spec, iris.train, jobId, seed, s, 5, 7), isErr('STATE_MISMATCH', /replay from step 5 got a state at step 0/));
  assert.throws(() => createTrainer(spec, loadDataset('mnist').train, seed), isErr('SPEC_DATASET_MISMATCH', /inputShape \[4\] has 4 elements, dataset mnist\/train has 784 features/));
  assert.throws(() => createTrainer(spec, loadDataset('synthetic-classification').train, seed), isErr('SPEC_DATASET_MISMATCH', /inputShape \[4\] has 4 elements/));
  const reg = parseSpec(readFileSync(new URL('../specs/regression.json', import.meta.url), 'utf8'));
  assert.throws(() => createTrainer(validateSpec({ ...reg, inputShape: [4] }), iris.train, seed), isErr('SPEC_DATASET_MISMATCH', /output shape \[1\] does not match dataset iris\/train \(3 classes\)/));
  assert.throws(() => createTrainer(spec, iris.train, new Uint8Array(8)), isErr('PRF_INVALID', /seed must be 32 bytes/));
  assert.throws(() => stepHash(new Uint8Array(4), s), isErr('TRACE_INVALID', /job id must be 32 bytes/));
});

test('checkpoints: fixed-size chunks with Merkle proofs; segments cover the run', () => {
  const s = initialState(tr);
  const cp = makeCheckpoint(jobId, s, 100);
  assert.equal(cp.chunkCount, Math.ceil(cp.bytes.length / 100));
  const chunks = chunkBytes(cp.bytes, 100);
  assert.ok(chunks.slice(0, -1).every((c) => c.length === 100));
  for (let i = 0; i < chunks.length; i++) {
    const { chunk, proof } = chunkProof(cp.bytes, i, 100);
    assert.ok(verifyChunk(chunk, proof, cp.chunkRoot));
    const t = chunk.slice(); t[0] ^= 1;
    assert.ok(!verifyChunk(t, proof, cp.chunkRoot));
  }
  assert.deepEqual(checkpointSteps(60, 20), [0, 20, 40, 60]);
  assert.deepEqual(checkpointSteps(50, 20), [0, 20, 40, 50]);
  const odd = validateSpec({ ...spec, steps: 50 });
  assert.equal(segmentCount(odd.steps, odd.checkpointInterval), 3);
  assert.deepEqual(segmentBounds(odd.steps, odd.checkpointInterval, 2), { from: 40, to: 50 });
  assert.throws(() => segmentBounds(odd.steps, odd.checkpointInterval, 3), isErr('TRACE_INVALID', /segment 3 out of range 0\.\.2/));
});

test('replay from any checkpoint reproduces the trace, and a tampered hash is located', () => {
  const r = runTraceSync(tr, jobId);
  assert.equal(r.stepHashes.length, spec.steps + 1);
  for (const cp of r.checkpoints.slice(0, -1)) {
    const st = decodeState(cp.bytes, tr.layout);
    const got = replaySegment(spec, iris.train, jobId, seed, st, cp.step, spec.steps);
    assert.equal(firstMismatch(r.stepHashes.slice(cp.step), got, cp.step), null, `replay from ${cp.step}`);
  }
  const forged = r.stepHashes.slice(20, 41);
  forged[7] = sha256(utf8('forged'));
  const got = replaySegment(spec, iris.train, jobId, seed, decodeState(r.checkpoints[1]!.bytes, tr.layout), 20, 40);
  assert.equal(firstMismatch(forged, got, 20), 27);
  // the momentum iris model learns
  assert.ok(r.losses[r.losses.length - 1]! < r.losses[0]! * 0.5, `loss ${r.losses[0]} -> ${r.losses.at(-1)}`);
  void bytesToHex;
});

test('optimiser arithmetic: powi and an Adam step by hand', () => {
  assert.equal(powi(0.5, 10), 1 / 1024);
  assert.equal(powi(3, 0), 1);
  const opt = { type: 'adam' as const, learningRate: Math.fround(0.1), beta1: Math.fround(0.9), beta2: Math.fround(0.999), epsilon: Math.fround(1e-7) };
  const r = applyUpdate(opt, 0, [new Float32Array([1])], [new Float32Array([0]), new Float32Array([0])], [new Float32Array([2])]);
  const m = Math.fround((1 - opt.beta1) * 2); const v = Math.fround((1 - opt.beta2) * 4);
  const a = (opt.learningRate * Math.sqrt(1 - opt.beta2)) / (1 - opt.beta1);
  assert.equal(r.slots[0]![0], m);
  assert.equal(r.slots[1]![0], v);
  assert.equal(r.params[0]![0], Math.fround(1 - (a * m) / (Math.sqrt(v) + opt.epsilon)));
});

test('runTrace (hashes on a worker thread) gives exactly the runTraceSync result', async () => {
  const a = runTraceSync(tr, jobId);
  const b = await runTrace(tr, jobId);
  assert.deepEqual(b.stepHashes.map(bytesToHex), a.stepHashes.map(bytesToHex));
  assert.equal(bytesToHex(b.traceRoot), bytesToHex(a.traceRoot));
  assert.equal(bytesToHex(b.checkpointsRoot), bytesToHex(a.checkpointsRoot));
  assert.deepEqual(b.checkpoints.map((c) => c.step), a.checkpoints.map((c) => c.step));
  assert.deepEqual(b.losses, a.losses);
});

test('an unknown backend is a typed error', async () => {
  await assert.rejects(selectBackend('gpu-magic'), isErr('BACKEND_UNAVAILABLE', /no tfjs backend named "gpu-magic" is registered \(available: .*cpu/));
  assert.equal(await selectBackend('det'), 'det');
});
