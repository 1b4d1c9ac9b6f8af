import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlError, checkpointLeaf, createTrainer, datasetRoot, encodeState, makeCheckpoint, requiredOpenings, requiredRanges, runTrace, verifyChunk } from '../../ml-runtime/index.ts';
import { JobsError, SolverArtifacts } from './index.ts';
import { bundledSpec, testId, trainRecorded, wideIrisSpec } from '../../test/helpers/job-fixtures.ts';
import { leafHash, merkleProof, merkleRangeProof, merkleRootFromLeafHashes, sha256, verifyMerkleProof, verifyMerkleRange, u64be, errorMessage } from '../../primitives/index.ts';

function tmp(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-artifacts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const isCode = (code: string) => (e: unknown) => e instanceof JobsError && e.code === code;

test('a recorded run reopens after a restart with its commitment, step hashes and checkpoint states', async (t) => {
  const dir = tmp(t);
  const run = await trainRecorded(dir, bundledSpec('iris.json', 50), 'iris', 'art/roundtrip'); // k = 20: checkpoints at 0, 20, 40, 50
  const a = await SolverArtifacts.open(dir, run.jobId); // a fresh reader: nothing shared with the writer
  const c = a.commitment();
  assert.deepEqual(c.traceRoot, run.trace.traceRoot);
  assert.deepEqual(c.checkpointsRoot, run.trace.checkpointsRoot);
  assert.deepEqual(c.finalStepHash, run.trace.stepHashes[50]);
  assert.deepEqual(c.finalChunkRoot, makeCheckpoint(run.jobId, run.trace.finalState).chunkRoot);
  assert.deepEqual(await a.stepHashes(0, 50), run.trace.stepHashes);
  assert.deepEqual(await a.stepHashes(20, 21), run.trace.stepHashes.slice(20, 22));
  assert.deepEqual(a.checkpoints.map((x) => x.step), [0, 20, 40, 50]);
  assert.deepEqual(await a.checkpointBytes(3), encodeState(run.trace.finalState));
  assert.deepEqual([a.T, a.k, a.specJson, a.seed, a.datasetRoot], [50, 20, run.specJson, run.seed, datasetRoot(run.dataset)]);
  assert.equal(a.spec.steps, 50);
});

test('runTrace feeding the writer records the same job as runTraceSync', async (t) => {
  const dir1 = tmp(t);
  const dir2 = tmp(t);
  const spec = bundledSpec('regression.json', 25); // k = 10: T not a multiple of k
  const sync = await trainRecorded(dir1, spec, 'synthetic-regression', 'art/async');
  const w = SolverArtifacts.create(dir2, { jobId: sync.jobId, specJson: sync.specJson, datasetRoot: sync.artifacts.datasetRoot, seed: sync.seed });
  await runTrace(createTrainer(spec, sync.dataset, sync.seed), sync.jobId, { sink: w });
  const a = await w.finish();
  assert.deepEqual(a.commitment(), sync.artifacts.commitment());
});

test('openings for the required checkpoints verify under checkpointsRoot; reveal items verify as range proofs under traceRoot', async (t) => {
  const dir = tmp(t);
  const run = await trainRecorded(dir, bundledSpec('iris.json', 50), 'iris', 'art/proofs');
  const a = run.artifacts;
  const T = 50, k = 20;
  const { traceRoot, checkpointsRoot, finalStepHash } = a.commitment();
  for (const segments of [[1], [0, 2], [0, 1, 2]]) {
    const idx = requiredOpenings(T, k, segments);
    const open = a.openings(idx);
    assert.deepEqual(open.map((o) => o.index), idx);
    for (const o of open) {
      const step = Math.min(o.index * k, T);
      assert.deepEqual(o.stepHash, run.trace.stepHashes[step]);
      const leaf = leafHash(checkpointLeaf(step, o.chunkRoot, o.stepHash));
      assert.ok(verifyMerkleProof(leaf, { index: o.index, count: 4, siblings: o.siblings }, checkpointsRoot), `opening ${o.index}`);
      const forged = leafHash(checkpointLeaf(step, o.chunkRoot, sha256(o.stepHash)));
      assert.ok(!verifyMerkleProof(forged, { index: o.index, count: 4, siblings: o.siblings }, checkpointsRoot));
    }
    assert.deepEqual(open[open.length - 1]!.stepHash, finalStepHash);

    const ranges = requiredRanges(T, k, segments);
    const items = await a.revealItems(ranges);
    for (const [i, it] of items.entries()) {
      const r = ranges[i]!;
      assert.equal(it.from, r.from);
      assert.deepEqual(it.hashes, run.trace.stepHashes.slice(r.from, r.to + 1));
      const leaves = it.hashes.map(leafHash);
      assert.ok(verifyMerkleRange(leaves, it.from, T + 1, it.siblings, traceRoot), `range ${r.from}..${r.to}`);
      assert.deepEqual(it.siblings, merkleRangeProof(run.trace.stepHashes.map(leafHash), r.from, r.to));
      const tampered = [...leaves];
      tampered[tampered.length - 1] = leafHash(sha256(it.hashes[0]!));
      assert.ok(!verifyMerkleRange(tampered, it.from, T + 1, it.siblings, traceRoot));
    }
  }
  await assert.rejects(a.revealItems([{ from: 40, to: 51 }]), isCode('ARTIFACTS_INVALID'));
  assert.throws(() => a.openings([1, 0]), isCode('ARTIFACTS_INVALID'));
  assert.throws(() => a.openings([4]), isCode('ARTIFACTS_INVALID'));
});

test('required checkpoints and reveal ranges follow docs/jobs.md', () => {
  assert.deepEqual(requiredOpenings(50, 20, [1]), [0, 1, 3]);
  assert.deepEqual(requiredOpenings(60, 20, [0, 2]), [0, 2, 3]);
  assert.deepEqual(requiredOpenings(60, 20, [2, 0]), [0, 2, 3]);
  assert.deepEqual(requiredOpenings(7, 7, [0]), [0, 1]);
  assert.deepEqual(requiredRanges(50, 20, [1]), [{ from: 0, to: 0 }, { from: 20, to: 40 }, { from: 50, to: 50 }]);
  assert.deepEqual(requiredRanges(50, 20, [2]), [{ from: 0, to: 0 }, { from: 40, to: 50 }, { from: 50, to: 50 }]);
  // segment 0's range starts at 0 too: one item by `from`, the one that carries h_1..h_k
  assert.deepEqual(requiredRanges(50, 20, [0, 2]), [{ from: 0, to: 20 }, { from: 40, to: 50 }, { from: 50, to: 50 }]);
  assert.throws(() => requiredOpenings(50, 20, [3]), (e: unknown) => e instanceof MlError && e.code === 'TRACE_INVALID');
  assert.throws(() => requiredRanges(50, 0, [0]), (e: unknown) => e instanceof MlError && e.code === 'TRACE_INVALID');
});

test('chunks of a multi-chunk checkpoint verify under its chunk root and reassemble the state', async (t) => {
  const dir = tmp(t);
  const run = await trainRecorded(dir, wideIrisSpec(), 'iris', 'art/chunks');
  const a = run.artifacts;
  for (const cp of a.checkpoints) {
    assert.equal(cp.byteLength, 131144);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const { chunk, siblings } = await a.chunk(cp.index, i);
      assert.ok(verifyChunk(chunk, { index: i, count: 3, siblings }, cp.chunkRoot), `checkpoint ${cp.index} chunk ${i}`);
      assert.ok(!verifyChunk(chunk, { index: (i + 1) % 3, count: 3, siblings }, cp.chunkRoot));
      parts.push(chunk);
    }
    assert.deepEqual(parts.map((p) => p.length), [65536, 65536, 72]);
    assert.deepEqual(new Uint8Array(Buffer.concat(parts)), await a.checkpointBytes(cp.index));
  }
  await assert.rejects(a.chunk(0, 3), isCode('DA_NOT_FOUND'));
  await assert.rejects(a.chunk(4, 0), isCode('DA_NOT_FOUND'));
  // bit rot after the chunk tree was cached: the served chunk would fail its proof, so it is refused
  const f = join(a.dir, 'cp-1.bin');
  const bytes = readFileSync(f);
  bytes[70000] ^= 1;
  writeFileSync(f, bytes);
  await assert.rejects(a.chunk(1, 1), isCode('ARTIFACTS_CORRUPT'));
  await assert.rejects((await SolverArtifacts.open(dir, run.jobId)).chunk(1, 0), isCode('ARTIFACTS_CORRUPT'));
});

test('the writer refuses out-of-order or inconsistent input; unfinished, missing and damaged folders are typed', async (t) => {
  const dir = tmp(t);
  const spec = bundledSpec('iris.json', 4);
  const init = { jobId: testId('art/w'), specJson: JSON.stringify(spec), datasetRoot: testId('root'), seed: testId('seed') };
  const w = SolverArtifacts.create(dir, init);
  assert.throws(() => w.addStepHash(1, testId('h1')), isCode('ARTIFACTS_INVALID'));
  w.addStepHash(0, testId('h0'));
  assert.throws(() => w.addCheckpoint({ step: 20, stepHash: testId('h0'), chunkRoot: testId('c'), bytes: new Uint8Array(100) }), isCode('ARTIFACTS_INVALID'));
  w.addCheckpoint({ step: 0, stepHash: testId('h0'), chunkRoot: testId('c'), bytes: new Uint8Array(100) });
  await assert.rejects(w.finish(), isCode('ARTIFACTS_INVALID')); // only h_0 of 5
  assert.throws(() => SolverArtifacts.create(dir, init), isCode('ARTIFACTS_EXISTS'));
  await assert.rejects(SolverArtifacts.open(dir, init.jobId), isCode('ARTIFACTS_INCOMPLETE'));
  w.abort();
  await assert.rejects(SolverArtifacts.open(dir, init.jobId), isCode('ARTIFACTS_NOT_FOUND'));

  // a checkpoint whose step hash is not h_step of the recorded trace
  const w2 = SolverArtifacts.create(dir, { ...init, overwrite: true });
  for (let s = 0; s <= 4; s++) w2.addStepHash(s, testId(`h${s}`));
  w2.addCheckpoint({ step: 0, stepHash: testId('h0'), chunkRoot: testId('c'), bytes: new Uint8Array(100) });
  w2.addCheckpoint({ step: 4, stepHash: testId('h3'), chunkRoot: testId('c'), bytes: new Uint8Array(100) });
  await assert.rejects(w2.finish(), (e: unknown) => isCode('ARTIFACTS_INVALID')(e) && /step 4/.test(errorMessage(e)));
  w2.abort();

  const run = await trainRecorded(dir, spec, 'iris', 'art/damage');
  truncateSync(join(run.artifacts.dir, 'steps.bin'), 32 * 4);
  await assert.rejects(SolverArtifacts.open(dir, run.jobId), isCode('ARTIFACTS_CORRUPT'));
  assert.throws(() => SolverArtifacts.create(dir, { ...init, specJson: '{"format":"nope"}', overwrite: true }), isCode('ARTIFACTS_INVALID'));
});

test('a diverged run is cut to the prefix of a t-step run: checkpoints at min(i·k, t), roots of that run; bad cuts and a damaged divergedAt are typed', async (t) => {
  const dir = tmp(t);
  const spec = { ...bundledSpec('iris.json', 10), checkpointInterval: 3 }; // checkpoints of T = 10 at 0, 3, 6, 9, 10
  const init = { jobId: testId('art/cut'), specJson: JSON.stringify(spec), datasetRoot: testId('root'), seed: testId('seed') };
  const cp = (step: number) => ({ step, stepHash: testId(`h${step}`), chunkRoot: testId(`c${step}`), bytes: new Uint8Array(100).fill(step) });
  const w = SolverArtifacts.create(dir, init);
  for (let s = 0; s <= 6; s++) w.addStepHash(s, testId(`h${s}`));
  w.addCheckpoint(cp(0));
  w.addCheckpoint(cp(3));
  w.addCheckpoint(cp(6));
  // state_8 came out non-finite: the run is h_0..h_7, and state_7 is its last checkpoint
  assert.throws(() => w.cutAt(0), isCode('ARTIFACTS_INVALID'));
  assert.throws(() => w.cutAt(10), isCode('ARTIFACTS_INVALID'));
  assert.throws(() => w.cutAt(6), (e: unknown) => isCode('ARTIFACTS_INVALID')(e) && /h_0\.\.h_5 recorded, have 7/.test(errorMessage(e)));
  assert.throws(() => w.cutAt(8), isCode('ARTIFACTS_INVALID'));
  w.cutAt(7);
  assert.equal(w.T, 7);
  assert.throws(() => w.addCheckpoint(cp(9)), isCode('ARTIFACTS_INVALID'));
  w.addStepHash(7, testId('h7'));
  assert.throws(() => w.addStepHash(8, testId('h8')), isCode('ARTIFACTS_INVALID'));
  w.addCheckpoint(cp(7));
  const a = await w.finish();
  assert.deepEqual([a.T, a.divergedAt, a.checkpoints.map((x) => x.step)], [7, 7, [0, 3, 6, 7]]);
  const again = await SolverArtifacts.open(dir, init.jobId);
  assert.deepEqual(again.commitment(), a.commitment());
  assert.deepEqual(again.commitment().finalStepHash, testId('h7'));
  const meta = join(a.dir, 'meta.json');
  const m = JSON.parse(readFileSync(meta, 'utf8'));
  writeFileSync(meta, JSON.stringify({ ...m, divergedAt: 6 }));
  await assert.rejects(SolverArtifacts.open(dir, init.jobId), (e: unknown) => isCode('ARTIFACTS_CORRUPT')(e) && /divergedAt 6 must be T/.test(errorMessage(e)));
});
