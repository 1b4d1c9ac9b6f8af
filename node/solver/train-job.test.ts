import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { selectBackend, parseSpec, withSteps, loadDataset, createTrainer, runTraceSync, replaySegment, decodeState, firstMismatch, type Checkpoint, type ModelSpec } from '../../ml-runtime/index.ts';
import { trainJob, withLearningRate, skipStepsOf, type TraceSink } from './train-job.ts';
import { describeCheat, parseCheat, skippedSegments, skipPeriod } from './cheat.ts';
import { SolverError } from './errors.ts';
import { bytesToHex } from '../../primitives/index.ts';

const iris = loadDataset('iris');
const baseSpec = parseSpec(readFileSync(new URL('../../ml-runtime/specs/iris.json', import.meta.url), 'utf8'));
const jobId = new Uint8Array(32).fill(7);
const seed = new Uint8Array(32).fill(3);

class MemorySink implements TraceSink {
  hashes: Uint8Array[] = [];
  cps: Checkpoint[] = [];
  addStepHash(t: number, h: Uint8Array): void {
    assert.equal(t, this.hashes.length, 'step hashes arrive in order');
    this.hashes.push(h);
  }
  async addCheckpoint(cp: Checkpoint): Promise<void> {
    assert.ok(this.hashes.length > cp.step, 'a checkpoint comes after its step hash');
    await new Promise((r) => setImmediate(r)); // an asynchronous sink must not reorder anything
    this.cps.push(cp);
  }
}

function spec(steps: number, k: number): ModelSpec {
  return { ...withSteps(baseSpec, steps), checkpointInterval: k };
}

before(async () => { await selectBackend('det', { allowFallback: false }); });

test('honest training gives exactly runTraceSync: hashes, checkpoints, roots', async () => {
  const s = spec(45, 10); // T not a multiple of k: the last checkpoint is at T
  const ref = runTraceSync(createTrainer(s, iris.train, seed), jobId);
  const sink = new MemorySink();
  const losses: number[] = [];
  const r = await trainJob({ spec: s, dataset: iris.train, jobId, seed, sink, onStep: (t, l) => { assert.equal(t, losses.length); losses.push(l); } });
  assert.equal(bytesToHex(r.traceRoot), bytesToHex(ref.traceRoot));
  assert.equal(bytesToHex(r.checkpointsRoot), bytesToHex(ref.checkpointsRoot));
  assert.deepEqual(sink.hashes.map(bytesToHex), ref.stepHashes.map(bytesToHex));
  assert.deepEqual(sink.cps.map((c) => c.step), [0, 10, 20, 30, 40, 45]);
  assert.deepEqual(sink.cps.map((c) => bytesToHex(c.chunkRoot)), ref.checkpoints.map((c) => bytesToHex(c.chunkRoot)));
  assert.deepEqual(sink.cps.map((c) => Buffer.from(c.bytes).toString('base64')), ref.checkpoints.map((c) => Buffer.from(c.bytes).toString('base64')));
  assert.equal(bytesToHex(r.finalStepHash), bytesToHex(ref.stepHashes[45]!));
  assert.equal(bytesToHex(r.finalChunkRoot), bytesToHex(ref.checkpoints[5]!.chunkRoot));
  assert.equal(r.checkpointCount, 6);
  assert.deepEqual(losses, ref.losses);
  assert.deepEqual(r.skippedSteps, []);
});

test('withhold trains honestly (it only misbehaves later, on chain)', async () => {
  const s = spec(20, 10);
  const ref = runTraceSync(createTrainer(s, iris.train, seed), jobId);
  const r = await trainJob({ spec: s, dataset: iris.train, jobId, seed, sink: new MemorySink(), cheat: { kind: 'withhold' } });
  assert.equal(bytesToHex(r.traceRoot), bytesToHex(ref.traceRoot));
});

test('skip-steps fakes exactly the chosen segments: replay from their checkpoint disagrees, elsewhere it agrees', async () => {
  const s = spec(60, 10); // 6 segments
  const sink = new MemorySink();
  const r = await trainJob({ spec: s, dataset: iris.train, jobId, seed, sink, cheat: { kind: 'skip-steps', fraction: 0.5 } });
  assert.deepEqual(skippedSegments(6, 0.5), [0, 2, 4]);
  assert.deepEqual(r.skippedSteps, [0, 20, 40]);
  const honest = runTraceSync(createTrainer(s, iris.train, seed), jobId);
  assert.equal(bytesToHex(sink.hashes[0]!), bytesToHex(honest.stepHashes[0]!), 'state_0 is genuine');
  assert.notEqual(bytesToHex(r.traceRoot), bytesToHex(honest.traceRoot));
  const layout = createTrainer(s, iris.train, seed).layout;
  const faked: number[] = [];
  for (let j = 0; j < 6; j++) {
    const from = j * 10;
    const to = Math.min(from + 10, 60);
    const start = decodeState(sink.cps[j]!.bytes, layout);
    assert.equal(start.step, from);
    const replay = replaySegment(s, iris.train, jobId, seed, start, from, to);
    const claimed = sink.hashes.slice(from, to + 1);
    const m = firstMismatch(claimed, replay, from);
    if (m !== null) {
      faked.push(j);
      assert.equal(m, from + 1, `segment ${j}: the skipped update is its first step`);
    }
  }
  assert.deepEqual(faked, [0, 2, 4]);
});

test('skip-steps with fraction 1/3 picks every third segment; the fraction rounds to a period', async () => {
  assert.equal(skipPeriod(1 / 3), 3);
  assert.equal(skipPeriod(0.4), 3); // round(2.5) = 3
  assert.equal(skipPeriod(1), 1);
  assert.deepEqual(skippedSegments(7, 1 / 3), [0, 3, 6]);
  assert.deepEqual(skipStepsOf(spec(65, 10), 1 / 3), [0, 30, 60]);
});

test('wrong-lr agrees on h_0 and differs from step 1 on', async () => {
  const s = spec(20, 10);
  const honest = runTraceSync(createTrainer(s, iris.train, seed), jobId);
  const sink = new MemorySink();
  const r = await trainJob({ spec: s, dataset: iris.train, jobId, seed, sink, cheat: { kind: 'wrong-lr', factor: 0.5 } });
  assert.equal(bytesToHex(sink.hashes[0]!), bytesToHex(honest.stepHashes[0]!));
  assert.equal(firstMismatch(honest.stepHashes, sink.hashes), 1);
  for (let t = 1; t <= 20; t++) assert.notEqual(bytesToHex(sink.hashes[t]!), bytesToHex(honest.stepHashes[t]!), `h_${t} differs`);
  // and it is exactly an honest run of the spec with the other rate
  const other = runTraceSync(createTrainer(withLearningRate(s, 0.5), iris.train, seed), jobId);
  assert.equal(bytesToHex(r.traceRoot), bytesToHex(other.traceRoot));
  assert.equal(withLearningRate(s, 0.5).optimizer.learningRate, Math.fround(baseSpec.optimizer.learningRate * 0.5));
});

test('a parent job starts from its parameters with zero optimiser slots', async () => {
  const s = spec(10, 5);
  const parent = runTraceSync(createTrainer(s, iris.train, seed), jobId).finalState;
  const sink = new MemorySink();
  await trainJob({ spec: s, dataset: iris.train, jobId, seed, sink, initialParams: parent.params });
  const s0 = decodeState(sink.cps[0]!.bytes, createTrainer(s, iris.train, seed).layout);
  assert.deepEqual(s0.params.map((p) => [...p]), parent.params.map((p) => [...p]));
  assert.ok(s0.slots.every((a) => a.every((v) => v === 0)));
  await assert.rejects(trainJob({ spec: s, dataset: iris.train, jobId, seed, sink: new MemorySink(), initialParams: [new Float32Array(3)] }), /shapes/);
});

test('an aborted signal stops training; a failing sink fails the run', async () => {
  const ac = new AbortController();
  const s = spec(200, 10);
  let steps = 0;
  await assert.rejects(trainJob({ spec: s, dataset: iris.train, jobId, seed, sink: new MemorySink(), signal: ac.signal,
    onStep: (t) => { steps = t + 1; if (t === 20) ac.abort(new SolverError('SOLVER_STOPPED', 'test stop')); } }), /test stop/);
  assert.ok(steps < 40, `stopped soon after the abort (ran ${steps} steps)`);
  const failing: TraceSink = { addStepHash: (t) => { if (t === 12) throw new Error('disk full'); }, addCheckpoint: () => undefined };
  await assert.rejects(trainJob({ spec: s, dataset: iris.train, jobId, seed, sink: failing }), /disk full/);
});

test('parseCheat accepts the CLI forms and rejects the rest', () => {
  assert.deepEqual(parseCheat('skip-steps:0.5'), { kind: 'skip-steps', fraction: 0.5 });
  assert.deepEqual(parseCheat('wrong-lr'), { kind: 'wrong-lr', factor: 0.5 });
  assert.deepEqual(parseCheat('wrong-lr:2'), { kind: 'wrong-lr', factor: 2 });
  assert.deepEqual(parseCheat('withhold'), { kind: 'withhold' });
  assert.deepEqual(parseCheat('lie-loss'), { kind: 'lie-loss', factor: 0.5 });
  assert.deepEqual(parseCheat('lie-loss:0.9'), { kind: 'lie-loss', factor: 0.9 });
  assert.deepEqual(parseCheat('lie-loss:0.5:2'), { kind: 'lie-loss', factor: 0.5, segment: 2 });
  assert.equal(describeCheat(parseCheat('lie-loss:0.5:2')), 'lie-loss:0.5:2');
  for (const bad of ['skip-steps', 'skip-steps:', 'skip-steps:0', 'skip-steps:1.5', 'skip-steps:x', 'wrong-lr:1', 'wrong-lr:-2', 'withhold:1', 'nap', 'skip-steps:0.5:1', 'lie-loss:1', 'lie-loss:', 'lie-loss:-1', 'lie-loss:0.5:x', 'lie-loss:0.5:1:2', 'wrong-lr:2:1']) {
    assert.throws(() => parseCheat(bad), (e: unknown) => e instanceof SolverError && e.code === 'SOLVER_BAD_OPTIONS', bad);
  }
});

test('the sink is handed every step\'s loss to commit; lie-loss changes those losses and not one hash', async () => {
  const s = spec(20, 5);
  const ref = runTraceSync(createTrainer(s, iris.train, seed), jobId);
  class LossSink extends MemorySink { losses: number[] | null = null; setLosses(l: readonly number[]): void { this.losses = [...l]; } }
  const honest = new LossSink();
  await trainJob({ spec: s, dataset: iris.train, jobId, seed, sink: honest });
  assert.deepEqual(honest.losses, ref.losses, 'the trained losses, step by step');
  const liar = new LossSink();
  await trainJob({ spec: s, dataset: iris.train, jobId, seed, sink: liar, cheat: { kind: 'lie-loss', factor: 0.5 } });
  assert.deepEqual(liar.hashes, ref.stepHashes, 'every hash is honest');
  assert.deepEqual(liar.losses, ref.losses.map((l) => Math.fround(l * 0.5)));
  // lie-loss:0.5:1: only segment 1's losses (steps 5..9), a lie the sample may miss
  const one = new LossSink();
  await trainJob({ spec: s, dataset: iris.train, jobId, seed, sink: one, cheat: { kind: 'lie-loss', factor: 0.5, segment: 1 } });
  assert.deepEqual(one.hashes, ref.stepHashes);
  assert.deepEqual(one.losses, ref.losses.map((l, t) => (t >= 5 && t < 10 ? Math.fround(l * 0.5) : l)));
});
