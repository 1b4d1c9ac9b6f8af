// 'job-checkpoint' and 'job-trace' over two real libp2p hosts: a challenger gets any checkpoint's leaf
// and any trace range from the solver, each proven under the committed roots, and fetches an
// unopened checkpoint's state with the leaf. Proofs that do not hold cost the serving peer.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stepHash } from '../../ml-runtime/index.ts';
import { createP2pHost, type P2pHost } from '../p2p/index.ts';
import { JobsError, fetchCheckpointLeaf, fetchCheckpointState, fetchTraceRange, registerJobChunkServer, type ChunkSource } from './index.ts';
import { testId, trainRecorded, wideIrisSpec } from '../../test/helpers/job-fixtures.ts';
import { equalBytes } from '../../primitives/index.ts';

async function mkHost(t: TestContext): Promise<P2pHost> {
  const h = await createP2pHost({ chainId: 'test', listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 100, redialMs: 0, scoring: { banThreshold: -100_000 } });
  t.after(() => h.stop());
  return h;
}

const isCode = (code: string, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof JobsError, `expected JobsError ${code}, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  return true;
};

test('checkpoint leaves and trace ranges proven under the committed roots', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-da-proofs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spec = wideIrisSpec(); // T = 6, k = 2: checkpoints 0, 2, 4, 6
  const run = await trainRecorded(dir, spec, 'iris', 'da-proofs/run');
  const art = run.artifacts;
  const roots = art.commitment();
  const A = await mkHost(t);
  const B = await mkHost(t);
  // what A serves: the real artifacts, or a liar that changes one hash of every answer
  let serve: ChunkSource = art;
  await registerJobChunkServer(A, (id) => (equalBytes(id, run.jobId) ? serve : undefined), { access: 'public' });
  const peer = { peerId: A.peerId, addrs: A.multiaddrs() };
  const leafOpts = { jobId: run.jobId, steps: 6, checkpointInterval: 2, checkpointsRoot: roots.checkpointsRoot };

  await t.test('every leaf, then the state of an unopened checkpoint through it', async () => {
    for (const i of [0, 1, 2, 3]) {
      const leaf = await fetchCheckpointLeaf(B, peer, { ...leafOpts, index: i });
      const [want] = art.openings([i]);
      assert.deepEqual(leaf, { index: i, chunkRoot: want!.chunkRoot, stepHash: want!.stepHash });
    }
    const leaf = await fetchCheckpointLeaf(B, A.peerId, { ...leafOpts, index: 2 });
    const got = await fetchCheckpointState(B, A.peerId, { jobId: run.jobId, opening: leaf, spec });
    assert.deepEqual(stepHash(run.jobId, got.state), run.trace.stepHashes[4]);
  });

  await t.test('a trace range is the committed h_from..h_to', async () => {
    const hs = await fetchTraceRange(B, A.peerId, { jobId: run.jobId, from: 2, to: 4, steps: 6, traceRoot: roots.traceRoot });
    assert.deepEqual(hs, run.trace.stepHashes.slice(2, 5));
    assert.deepEqual(await fetchTraceRange(B, A.peerId, { jobId: run.jobId, from: 0, to: 6, steps: 6, traceRoot: roots.traceRoot }), run.trace.stepHashes);
  });

  await t.test('a root the answers are not under: DA_BAD_PROOF and a penalty for the peer', async () => {
    let before = B.score(A.peerId);
    await assert.rejects(fetchCheckpointLeaf(B, A.peerId, { ...leafOpts, index: 1, checkpointsRoot: roots.traceRoot }), isCode('DA_BAD_PROOF', /not proven under the committed checkpointsRoot/));
    assert.ok(B.score(A.peerId) <= before - 20);
    before = B.score(A.peerId);
    await assert.rejects(fetchTraceRange(B, A.peerId, { jobId: run.jobId, from: 1, to: 2, steps: 6, traceRoot: roots.checkpointsRoot }), isCode('DA_BAD_PROOF', /not proven under the committed traceRoot/));
    assert.ok(B.score(A.peerId) <= before - 20);
  });

  await t.test('a solver that serves other hashes than it committed is caught by the proofs', async () => {
    serve = {
      chunk: (c, i) => art.chunk(c, i),
      async leaf(i) {
        const l = await art.leaf(i);
        return { ...l, stepHash: run.trace.stepHashes[0]! };
      },
      async traceRange(from, to) {
        const r = await art.traceRange(from, to);
        return { hashes: [run.trace.stepHashes[0]!, ...r.hashes.slice(1)], siblings: r.siblings };
      },
    };
    await assert.rejects(fetchCheckpointLeaf(B, A.peerId, { ...leafOpts, index: 2 }), isCode('DA_BAD_PROOF'));
    await assert.rejects(fetchTraceRange(B, A.peerId, { jobId: run.jobId, from: 3, to: 5, steps: 6, traceRoot: roots.traceRoot }), isCode('DA_BAD_PROOF'));
    serve = { chunk: (c, i) => art.chunk(c, i) }; // chunks only (an older solver)
    await assert.rejects(fetchCheckpointLeaf(B, A.peerId, { ...leafOpts, index: 2 }), isCode('DA_NOT_FOUND', /not served here/));
    await assert.rejects(fetchTraceRange(B, A.peerId, { jobId: run.jobId, from: 3, to: 5, steps: 6, traceRoot: roots.traceRoot }), isCode('DA_NOT_FOUND', /not served here/));
    serve = art;
  });

  await t.test('requests that cannot be right fail before the network; out of range answers DA_NOT_FOUND', async () => {
    await assert.rejects(fetchCheckpointLeaf(B, A.peerId, { ...leafOpts, index: 4 }), isCode('DA_BAD_REQUEST', /outside 0\.\.3/));
    await assert.rejects(fetchTraceRange(B, A.peerId, { jobId: run.jobId, from: 4, to: 7, steps: 6, traceRoot: roots.traceRoot }), isCode('DA_BAD_REQUEST'));
    await assert.rejects(fetchTraceRange(B, A.peerId, { jobId: run.jobId, from: 0, to: 65, steps: 100, traceRoot: roots.traceRoot }), isCode('DA_BAD_REQUEST', /1\.\.65 steps/));
    await assert.rejects(fetchTraceRange(B, A.peerId, { jobId: testId('other'), from: 0, to: 1, steps: 6, traceRoot: roots.traceRoot }), isCode('DA_NOT_FOUND'));
    await assert.rejects(art.traceRange(5, 9), isCode('DA_NOT_FOUND'));
    await assert.rejects(art.leaf(4), isCode('DA_NOT_FOUND'));
  });
});
