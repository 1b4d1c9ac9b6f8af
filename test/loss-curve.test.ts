// Committed loss curves through the node (docs/jobs.md §1.1, docs/rpc.md job_getLossCurve): a real
// one-validator BFT node whose verifier replays over libp2p, a real solver that commits its loss root
// and serves its loss vector on 'job-loss'. The node fetches the vector, checks it against the root
// and answers the curve with the points its committee replay confirmed; a vector that does not give
// the committed root is refused with DA_BAD_PROOF; an unknown job is job_get's NOT_FOUND.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { disputeTermsFor, encodeTx, memberSegments, signTx, segmentRange } from '../vm/index.ts';
import { devAccount } from '../genesis/index.ts';
import { RpcClient, RpcClientError, NOT_FOUND, RPC_METHODS } from '../rpc/index.ts';
import { PolchainNode } from '../node/index.ts';
import { canonicalSpecJson, datasetRoot, loadDataset, lossRoot, parseSpec, withSteps } from '../ml-runtime/index.ts';
import { Solver } from '../node/solver/index.ts';
import { SolverArtifacts, fetchLossVector, isJobsError } from '../node/jobs/index.ts';
import { lossCurveJson } from '../node/rpc-methods/index.ts';
import { bytesToHex, hexToBytes, sha256 } from '../primitives/index.ts';
import { startSoloBftNode, type SoloJobNode } from './helpers/solo-job-node.ts';

const iris = loadDataset('iris').train;
const spec = { ...withSteps(parseSpec(readFileSync(new URL('../ml-runtime/specs/iris.json', import.meta.url), 'utf8')), 40), checkpointInterval: 10 };
let dir: string;
let node: PolchainNode;
let rpc: RpcClient;

let solo: SoloJobNode | undefined;

before(async () => {
  solo = await startSoloBftNode('polchain-loss-curve-', 3);
  ({ dir, node, rpc } = solo);
});

after(async () => {
  await solo?.stop();
});

test('an honest job\'s loss curve is committed, fetched from the solver over libp2p, matches the root and is served with its confirmed points', { timeout: 180_000 }, async () => {
  const terms = {
    spec: new TextEncoder().encode(canonicalSpecJson(spec)), runtime: 'det-1', datasetRoot: datasetRoot(iris), datasetSize: iris.count, q: 16, committeeSize: 5,
    windows: { accept: 200, commit: 400, challengeDelay: 2, open: 100, attest: 100, reveal: 100 }, solverStake: 500n, bounty: 1000n, attestReward: 100n, parent: null,
    dispute: disputeTermsFor(spec, { window: 2 }),
  };
  const raw = encodeTx(signTx({ chainId: 'polchain-dev', nonce: 0n, fee: 1n, payload: { kind: 'job-submit', terms } }, devAccount(0).seed));
  await rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
  const id = sha256(raw);
  const idHex = '0x' + bytesToHex(id);
  // not `once`: the solver keeps serving its data after the verdict, as a live solver does
  const solver = new Solver({ rpcUrl: node.rpcUrl!, seed: devAccount(1).seed, dataDir: join(dir, 'solver'), pollIntervalMs: 100, logger: pino({ level: 'silent' }) });
  await solver.start();
  try {
    for (;;) {
      // NOT_FOUND until the JobSubmit is in a block
      const j = await rpc.call('job_get', [idHex]).catch((e: unknown) => { if (e instanceof RpcClientError && e.code === NOT_FOUND) return null; throw e; });
      if (j && (j.status === 'finalized' || j.status === 'slashed')) { assert.equal(j.outcome, 'paid'); break; }
      await new Promise((r) => setTimeout(r, 100));
    }
    const art = await SolverArtifacts.open(join(dir, 'solver'), id);
    const losses = (await art.lossCurve()).values();
    const job = node.state.getJob(id)!;
    assert.equal(losses.length, spec.steps);
    assert.ok(losses.every((l) => Number.isFinite(l) && l > 0));
    assert.deepEqual(job.commitment!.lossRoot, lossRoot(losses, spec.steps, spec.checkpointInterval), 'the TraceCommit carried the root of the solver\'s losses');

    const curve = await rpc.call('job_getLossCurve', { jobId: idHex });
    assert.equal(curve.available, true, curve.reason);
    const ajv = new Ajv({ strict: true, allErrors: true });
    const valid = ajv.compile(RPC_METHODS.job_getLossCurve.result as object);
    assert.ok(valid(curve), ajv.errorsText(valid.errors));
    assert.equal(curve.jobId, idHex);
    assert.equal(curve.steps, spec.steps);
    assert.equal(curve.lossRoot, '0x' + bytesToHex(job.commitment!.lossRoot!));
    assert.deepEqual(curve.points.map((p) => p.loss), losses, 'every step\'s committed loss, fetched over DA');
    // the validator replayed every sampled segment and its digest matched: exactly those steps are confirmed
    const replayed = new Set(job.attestations.flatMap((a) => memberSegments(job, a.address)));
    assert.ok(replayed.size > 0);
    const confirmed = new Set([...replayed].flatMap((j) => { const r = segmentRange(job, j); return Array.from({ length: r.to - r.from }, (_, i) => r.from + i); }));
    assert.deepEqual(curve.points.map((p) => p.status), losses.map((_, t) => (confirmed.has(t) ? 'confirmed' : 'committed')));

    // the TraceCommit as chain_getBlock shows it: tx version 2, its new field lossRoot
    const block = await rpc.call('chain_getBlock', [Number(job.commitment!.height), true]);
    const validBlock = ajv.compile(RPC_METHODS.chain_getBlock.result as object);
    assert.ok(validBlock(block), ajv.errorsText(validBlock.errors));
    const commitTx = (block as { txs: Array<{ kind: string; lossRoot?: string }> }).txs.find((x) => x.kind === 'trace-commit')!;
    assert.equal(commitTx.lossRoot, curve.lossRoot);

    // a vector that does not give the committed root is refused with a typed error
    const peer = { peerId: job.daPeer, addrs: job.daAddrs };
    const wrongRoot = hexToBytes('11'.repeat(32));
    await assert.rejects(fetchLossVector(node.p2p!, peer, { jobId: id, steps: spec.steps, checkpointInterval: spec.checkpointInterval, lossRoot: wrongRoot }),
      (e: unknown) => isJobsError(e) && e.code === 'DA_BAD_PROOF');
    const good = await fetchLossVector(node.p2p!, peer, { jobId: id, steps: spec.steps, checkpointInterval: spec.checkpointInterval, lossRoot: job.commitment!.lossRoot! });
    assert.equal(good.length, 4 * spec.steps);

    // without the vector: the reason, and only what the reveals put on chain (the sampled segments)
    const onChain = await lossCurveJson(job, async () => ({ reason: 'the solver is offline' }));
    assert.equal(onChain.available, false);
    assert.equal(onChain.reason, 'the solver is offline');
    assert.deepEqual(onChain.points.map((p) => p.step), [...confirmed].sort((a, b) => a - b));
    assert.ok(onChain.points.every((p) => p.status === 'confirmed' && p.loss === losses[p.step]));
  } finally {
    await solver.stop();
  }
  await assert.rejects(rpc.call('job_getLossCurve', ['0x' + '22'.repeat(32)]), (e: unknown) => e instanceof RpcClientError && e.code === NOT_FOUND);
});
