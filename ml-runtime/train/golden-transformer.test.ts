// The golden transformer trace (test/helpers/transformer-golden.ts): its roots are committed in
// ml-runtime/golden/traces.json (cases.transformer); any bit change in a transformer kernel, AdamW,
// clipping, the PRF init or dropout changes them. Every segment replays from its checkpoint, and
// SIMD off and 2 / 4 det threads give the same hashes. Regenerate only this case (a new runtime
// version!) with: UPDATE_GOLDEN=1 node --import tsx --test ml-runtime/train/golden-transformer.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { selectBackend } from '../backend-select.ts';
import { replaySegment } from './index.ts';
import { decodeState, firstMismatch, segmentBounds, segmentCount } from '../commitment/index.ts';
import { bytesToHex } from '../../primitives/index.ts';
import { runGoldenTransformer, goldenTransformerSummary } from '../../test/helpers/transformer-golden.ts';

const goldenUrl = new URL('../golden/traces.json', import.meta.url);
await selectBackend('det');
const g = runGoldenTransformer();
const summary = goldenTransformerSummary(g);
if (process.env.UPDATE_GOLDEN) {
  const file = JSON.parse(readFileSync(goldenUrl, 'utf8')) as { cases: Record<string, unknown> };
  file.cases.transformer = summary;
  writeFileSync(goldenUrl, JSON.stringify(file, null, 2) + '\n');
}
const want = (JSON.parse(readFileSync(goldenUrl, 'utf8')) as { cases: Record<string, typeof summary> }).cases.transformer!;

test('golden transformer: trace root, checkpoints root, h_0, h_T and final loss recompute bit for bit', () => {
  assert.deepEqual(summary, want);
  assert.ok(g.r.losses.at(-1)! < g.r.losses[0]!, 'the loss went down');
});

test('golden transformer: every segment replays from its checkpoint', () => {
  const { spec, data, jobId, seed, tr, r } = g;
  for (let j = 0; j < segmentCount(spec.steps, spec.checkpointInterval); j++) {
    const { from, to } = segmentBounds(spec.steps, spec.checkpointInterval, j);
    const cp = r.checkpoints.find((c) => c.step === from)!;
    const got = replaySegment(spec, data, jobId, seed, decodeState(cp.bytes, tr.layout), from, to);
    assert.equal(firstMismatch(r.stepHashes.slice(from, to + 1), got, from), null, `segment ${j}`);
  }
});

test('golden transformer: SIMD off, 2 and 4 det threads give the same step hashes', async () => {
  const det = (await import('../det/index.ts')) as unknown as { setDetSimd(on: boolean): void; setDetThreads(n: number): void };
  const { spec, data, jobId, seed, tr, r } = g;
  const replay = () => replaySegment(spec, data, jobId, seed, decodeState(r.checkpoints[0]!.bytes, tr.layout), 0, 8).map(bytesToHex);
  const want = r.stepHashes.slice(0, 9).map(bytesToHex);
  try {
    det.setDetSimd(false);
    assert.deepEqual(replay(), want, 'scalar');
    det.setDetSimd(true);
    for (const n of [2, 4]) { det.setDetThreads(n); assert.deepEqual(replay(), want, `${n} threads`); }
  } finally {
    det.setDetSimd(true);
    det.setDetThreads(1);
  }
});
