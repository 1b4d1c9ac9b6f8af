// Four validator processes on 127.0.0.1 running BFT over libp2p: agreement over 50+ heights,
// SIGKILL and restart of one validator, halt with 2 of 4 down and resumption, block sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient } from '../rpc/index.ts';
import { createDevnet } from '../node/cli/index.ts';
import { startNode, TEST_PASSPHRASE, type NodeProcess } from './helpers/node-process.ts';

const N = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function heightOf(p: NodeProcess): Promise<bigint> {
  return BigInt((await new RpcClient(p.url).call('node_status', [])).height);
}

async function waitHeights(nodes: Array<NodeProcess | null>, min: bigint, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hs = await Promise.all(nodes.map((n) => (n ? heightOf(n).catch(() => -1n) : Promise.resolve(min))));
    if (hs.every((h) => h >= min)) return;
    if (Date.now() > end) throw new Error(`heights ${hs.join(', ')} did not all reach ${min} in ${timeoutMs} ms`);
    await sleep(200);
  }
}

test('4-validator devnet: agreement, kill -9 and catch-up, halt without fork and resume', { timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-devnet-e2e-'));
  const p2pBase = 30000 + Math.floor(Math.random() * 20000);
  await createDevnet(dir, N, p2pBase, 0, 100, TEST_PASSPHRASE);
  const nodes: Array<NodeProcess | null> = [];
  const start = async (i: number) => (nodes[i] = await startNode(join(dir, `node${i}`)));
  t.after(async () => {
    await Promise.all(nodes.map((n) => n?.kill()));
    await rm(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < N; i++) await start(i);

  // 1. At least 50 heights, identical block hashes and state roots everywhere.
  await waitHeights(nodes, 50n, 120_000);
  const clients = nodes.map((n) => new RpcClient(n!.url));
  for (let h = 1; h <= 50; h++) {
    const blocks = await Promise.all(clients.map((c) => c.call('chain_getBlock', [h])));
    assert.equal(new Set(blocks.map((b) => b.hash)).size, 1, `block ${h} differs between nodes`);
    assert.equal(new Set(blocks.map((b) => b.stateRoot)).size, 1, `state root ${h} differs`);
  }

  // 2. SIGKILL validator 3; the other three (3/4 of the power) keep committing; it restarts, syncs and signs again.
  await nodes[3]!.kill();
  nodes[3] = null;
  const h0 = await heightOf(nodes[0]!);
  await waitHeights(nodes, h0 + 10n, 60_000);
  const back = await start(3);
  const target = (await heightOf(nodes[0]!)) + 5n;
  await waitHeights(nodes, target, 60_000);
  const v3 = (await new RpcClient(back.url).call('node_status', [])).validator;
  // A stored commit holds the precommits its node had when it decided (> 2/3, not all four), so the
  // slowest voter can be missing from one node's commits for a while: look at every node's, the
  // restarted one's own included (its own precommit reaches it first whenever it votes).
  let signedAgain = false;
  const allClients = [...clients.slice(0, 3), new RpcClient(back.url)];
  for (let i = 0; i < 100 && !signedAgain; i++) {
    for (const c of allClients) {
      const top = (await c.call('node_status', [])).height;
      const commit = await c.call('chain_getCommit', [Number(top)]);
      if (commit.signatures.some((s) => s.validator === v3)) signedAgain = true;
    }
    if (!signedAgain) await sleep(200);
  }
  assert.ok(signedAgain, 'the restarted validator votes again');

  // 2b. Validator 3 (a separate process) is cut off from every peer for 4 s, then reconnects and catches up.
  await nodes[3]!.stop();
  nodes[3] = await startNode(join(dir, 'node3'), ['--test-fault-partition-ms', '4000']);
  await waitHeights(nodes, (await heightOf(nodes[0]!)) + 2n, 60_000);
  nodes[3]!.proc.kill('SIGUSR2');
  await sleep(500);
  const cut = await heightOf(nodes[3]!);
  await waitHeights([nodes[0]!], cut + 5n, 60_000);
  assert.ok((await heightOf(nodes[3]!)) <= cut + 1n, 'the cut-off validator does not advance');
  await waitHeights(nodes, (await heightOf(nodes[0]!)), 60_000);
  const caught = await heightOf(nodes[3]!);
  const [b3, b0] = await Promise.all([new RpcClient(nodes[3]!.url), clients[0]!].map((c) => c.call('chain_getBlock', [Number(caught)])));
  assert.equal(b3!.hash, b0!.hash, 'it caught up onto the same chain');

  // 3. Stop 2 of 4: no quorum, the chain halts without forking; restart them and it resumes.
  assert.equal(await nodes[2]!.stop(), 0);
  assert.equal(await nodes[3]!.stop(), 0);
  nodes[2] = nodes[3] = null;
  await sleep(1500);
  const halted = await heightOf(nodes[0]!);
  await sleep(3000);
  assert.ok((await heightOf(nodes[0]!)) <= halted + 1n, 'no progress without 2/3 of the power');
  await start(2);
  await start(3);
  await waitHeights(nodes, halted + 5n, 90_000);
  const top = Number(await heightOf(nodes[0]!)) - 1;
  const finalClients = nodes.map((n) => new RpcClient(n!.url));
  for (let h = 1; h <= top; h++) {
    const hashes = await Promise.all(finalClients.map((c) => c.call('chain_getBlock', [h]).then((b) => b.hash)));
    assert.equal(new Set(hashes).size, 1, `block ${h} differs after the restarts`);
  }

  // 4. Validator 1 restarted with the test-only fault switch double-signs prevotes: evidence, slash, jail.
  const v1 = (await finalClients[1]!.call('node_status', [])).validator!;
  const stakeBefore = BigInt((await finalClients[0]!.call('account_get', [v1])).validator!.stake);
  assert.equal(await nodes[1]!.stop(), 0);
  nodes[1] = await startNode(join(dir, 'node1'), ['--test-fault-equivocate']);
  const c0 = finalClients[0]!;
  let jailed = false;
  for (let i = 0; i < 300 && !jailed; i++) {
    const vals = await c0.call('chain_getValidators', []);
    jailed = !vals.validators.some((v) => v.address === v1);
    if (!jailed) await sleep(200);
  }
  assert.ok(jailed, 'the equivocating validator leaves the active set');
  const acct = await c0.call('account_get', [v1]);
  assert.ok(acct.validator && BigInt(acct.validator.stake) < stakeBefore, 'its stake was slashed');
  const hj = await heightOf(nodes[0]!);
  await waitHeights([nodes[0]!, nodes[2]!, nodes[3]!], hj + 3n, 60_000);
});
