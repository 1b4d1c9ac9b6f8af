// The solver's test cheats against a real committee: a one-validator BFT node runs the verifier
// (node/verifier), which fetches the opened checkpoints from the solver over libp2p, replays the
// sampled segments and attests. The honest solver's digest matches and it is paid; a solver that
// skipped updates in every segment, trained with another learning rate, or committed losses its
// steps did not produce (every hash honest), is slashed (mismatch).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { disputeTermsFor, encodeTx, signTx } from '../../vm/index.ts';
import { devAccount } from '../../genesis/index.ts';
import { RpcClient } from '../../rpc/index.ts';
import { PolchainNode } from '../node.ts';
import { canonicalSpecJson, datasetRoot, loadDataset, parseSpec, withSteps } from '../../ml-runtime/index.ts';
import { Solver, type CheatMode, type JobResult } from './index.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';
import { startSoloBftNode, type SoloJobNode } from '../../test/helpers/solo-job-node.ts';

const iris = loadDataset('iris').train;
const spec = { ...withSteps(parseSpec(readFileSync(new URL('../../ml-runtime/specs/iris.json', import.meta.url), 'utf8')), 40), checkpointInterval: 10 };
let dir: string;
let node: PolchainNode;
let rpc: RpcClient;
let nonce = 0n;

let solo: SoloJobNode | undefined;

before(async () => {
  solo = await startSoloBftNode('polchain-solver-det-', 5);
  ({ dir, node, rpc } = solo);
});

after(async () => {
  await solo?.stop();
});

async function solve(account: number, cheat?: CheatMode): Promise<{ id: string; result: JobResult; members: Array<{ matched: boolean | null; unavailable: boolean }> }> {
  // the attest window closes early once the one member attested; its length only matters on a loaded machine
  const terms = {
    spec: new TextEncoder().encode(canonicalSpecJson(spec)), runtime: 'det-1', datasetRoot: datasetRoot(iris), datasetSize: iris.count, q: 16, committeeSize: 5,
    windows: { accept: 200, commit: 400, challengeDelay: 2, open: 100, attest: 100, reveal: 100 }, solverStake: 500n, bounty: 1000n, attestReward: 100n, parent: null,
    dispute: disputeTermsFor(spec, { window: 2 }),
  };
  const raw = encodeTx(signTx({ chainId: 'polchain-dev', nonce: nonce++, fee: 1n, payload: { kind: 'job-submit', terms } }, devAccount(0).seed));
  await rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
  const id = bytesToHex(sha256(raw));
  const solver = new Solver({ rpcUrl: node.rpcUrl!, seed: devAccount(account).seed, dataDir: join(dir, `solver${account}`), once: true, pollIntervalMs: 100, cheat, logger: pino({ level: 'silent' }) });
  await solver.start();
  const [result] = await solver.wait();
  const att = await rpc.call('job_getAttestations', ['0x' + id]);
  return { id, result: result!, members: att.members };
}

test('the committee pays the honest solver and slashes skip-steps, wrong-lr and lie-loss', { timeout: 180_000 }, async () => {
  const honest = await solve(1);
  assert.equal(honest.result.status, 'finalized', honest.result.reason ?? '');
  assert.equal(honest.result.outcome, 'paid');
  assert.deepEqual(honest.members.map((m) => [m.matched, m.unavailable]), [[true, false]], 'the validator replayed and agreed');
  assert.equal(honest.result.earnings!.observedDelta, 1000n - honest.result.earnings!.fees);

  // lie-loss trains honestly (every hash right) and commits halved losses: only the replayed losses tell
  for (const [account, cheat] of [[2, { kind: 'skip-steps', fraction: 1 }], [3, { kind: 'wrong-lr', factor: 0.5 }], [4, { kind: 'lie-loss', factor: 0.5 }]] as const) {
    const r = await solve(account, cheat);
    assert.equal(r.result.jobId, r.id);
    assert.equal(r.result.status, 'slashed', `${cheat.kind}: ${r.result.reason}`);
    assert.equal(r.result.outcome, 'mismatch');
    assert.deepEqual(r.members.map((m) => [m.matched, m.unavailable]), [[false, false]], `${cheat.kind}: the validator replayed and disagreed`);
    const e = r.result.earnings!;
    assert.equal(e.bounty, 0n);
    assert.equal(e.net, -(500n + e.fees));
    assert.equal(e.observedDelta, e.net, `${cheat.kind}: the bond is gone and nothing was paid`);
  }
});
