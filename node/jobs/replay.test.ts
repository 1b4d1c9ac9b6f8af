import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalSpecJson, createTrainer, datasetRoot, decodeState, loadDataset, parseSpec, replaySegment, runTraceSync, selectBackend, stepHash, type TraceResult } from '../../ml-runtime/index.ts';
import { attestationDigest } from '../../vm/index.ts';
import { JobsError, computeAttestation, initialStateFromParent, replaySegments, type ReplayProgress } from './index.ts';
import { bundledSpec, testId } from '../../test/helpers/job-fixtures.ts';

const isCode = (code: string, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof JobsError, `expected JobsError ${code}, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  return true;
};

// iris for 50 steps with k = 20: segments [0, 20], [20, 40] and the short [40, 50]
const spec = bundledSpec('iris.json', 50);
const specJson = canonicalSpecJson(spec);
const iris = loadDataset('iris').train;
const jobId = testId('replay/job');
const seed = testId('replay/seed');
let traceP: Promise<TraceResult> | undefined;
function trace(): Promise<TraceResult> {
  traceP ??= selectBackend('det', { allowFallback: false }).then(() => runTraceSync(createTrainer(spec, iris, seed), jobId));
  return traceP;
}
const base = { specJson, datasetName: 'iris', jobId, seed };

test('the replay worker reproduces runTraceSync\'s hashes for sampled segments, the short last one included', async (t) => {
  const tr = await trace();
  const progress: ReplayProgress[] = [];
  const t0 = performance.now();
  const r = await replaySegments(
    { ...base, datasetRoot: datasetRoot(iris), segments: [{ segment: 0, stateBytes: null }, { segment: 2, stateBytes: tr.checkpoints[2]!.bytes }] },
    { onProgress: (p) => progress.push(p) },
  );
  const wall = performance.now() - t0;
  assert.deepEqual(r.h0, tr.stepHashes[0]);
  assert.deepEqual(r.startHashes, [tr.stepHashes[0], tr.stepHashes[40]]);
  assert.deepEqual(r.segmentHashes, [tr.stepHashes.slice(1, 21), tr.stepHashes.slice(41, 51)]);
  assert.deepEqual(progress[progress.length - 1], { segment: 2, stepsDone: 30, stepsTotal: 30 });
  assert.ok(progress.some((p) => p.segment === 0), 'a report after segment 0');
  assert.ok(r.cpuMs > 0);
  t.diagnostic(`30 replayed steps: ${r.cpuMs.toFixed(0)} ms in the worker, ${wall.toFixed(0)} ms wall incl. worker start (tsx + tfjs + det)`);

  // the data itself (e.g. fetched from a peer) instead of a name; the middle segment
  const r2 = await replaySegments({ ...base, datasetName: undefined, dataset: iris, datasetRoot: datasetRoot(iris), segments: [{ segment: 1, stateBytes: tr.checkpoints[1]!.bytes }] });
  assert.deepEqual(r2.segmentHashes, [tr.stepHashes.slice(21, 41)]);
});

test('captureAt returns the encoding of state_t inside the segment (what a challenger puts on chain for the referee)', async () => {
  const tr = await trace();
  const r = await replaySegments({
    ...base,
    segments: [{ segment: 1, stateBytes: tr.checkpoints[1]!.bytes, captureAt: 27 }, { segment: 0, stateBytes: null, captureAt: 0 }, { segment: 2, stateBytes: tr.checkpoints[2]!.bytes }],
  });
  const tr2 = createTrainer(spec, iris, seed);
  const s27 = decodeState(r.captured![0]!, tr2.layout);
  assert.equal(s27.step, 27);
  assert.deepEqual(stepHash(jobId, s27), tr.stepHashes[27]);
  assert.deepEqual(r.captured![1], tr.checkpoints[0]!.bytes, 'captureAt the segment start: the start state itself');
  assert.equal(r.captured![2], null, 'nothing asked, nothing kept');
  // the segment's last step is its end checkpoint
  const end = await replaySegments({ ...base, segments: [{ segment: 2, stateBytes: tr.checkpoints[2]!.bytes, captureAt: 50 }] });
  assert.deepEqual(end.captured![0], tr.checkpoints[3]!.bytes);
  await assert.rejects(replaySegments({ ...base, segments: [{ segment: 1, stateBytes: tr.checkpoints[1]!.bytes, captureAt: 41 }] }), isCode('REPLAY_FAILED', /captureAt 41 outside its steps 20\.\.40/));
});

test('a tampered checkpoint replays to other hashes; a non-finite, wrong-step or misfit state fails typed', async () => {
  const tr = await trace();
  const bytes = tr.checkpoints[1]!.bytes.slice();
  bytes[16 + 4 + 8] ^= 1; // lowest mantissa bit of params[0][2]: still a finite, decodable state
  const r = await replaySegments({ ...base, segments: [{ segment: 1, stateBytes: bytes }] });
  assert.notDeepEqual(r.startHashes[0], tr.stepHashes[20]);
  const honest = tr.stepHashes.slice(21, 41);
  assert.equal(r.segmentHashes[0]!.length, 20);
  r.segmentHashes[0]!.forEach((h, i) => assert.notDeepEqual(h, honest[i], `h_${21 + i} differs`));

  const nan = tr.checkpoints[1]!.bytes.slice();
  new DataView(nan.buffer).setUint32(16 + 4, 0x7fc00000, true);
  await assert.rejects(replaySegments({ ...base, segments: [{ segment: 1, stateBytes: nan }] }), isCode('REPLAY_FAILED', /non-finite/));
  await assert.rejects(replaySegments({ ...base, segments: [{ segment: 1, stateBytes: tr.checkpoints[2]!.bytes }] }), isCode('REPLAY_FAILED', /step/));
  await assert.rejects(replaySegments({ ...base, segments: [{ segment: 1, stateBytes: bytes.subarray(0, 100) }] }), isCode('REPLAY_FAILED', /state of 100 bytes/));
  await assert.rejects(replaySegments({ ...base, segments: [{ segment: 1, stateBytes: null }] }), isCode('REPLAY_FAILED', /needs the state/));
  await assert.rejects(replaySegments({ ...base, segments: [{ segment: 3, stateBytes: bytes }] }), isCode('REPLAY_FAILED', /out of range/));
  await assert.rejects(replaySegments({ ...base, datasetRoot: testId('other'), segments: [{ segment: 0, stateBytes: null }] }), isCode('DATASET_MISMATCH'));
  await assert.rejects(replaySegments({ ...base, datasetName: undefined, datasetRoot: testId('other'), segments: [{ segment: 0, stateBytes: null }] }), isCode('DATASET_UNKNOWN'));
  await assert.rejects(replaySegments({ ...base, datasetName: 'synthetic-regression', segments: [{ segment: 0, stateBytes: null }] }), isCode('REPLAY_FAILED', /SPEC_DATASET_MISMATCH/));
  const ac = new AbortController();
  const p = replaySegments({ ...base, segments: [{ segment: 0, stateBytes: null }] }, { signal: ac.signal });
  ac.abort();
  await assert.rejects(p, isCode('REPLAY_ABORTED'));
});

test('computeAttestation is attestationDigest over the replayed hashes and binds the attester', async () => {
  const tr = await trace();
  const attester = testId('attester').subarray(0, 20);
  const segments = [{ segment: 0, stateBytes: null }, { segment: 1, stateBytes: tr.checkpoints[1]!.bytes }];
  const d = await computeAttestation({ ...base, datasetName: undefined, datasetRoot: datasetRoot(iris), segments, attester });
  assert.deepEqual(d, attestationDigest(jobId, attester, tr.stepHashes[0]!, [tr.stepHashes.slice(1, 21), tr.stepHashes.slice(21, 41)]));
  const other = await computeAttestation({ ...base, segments, attester: testId('someone else').subarray(0, 20) });
  assert.notDeepEqual(other, d);
  await assert.rejects(computeAttestation({ ...base, segments: [...segments].reverse(), attester }), isCode('REPLAY_FAILED', /ascend/));
});

test('a child job starts from its parent\'s final parameters with zero optimiser slots', async () => {
  const tr = await trace();
  const parentBytes = tr.checkpoints[tr.checkpoints.length - 1]!.bytes; // momentum: one slot per parameter
  const child = parseSpec(JSON.stringify({ ...spec, optimizer: { type: 'adam' }, steps: 10, checkpointInterval: 5 }));
  const r = await replaySegments({ ...base, specJson: canonicalSpecJson(child), parentState: parentBytes, segments: [{ segment: 0, stateBytes: null }] });
  const ctr = createTrainer(child, iris, seed);
  const s0 = initialStateFromParent(ctr, parentBytes);
  assert.deepEqual(s0.params, tr.finalState.params);
  assert.ok(s0.slots.length === 2 * s0.params.length && s0.slots.every((s) => s.every((v) => v === 0)));
  assert.deepEqual(r.h0, stepHash(jobId, s0));
  assert.deepEqual(r.segmentHashes[0], replaySegment(child, iris, jobId, seed, s0, 0, 5).slice(1));
  await assert.rejects(replaySegments({ ...base, parentState: parentBytes.subarray(0, 40), segments: [{ segment: 0, stateBytes: null }] }), isCode('REPLAY_FAILED'));
});
