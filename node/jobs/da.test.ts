import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkBytes, createTrainer, datasetRoot, encodeSample, encodeState, initialState, loadDataset, makeCheckpoint, parseSpec, sampleProof, stepHash } from '../../ml-runtime/index.ts';
import { encode } from '../../vm/index.ts';
import { createP2pHost, P2pError, type P2pHost, type P2pHostOptions } from '../p2p/index.ts';
import { DATASET_PROTOCOL, DatasetRegistry, JOB_CHUNK_PROTOCOL, JobsError, decodeChunkRequest, encodeChunkResponse, encodeDatasetResponse, fetchCheckpointState, fetchDataset, layoutOfSpec, registerDatasetServer, registerJobChunkServer, seedCredentials, type ChunkSource, type DaJobFacts } from './index.ts';
import { testId, trainRecorded, wideIrisSpec } from '../../test/helpers/job-fixtures.ts';
import { addressFromPublicKey, encodeAddress, equalBytes, leafHash, MerkleTree, merkleProof, merkleRoot, publicKeyFromSeed } from '../../primitives/index.ts';

// Real libp2p over TCP on 127.0.0.1: a solver host A serving a real (tiny) training run, a verifier B,
// and a misbehaving host C. Every host is stopped by t.after.

async function mkHost(t: TestContext, opts: Partial<P2pHostOptions> = {}): Promise<P2pHost> {
  const h = await createP2pHost({
    chainId: 'test',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    heartbeatMs: 100,
    redialMs: 0,
    // the tests penalise the same peers many times on purpose: keep them unbanned to check each score change
    scoring: { banThreshold: -100_000 },
    ...opts,
  });
  t.after(() => h.stop());
  return h;
}

function addr(h: P2pHost): string {
  const a = h.multiaddrs().find((m) => m.startsWith('/ip4/127.0.0.1/tcp/'));
  assert.ok(a !== undefined, 'host has a loopback address');
  return a.includes('/p2p/') ? a : `${a}/p2p/${h.peerId}`;
}

const isCode = (code: string, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof JobsError, `expected JobsError ${code}, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  return true;
};

/** Serves checkpoint 0 of a state held in memory. */
function memorySource(bytes: Uint8Array): ChunkSource {
  const chunks = chunkBytes(bytes);
  const tree = MerkleTree.fromLeafHashes(chunks.map(leafHash));
  return {
    async chunk(cp, i) {
      if (cp !== 0 || i >= chunks.length) throw new JobsError('DA_NOT_FOUND', `no chunk ${cp}/${i}`);
      return { chunk: chunks[i]!, siblings: tree.proof(i) };
    },
  };
}

test('job-chunk and dataset over two real hosts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-da-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spec = wideIrisSpec(); // T = 6, k = 2: checkpoints 0, 2, 4, 6 of 3 chunks each
  const run = await trainRecorded(dir, spec, 'iris', 'da/run');
  const art = run.artifacts;
  const [op0, op1, op2] = art.openings([0, 1, 2]);

  const A = await mkHost(t);
  const B = await mkHost(t);
  let serve: ChunkSource = art;
  await registerJobChunkServer(A, (id) => (equalBytes(id, run.jobId) ? serve : undefined), { access: 'public' });

  await t.test('a verifier dials the announced address and fetches an opened checkpoint that hashes to the opening', async () => {
    assert.equal(B.peers().length, 0);
    const seen: number[] = [];
    const got = await fetchCheckpointState(B, { peerId: A.peerId, addrs: [addr(A)] }, { jobId: run.jobId, opening: op1!, spec, onProgress: (d) => seen.push(d) });
    assert.equal(got.chunkCount, 3);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(got.bytes, await art.checkpointBytes(1));
    assert.equal(got.state.step, 2);
    assert.deepEqual(stepHash(run.jobId, got.state), op1!.stepHash);
    assert.deepEqual(stepHash(run.jobId, got.state), run.trace.stepHashes[2]);
    assert.ok(B.peers().some((p) => p.peerId === A.peerId), 'B dialled A');
    // once connected the peer id alone is enough
    const again = await fetchCheckpointState(B, A.peerId, { jobId: run.jobId, opening: op0!, layout: layoutOfSpec(spec), step: 0, concurrency: 1 });
    assert.deepEqual(again.bytes, await art.checkpointBytes(0));
  });

  await t.test('a tampered chunk, a wrong chunk root or a wrong step hash is DA_BAD_PROOF and costs the server', async () => {
    const honest = art;
    serve = {
      async chunk(cp, i) {
        const r = await honest.chunk(cp, i);
        if (i === 1) r.chunk[100] ^= 0x40;
        return r;
      },
    };
    let before = B.score(A.peerId);
    await assert.rejects(fetchCheckpointState(B, A.peerId, { jobId: run.jobId, opening: op1!, spec }), isCode('DA_BAD_PROOF', /chunk 1 is not proven/));
    assert.ok(B.score(A.peerId) <= before - 20, `score ${B.score(A.peerId)} after ${before}`);
    serve = honest;

    before = B.score(A.peerId);
    await assert.rejects(fetchCheckpointState(B, A.peerId, { jobId: run.jobId, opening: { ...op1!, chunkRoot: testId('wrong root') }, spec }), isCode('DA_BAD_PROOF'));
    assert.ok(B.score(A.peerId) < before);
    // checkpoint 2's chunks do not prove under checkpoint 1's root
    await assert.rejects(fetchCheckpointState(B, A.peerId, { jobId: run.jobId, opening: { ...op2!, chunkRoot: op1!.chunkRoot }, spec }), isCode('DA_BAD_PROOF'));
    // proven chunks, but the opening names another state's hash: the committed data is wrong, not the peer
    before = B.score(A.peerId);
    await assert.rejects(fetchCheckpointState(B, A.peerId, { jobId: run.jobId, opening: { ...op1!, stepHash: op2!.stepHash }, spec }), isCode('DA_BAD_STATE', /does not hash/));
    // proven chunks and hash, but not the step this checkpoint index stands for
    await assert.rejects(fetchCheckpointState(B, A.peerId, { jobId: run.jobId, opening: op1!, layout: layoutOfSpec(spec), step: 4 }), isCode('DA_BAD_STATE', /step 2/));
    assert.equal(B.score(A.peerId), before, 'a peer serving what was committed is not penalised');
  });

  await t.test('a chunk proven under the opened root at another length than the spec\'s state has is DA_BAD_STATE', async () => {
    // the solver committed a root over a 10-byte first chunk: it proves, and no state of this spec has it
    const short = new Uint8Array(10).fill(7);
    const chunks = [short, ...(await Promise.all([1, 2].map(async (i) => (await art.chunk(1, i)).chunk)))];
    const root = merkleRoot(chunks);
    const C = await mkHost(t);
    await C.handle(JOB_CHUNK_PROTOCOL, (req) => {
      const i = decodeChunkRequest(req).chunkIndex;
      return encodeChunkResponse({ chunk: chunks[i]!, siblings: merkleProof(chunks.map(leafHash), i).siblings });
    });
    await assert.rejects(fetchCheckpointState(B, { peerId: C.peerId, addrs: [addr(C)] }, { jobId: run.jobId, opening: { ...op1!, chunkRoot: root }, spec }), isCode('DA_BAD_STATE', /chunk 0 is proven .* with 10 bytes/));
  });

  await t.test('unknown job and missing checkpoint are DA_NOT_FOUND', async () => {
    await assert.rejects(fetchCheckpointState(B, A.peerId, { jobId: testId('no such job'), opening: op1!, spec }), isCode('DA_NOT_FOUND'));
    await assert.rejects(fetchCheckpointState(B, A.peerId, { jobId: run.jobId, opening: { ...op1!, index: 9 }, layout: layoutOfSpec(spec) }), isCode('DA_NOT_FOUND'));
    await assert.rejects(fetchCheckpointState(B, A.peerId, { jobId: run.jobId, opening: { ...op1!, index: 9 }, spec }), isCode('DA_BAD_REQUEST'));
    await assert.rejects(fetchCheckpointState(B, A.peerId, { jobId: run.jobId, opening: op1!, spec, maxStateBytes: 1000 }), isCode('DA_TOO_LARGE'));
  });

  await t.test('an oversize request is refused unread and a malformed one answered DA_BAD_REQUEST; both cost the requester', async () => {
    let before = A.score(B.peerId);
    await assert.rejects(B.request(A.peerId, JOB_CHUNK_PROTOCOL, new Uint8Array(193)), (e: unknown) => e instanceof P2pError);
    await waitFor(() => A.score(B.peerId) <= before - 10, 'A penalised B for the oversize frame');
    before = A.score(B.peerId);
    await assert.rejects(B.request(A.peerId, JOB_CHUNK_PROTOCOL, encode([run.jobId, 1])), (e: unknown) => e instanceof P2pError && e.code === 'P2P_REMOTE_ERROR' && /DA_BAD_REQUEST/.test(e.message));
    assert.ok(A.score(B.peerId) <= before - 10);
    await assert.rejects(B.request(A.peerId, JOB_CHUNK_PROTOCOL, encode([run.jobId, 1, -1])), (e: unknown) => e instanceof P2pError && /DA_BAD_REQUEST/.test(e.message));
  });

  await t.test('a peer that answers garbage or wrong-size chunks is DA_BAD_RESPONSE / DA_BAD_PROOF', async () => {
    const C = await mkHost(t);
    let reply: Uint8Array = new Uint8Array([0xc1]);
    await C.handle(JOB_CHUNK_PROTOCOL, () => reply);
    await assert.rejects(fetchCheckpointState(B, { peerId: C.peerId, addrs: [addr(C)] }, { jobId: run.jobId, opening: op1!, spec }), isCode('DA_BAD_RESPONSE'));
    reply = encodeChunkResponse({ chunk: new Uint8Array(10), siblings: [] });
    await assert.rejects(fetchCheckpointState(B, C.peerId, { jobId: run.jobId, opening: op1!, spec }), isCode('DA_BAD_PROOF', /has 10 bytes/));
    // an announced address that names another peer is never dialled
    const D = await mkHost(t);
    await assert.rejects(fetchCheckpointState(B, { peerId: D.peerId, addrs: [addr(A)] }, { jobId: run.jobId, opening: op1!, spec }), isCode('DA_UNREACHABLE', /names another peer/));
  });

  await t.test('a 10 MB state crosses in 157 proven chunks', async (tt) => {
    const big = parseSpec(JSON.stringify({
      format: 'polchain/model-spec/v1', inputShape: [8],
      layers: [{ type: 'dense', units: 65536, activation: 'relu' }, { type: 'dense', units: 4, activation: 'softmax' }],
      loss: 'categorical_crossentropy', optimizer: { type: 'adam' }, batchSize: 8, steps: 1, checkpointInterval: 1,
    }));
    const jobId = testId('da/big');
    const s0 = initialState(createTrainer(big, loadDataset('synthetic-classification').train, testId('da/big/seed')));
    const cp = makeCheckpoint(jobId, s0);
    const src = memorySource(cp.bytes);
    const E = await mkHost(t);
    await registerJobChunkServer(E, (id) => (equalBytes(id, jobId) ? src : undefined), { access: 'public' });
    const t0 = performance.now();
    const got = await fetchCheckpointState(B, { peerId: E.peerId, addrs: [addr(E)] }, { jobId, opening: { index: 0, chunkRoot: cp.chunkRoot, stepHash: cp.stepHash }, spec: big, concurrency: 8 });
    const ms = performance.now() - t0;
    assert.equal(got.chunkCount, cp.chunkCount);
    assert.deepEqual(got.bytes, encodeState(s0));
    tt.diagnostic(`fetched ${(cp.bytes.length / 1e6).toFixed(1)} MB in ${got.chunkCount} chunks in ${ms.toFixed(0)} ms (${(cp.bytes.length / 1e3 / ms).toFixed(1)} MB/s incl. dial, proofs, decode, state hash)`);

    // the same under the access rule: every request signed by a committee member and checked
    const seed = testId('da/big/member');
    const member = encodeAddress(addressFromPublicKey(publicKeyFromSeed(seed)));
    const F = await mkHost(t);
    let reads = 0;
    const facts: DaJobFacts = { height: 7n, phase: 'running', finalCheckpoint: 0, committee: [member], demanders: [], openDisputeParties: [] };
    await registerJobChunkServer(F, (id) => (equalBytes(id, jobId) ? src : undefined), { access: { facts: () => { reads++; return facts; } } });
    const t1 = performance.now();
    const signed = await fetchCheckpointState(B, { peerId: F.peerId, addrs: [addr(F)] }, {
      jobId, opening: { index: 0, chunkRoot: cp.chunkRoot, stepHash: cp.stepHash }, spec: big, concurrency: 8, credentials: seedCredentials(seed, () => 7n),
    });
    const ms1 = performance.now() - t1;
    assert.deepEqual(signed.bytes, got.bytes);
    assert.equal(reads, signed.chunkCount, 'each request is checked against the job\'s facts');
    tt.diagnostic(`signed and checked: ${signed.chunkCount} chunks in ${ms1.toFixed(0)} ms (${(cp.bytes.length / 1e3 / ms1).toFixed(1)} MB/s)`);
  });

  await t.test('datasets by root: fetched, proven sample by sample, rebuilt to the same root', async (tt) => {
    const reg = new DatasetRegistry();
    await registerDatasetServer(A, reg);
    for (const [name, outputSize, featureShape] of [['iris', 3, [4]], ['synthetic-regression', undefined, [8]], ['mnist', 10, [784]]] as const) {
      const local = loadDataset(name).train;
      const root = reg.rootOf(name);
      const t0 = performance.now();
      let progress = 0;
      const ds = await fetchDataset(B, A.peerId, root, local.count, { outputSize, featureShape: [...featureShape], onProgress: (d) => { progress = d; } });
      const ms = performance.now() - t0;
      assert.equal(progress, local.count);
      assert.deepEqual(datasetRoot(ds), root, name);
      assert.equal(ds.count, local.count);
      assert.deepEqual(ds.features, local.features);
      assert.deepEqual(ds.labels, local.labels);
      assert.equal(ds.outputSize, local.outputSize);
      // the rebuilt set trains exactly like the bundled one: createTrainer accepts it for the same spec shape
      if (name === 'iris') createTrainer(wideIrisSpec(), ds, testId('seed'));
      tt.diagnostic(`${name}: ${local.count} samples fetched and proven in ${ms.toFixed(0)} ms (first serve includes the server's tree build)`);
    }
    await assert.rejects(fetchDataset(B, A.peerId, testId('unknown dataset'), 10), isCode('DA_NOT_FOUND'));
    // a wrong sample count changes every proof's shape
    await assert.rejects(fetchDataset(B, A.peerId, reg.rootOf('iris'), 121), isCode('DA_BAD_PROOF'));
    await assert.rejects(fetchDataset(B, A.peerId, reg.rootOf('iris'), 120, { maxBytes: 1000 }), isCode('DA_TOO_LARGE'));

    // a peer serving other samples (sample i+1 with sample i's proof) is caught on the first one
    const C = await mkHost(t);
    const iris = loadDataset('iris').train;
    await C.handle(DATASET_PROTOCOL, () => encodeDatasetResponse([{ sample: encodeSample(iris, 1), siblings: sampleProof(iris, 0).siblings }]));
    const before = B.score(C.peerId);
    await assert.rejects(fetchDataset(B, { peerId: C.peerId, addrs: [addr(C)] }, reg.rootOf('iris'), 120), isCode('DA_BAD_PROOF', /sample 0/));
    assert.ok(B.score(C.peerId) <= before - 20);
  });
});

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
