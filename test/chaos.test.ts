// Chaos, bounded: a real 4-validator devnet (separate processes, LevelDB, libp2p over TCP) takes
// 300 signed transfers over JSON-RPC while validators are SIGKILLed and restarted (one of them the
// moment it commits a block), one is partitioned from its peers, and a junk gossip peer publishes
// garbage, badly signed votes and oversized proposals. Then: every receipted transfer is in its
// receipt's block at its index on every validator, block hashes and state roots agree at every
// height, and the chain went on after the last restart. `npm run soak` runs the same driver longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeTx, signTx } from '../vm/index.ts';
import { devAccount, devAccountSeed } from '../genesis/index.ts';
import { RpcClient } from '../rpc/index.ts';
import { bytesToHex } from '../primitives/index.ts';
import { runChaos } from './helpers/chaos/driver.ts';
import { auditChains } from './helpers/chaos/audit.ts';
import { runCli, startNode, type NodeProcess } from './helpers/node-process.ts';

test('chaos: 300 transfers through 3 kills, a partition and junk gossip lose nothing and fork nothing', { timeout: 400_000 }, async (t) => {
  const lines: string[] = [];
  const r = await runChaos({ transfers: 300, rate: 10, kills: 3, partitions: 1, junk: true, log: (l) => lines.push(l) }).catch((e: unknown) => {
    throw new Error(`${String(e)}\n${lines.join('\n')}`);
  });
  const why = `${JSON.stringify(r)}\n${lines.join('\n')}`;
  for (const l of lines) t.diagnostic(l);
  t.diagnostic(JSON.stringify({ ...r, lost_hashes: undefined, fork_heights: undefined }));

  assert.equal(r.sent, 300, why);
  assert.equal(r.receipted, 300, `every sent transfer was committed: ${why}`);
  assert.equal(r.lost, 0, `receipted transfers missing from their block: ${why}`);
  assert.equal(r.forks, 0, `validators disagree at some height: ${why}`);
  assert.equal(r.duplicates, 0, why);
  assert.equal(r.txs_in_chain, 300, 'the chain holds exactly the transfers sent');
  assert.equal(r.kills, 3);
  assert.equal(r.kills_after_commit, 1);
  assert.equal(r.restarts, 3);
  assert.equal(r.partitions, 1);
  assert.ok(r.advanced_after_last_restart >= 3, `the chain went on after the last restart: ${why}`);
  assert.ok(r.junk.delivered > 0 && r.junk.oversized > 0 && r.junk.mutated > 0, `the junk peer reached validators: ${why}`);
  assert.ok(r.wal_bytes_per_height.samples > 0 && r.wal_bytes_per_height.max > 0, 'WAL sizes were sampled');
});

// The audit itself: two solo nodes started from one copied data dir (same genesis, same key) never
// talk, so their blocks differ from height 1 on: a fork at every height, and a transfer committed on
// one is missing on the other. A receipt naming the wrong index is lost even on one chain.
test('the chaos audit counts forks and lost receipts on real chains that disagree', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-chaos-audit-'));
  const nodes: NodeProcess[] = [];
  t.after(async () => { await Promise.all(nodes.map((n) => n.kill())); await rm(dir, { recursive: true, force: true }); });
  const init = await runCli(['init', '--data-dir', join(dir, 'a')]);
  assert.equal(init.code, 0, init.stderr);
  await cp(join(dir, 'a'), join(dir, 'b'), { recursive: true });
  for (const d of ['a', 'b']) nodes.push(await startNode(join(dir, d), ['--block-interval-ms', '100']));
  const [a, b] = nodes.map((n) => new RpcClient(n.url));
  const { chainId } = await a!.call('node_status', []);
  const raw = encodeTx(signTx({ chainId, nonce: 0n, fee: 1n, payload: { kind: 'transfer', to: devAccount(9).address, amount: 1n } }, devAccountSeed(0)));
  const { hash } = await a!.call('tx_submit', ['0x' + bytesToHex(raw)]);
  let receipt = await a!.call('tx_getReceipt', [hash]);
  for (let i = 0; i < 300 && !receipt; i++) { await new Promise((r) => setTimeout(r, 100)); receipt = await a!.call('tx_getReceipt', [hash]); }
  assert.ok(receipt, 'the transfer was committed on a');
  const r = { height: Number(receipt.height), index: receipt.index, at: 0 };
  for (;;) {
    const hs = await Promise.all([a!, b!].map(async (c) => Number((await c.call('node_status', [])).height)));
    if (Math.min(...hs) >= r.height + 1) break;
    await new Promise((res) => setTimeout(res, 100));
  }

  const same = await auditChains([a!, a!], new Map([[hash, r]]));
  assert.deepEqual([same.forks.length, same.lost.length, same.duplicates.length, same.txsInChain], [0, 0, 0, 1], 'one chain agrees with itself');
  const wrongIndex = await auditChains([a!, a!], new Map([[hash, { ...r, index: r.index + 1 }]]));
  assert.deepEqual(wrongIndex.lost, [hash], 'a receipt naming another position is lost');
  const split = await auditChains([a!, b!], new Map([[hash, r]]));
  assert.equal(split.forks.length, split.commonHeight, 'every height differs between the two chains');
  assert.ok(split.commonHeight >= r.height + 1);
  assert.deepEqual(split.lost, [hash], 'the transfer is missing on b');
});
