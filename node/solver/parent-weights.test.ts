// A parent job's final state as the solver holds and serves it (parent-weights.ts): proven against
// the parent's commitment (chunk root, step, step hash), served chunk by chunk for the last
// checkpoint only, cached on disk. The end-to-end path over libp2p is test/parent-job.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_SIZE, checkpointSteps, makeCheckpoint, parseSpec, verifyChunk, type TrainState } from '../../ml-runtime/index.ts';
import { layoutOfSpec } from '../jobs/index.ts';
import { ParentWeights, parentCacheFile, parentOpening, readParentCache, removeParentCache, writeParentCache } from './parent-weights.ts';
import { sha256 } from '../../primitives/index.ts';

const spec = parseSpec(readFileSync(new URL('../../ml-runtime/specs/mlp-mnist.json', import.meta.url), 'utf8'));
const pid = sha256(new TextEncoder().encode('parent job'));

function stateAt(step: number): TrainState {
  const { paramSizes, slotSizes } = layoutOfSpec(spec);
  let x = 1;
  const fill = (n: number) => Float32Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5);
  return { step, params: paramSizes.map(fill), slots: slotSizes.map(fill) };
}

test('a parent final state is proven against the commitment and served chunk by chunk for its last checkpoint only', async () => {
  const cp = makeCheckpoint(pid, stateAt(spec.steps));
  assert.ok(cp.chunkCount > 1, 'a multi-chunk state');
  const op = parentOpening(pid, spec, { finalChunkRoot: cp.chunkRoot, finalStepHash: cp.stepHash });
  assert.equal(op.index, checkpointSteps(spec.steps, spec.checkpointInterval).length - 1);
  const w = ParentWeights.verify(op, cp.bytes);
  assert.ok(w instanceof ParentWeights, String(w));
  const joined = new Uint8Array(cp.bytes.length);
  for (let i = 0; i < cp.chunkCount; i++) {
    const r = await w.chunk(op.index, i);
    assert.ok(verifyChunk(r.chunk, { index: i, count: cp.chunkCount, siblings: r.siblings }, cp.chunkRoot), `chunk ${i}`);
    joined.set(r.chunk, i * CHUNK_SIZE);
  }
  assert.deepEqual(joined, cp.bytes);
  await assert.rejects(w.chunk(0, 0), (e: { code?: string }) => e.code === 'DA_NOT_FOUND');
  await assert.rejects(w.chunk(op.index, cp.chunkCount), (e: { code?: string }) => e.code === 'DA_NOT_FOUND');
});

test('bytes that are not the committed final state are refused with the reason', () => {
  const cp = makeCheckpoint(pid, stateAt(spec.steps));
  const op = parentOpening(pid, spec, { finalChunkRoot: cp.chunkRoot, finalStepHash: cp.stepHash });
  const flipped = cp.bytes.slice();
  flipped[100]! ^= 1;
  assert.match(String(ParentWeights.verify(op, flipped)), /final chunk root/);
  assert.match(String(ParentWeights.verify({ ...op, stepHash: new Uint8Array(32) }, cp.bytes)), /final step hash/);
  const early = makeCheckpoint(pid, stateAt(0));
  assert.match(String(ParentWeights.verify({ ...op, chunkRoot: early.chunkRoot, stepHash: early.stepHash }, early.bytes)), /at step 0/);
  const other = makeCheckpoint(sha256(new TextEncoder().encode('another job')), stateAt(spec.steps));
  assert.match(String(ParentWeights.verify({ ...op, stepHash: other.stepHash }, cp.bytes)), /final step hash/, 'the step hash binds the parent job id');
});

test('the disk cache round-trips under <dataDir>/parents/', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-parent-cache-'));
  try {
    assert.equal(await readParentCache(dir, pid), null);
    const bytes = Uint8Array.of(1, 2, 3);
    await writeParentCache(dir, pid, bytes);
    assert.ok(parentCacheFile(dir, pid).startsWith(join(dir, 'parents')));
    assert.deepEqual(await readParentCache(dir, pid), bytes);
    assert.ok(!existsSync(`${parentCacheFile(dir, pid)}.tmp`));
    await removeParentCache(dir, pid);
    assert.equal(await readParentCache(dir, pid), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
