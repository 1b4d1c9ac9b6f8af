// The `disputes` topic from a real node: a one-validator BFT node (its verifier is the committee) and
// an in-process solver run a job to its provisional verdict; a challenger disputes a sampled segment
// with one wrong hash over JSON-RPC. The node publishes each transition as its blocks commit (opened
// and referee at once, then resolved), to a subscriber filtered by the job and not to one filtered by
// another job, and job_get / job_getDispute agree with what the notifications said.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { canonicalSpecJson, datasetRoot, lossBits, segmentClaims, loadDataset, parseSpec, selectBackend, withSteps, type ModelSpec } from '../ml-runtime/index.ts';
import { disputeTermsFor, encodeTx, signTx, type JobTerms } from '../vm/index.ts';
import { devAccount } from '../genesis/index.ts';
import { RpcClient, type DisputeUpdateJson, type JobUpdateJson } from '../rpc/index.ts';
import { Solver } from '../node/solver/index.ts';
import { startBftNet, waitFor, type BftNet } from './helpers/bft-net.ts';
import { bytesToHex, concatBytes, sha256 } from '../primitives/index.ts';

const iris = loadDataset('iris').train;
const spec: ModelSpec = { ...withSteps(parseSpec(readFileSync(new URL('../ml-runtime/specs/iris.json', import.meta.url), 'utf8')), 24), checkpointInterval: 4 };
const hx = (b: Uint8Array) => '0x' + bytesToHex(b);

let net: BftNet | undefined;
let solver: Solver | undefined;
let dir: string | undefined;
after(async () => {
  await solver?.stop();
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a real node publishes a dispute\'s transitions on the disputes topic as its blocks commit', { timeout: 120_000 }, async () => {
  await selectBackend('det', { allowFallback: false });
  dir = await mkdtemp(join(tmpdir(), 'polchain-dispute-node-'));
  net = await startBftNet(1, { blockIntervalMs: 100 });
  const node = net.nodes[0]!;
  const rpc = new RpcClient(node.rpcUrl!);
  try {
    const terms: JobTerms = {
      spec: new TextEncoder().encode(canonicalSpecJson(spec)), runtime: 'det-1', datasetRoot: datasetRoot(iris), datasetSize: iris.count, q: 16, committeeSize: 5,
      windows: { accept: 200, commit: 600, challengeDelay: 2, open: 100, attest: 40, reveal: 100 }, solverStake: 500n, bounty: 1000n, attestReward: 100n, parent: null,
      dispute: disputeTermsFor(spec, { window: 40, move: 6, bond: 70n }),
    };
    const raw = encodeTx(signTx({ chainId: node.state.chainId, nonce: 0n, fee: 1n, payload: { kind: 'job-submit', terms } }, devAccount(0).seed));
    const id = hx(sha256(raw));
    const jobs: JobUpdateJson[] = [];
    const mine: DisputeUpdateJson[] = [];
    const others: DisputeUpdateJson[] = [];
    await rpc.subscribe('jobs', (u) => jobs.push(u), undefined, { filter: id });
    await rpc.subscribe('disputes', (u) => mine.push(u), undefined, { filter: id });
    await rpc.subscribe('disputes', (u) => others.push(u), undefined, { filter: '0x' + '42'.repeat(32) });
    await rpc.call('tx_submit', [hx(raw)]);
    solver = new Solver({
      rpcUrl: node.rpcUrl!, seed: devAccount(1).seed, dataDir: join(dir, 'solver'), logger: pino({ level: 'silent' }), pollIntervalMs: 50,
      jobFilter: (v) => v.idHex === id.slice(2),
    });
    await solver.start();
    await waitFor(() => jobs.some((u) => u.status === 'provisional'), 60_000, 'the provisional verdict');

    // a challenger's claim: the solver's revealed hashes of a sampled segment, one of them wrong
    const trace = await rpc.call('job_getTrace', [id]);
    const seg = trace.segments[0]!;
    const revealed = trace.reveals.find((r) => r.from === seg * 4 && r.to === seg * 4 + 4)!;
    const hashes = revealed.hashes.map((h) => new Uint8Array(Buffer.from(h.slice(2), 'hex')));
    // the solver committed a loss root, so past h_from a claim is a step claim (h_{t+1} bound to loss_t; docs/disputes.md §3.2)
    const job = await rpc.call('job_get', [id]);
    assert.ok(job.commitment?.lossRoot, 'the solver commits its losses');
    const curve = await rpc.call('job_getLossCurve', [id]);
    assert.ok(curve.available, curve.reason);
    const loss = new Map(curve.points.map((p) => [p.step, p.loss]));
    const leaf = concatBytes(...[0, 1, 2, 3].map((i) => lossBits(loss.get(seg * 4 + i)!)));
    const claim = [hashes[0]!, ...segmentClaims(hashes.slice(1), leaf)];
    claim[2] = new Uint8Array(32).fill(0x42);
    const challenger = devAccount(2);
    const open = encodeTx(signTx({
      chainId: node.state.chainId, nonce: 0n, fee: 1n, payload: { kind: 'dispute-open', jobId: Buffer.from(id.slice(2), 'hex'), target: 'solver', segment: seg, member: null, hashes: claim },
    }, challenger.seed));
    await rpc.call('tx_submit', [hx(open)]);
    await waitFor(() => mine.some((u) => u.event === 'resolved'), 30_000, 'the dispute decided');

    const receipt = await rpc.call('tx_getReceipt', [hx(sha256(open))]);
    assert.ok(receipt);
    assert.deepEqual(mine.slice(0, 2).map((u) => [u.jobId, u.index, u.kind, u.event, u.stage, u.step, u.height]), [
      [id, 0, 'solver', 'opened', 'referee', seg * 4 + 1, receipt.height], [id, 0, 'solver', 'referee', 'referee', seg * 4 + 1, receipt.height],
    ], 'a sampled segment is located in the block that opens the dispute');
    assert.equal(mine.length, 3);
    const d = await rpc.call('job_getDispute', [id, 0]);
    assert.deepEqual([mine[2]!.event, mine[2]!.stage, mine[2]!.winner, mine[2]!.reason, mine[2]!.height], ['resolved', 'resolved', d.winner, d.reason, d.endHeight]);
    assert.ok(d.reason === 'referee' || d.reason === 'no-state', `decided by the referee or for want of state, not ${d.reason}`);
    assert.deepEqual([d.claim[2], d.otherNext, d.bond], ['0x' + '42'.repeat(32), '0x' + '42'.repeat(32), '70']);
    assert.deepEqual(others, [], 'a subscriber to another job hears nothing');
  } finally {
    await rpc.close();
  }
});
