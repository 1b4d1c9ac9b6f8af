// The fake-unsampled cheat (cheat.ts): one step skipped in the middle of one segment, so only that
// segment's replay disagrees; the committee catches it only if the sample draws it, a watchtower by
// replaying it (node/watchtower/watchtower.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrainer, decodeState, loadDataset, parseSpec, replaySegment, runTraceSync, selectBackend, withSteps } from '../../ml-runtime/index.ts';
import { cheatHooks, describeCheat, fakedSegment, fakedStepOf, parseCheat, SolverError } from './index.ts';
import { bundledSpec, testId } from '../../test/helpers/job-fixtures.ts';

test('parseCheat reads fake-unsampled with and without a segment and rejects the rest', () => {
  assert.deepEqual(parseCheat('fake-unsampled'), { kind: 'fake-unsampled', segment: null });
  assert.deepEqual(parseCheat('fake-unsampled:3'), { kind: 'fake-unsampled', segment: 3 });
  assert.equal(describeCheat(parseCheat('fake-unsampled:3')), 'fake-unsampled:3');
  for (const bad of ['fake-unsampled:', 'fake-unsampled:x', 'fake-unsampled:-1', 'fake-unsampled:1.5', 'fake-unsampled:1:2']) {
    assert.throws(() => parseCheat(bad), (e: unknown) => e instanceof SolverError && e.code === 'SOLVER_BAD_OPTIONS', bad);
  }
});

test('the faked step lies in the middle of the chosen segment (default the last-but-one)', () => {
  const s = (T: number, k: number) => withSteps({ ...bundledSpec('iris.json'), checkpointInterval: k }, T);
  assert.equal(fakedSegment(s(12, 3), null), 2);
  assert.equal(fakedStepOf(s(12, 3), null), 7);
  assert.equal(fakedStepOf(s(12, 3), 0), 1);
  assert.equal(fakedStepOf(s(60, 10), 1), 14);
  assert.equal(fakedStepOf(s(50, 20), null), 29, 'T = 50, k = 20: segments [0,20], [20,40], [40,50]; the middle one');
  assert.equal(fakedSegment(s(50, 20), 9), 2, 'a segment beyond the last is the last');
  assert.equal(fakedSegment(s(4, 4), null), 0, 'one segment: that one');
});

test('only the faked segment replays differently from its own checkpoint', async () => {
  await selectBackend('det', { allowFallback: false });
  const spec = parseSpec(JSON.stringify({ ...bundledSpec('iris.json'), steps: 40, checkpointInterval: 10 }));
  const iris = loadDataset('iris').train;
  const jobId = testId('fake-unsampled/job');
  const seed = testId('fake-unsampled/seed');
  const run = runTraceSync(createTrainer(spec, iris, seed), jobId, { hooks: cheatHooks(spec, iris, seed, { kind: 'fake-unsampled', segment: null }) });
  const layout = createTrainer(spec, iris, seed).layout;
  const differs: number[] = [];
  for (let j = 0; j < 4; j++) {
    const from = j * 10;
    const replay = replaySegment(spec, iris, jobId, seed, decodeState(run.checkpoints[j]!.bytes, layout), from, from + 10);
    const first = replay.findIndex((h, i) => !Buffer.from(h).equals(Buffer.from(run.stepHashes[from + i]!)));
    if (first >= 0) {
      differs.push(j);
      assert.equal(from + first, fakedStepOf(spec, null) + 1, 'the first wrong hash is the one after the faked step');
    }
  }
  assert.deepEqual(differs, [2]);
});
