// A real node process (real LevelDB, real HTTP): 1,000+ signed transfers over JSON-RPC, then a
// SIGKILL under load, a restart, and a replay of every stored block from genesis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBlock, commitBlock, encodeTx, signTx, type ChainState } from '../vm/index.ts';
import { devAccount, genesisState, loadGenesisFile } from '../genesis/index.ts';
import { RpcClient, type BatchCall, type NodeApi } from '../rpc/index.ts';
import { ChainStore } from '../node/storage/index.ts';
import { runCli, startNode } from './helpers/node-process.ts';
import { bytesToHex, encodeAddress } from '../primitives/index.ts';

const SENDERS = 8;
const PER_SENDER = 130; // 1,040 transfers
const AMOUNT = 1_000n;
const FEE = 2n;
const START_BALANCE = 1_000_000_000_000n;

async function waitReceipts(rpc: RpcClient, hashes: string[], timeoutMs = 120_000): Promise<Map<string, { height: string }>> {
  const got = new Map<string, { height: string }>();
  const deadline = Date.now() + timeoutMs;
  while (got.size < hashes.length) {
    if (Date.now() > deadline) throw new Error(`only ${got.size}/${hashes.length} receipts after ${timeoutMs} ms`);
    const pending = hashes.filter((h) => !got.has(h));
    for (let i = 0; i < pending.length; i += 100) {
      const res = await rpc.batch(pending.slice(i, i + 100).map((h) => ({ method: 'tx_getReceipt', params: [h] })));
      res.forEach((r, j) => { if ('result' in r && r.result) got.set(pending[i + j]!, r.result as { height: string }); });
    }
    if (got.size < hashes.length) await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}

function signedTransfer(chainId: string, from: number, to: Uint8Array, nonce: bigint): string {
  return '0x' + bytesToHex(encodeTx(signTx({ chainId, nonce, fee: FEE, payload: { kind: 'transfer', to, amount: AMOUNT } }, devAccount(from).seed)));
}

test('1,040 transfers over JSON-RPC, SIGKILL under load, restart, replay from genesis', { timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-e2e-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const init = await runCli(['init', '--data-dir', dir, '--dev-accounts', '12']);
  assert.equal(init.code, 0, init.stderr);

  let node = await startNode(dir, ['--block-interval-ms', '100']);
  t.after(() => node.kill());
  let rpc = new RpcClient(node.url);
  const status = await rpc.call('node_status', []);
  const recipient = devAccount(11).address;

  // Phase 1: 1,040 transfers from 8 accounts, submitted in batches of 40 over HTTP.
  const hashes: string[] = [];
  for (let n = 0; n < PER_SENDER; n += 5) {
    const calls: BatchCall<NodeApi, 'tx_submit'>[] = [];
    for (let s = 0; s < SENDERS; s++) for (let k = 0; k < 5; k++) calls.push({ method: 'tx_submit', params: [signedTransfer(status.chainId, s, recipient, BigInt(n + k))] });
    const res = await rpc.batch(calls);
    for (const r of res) {
      assert.ok('result' in r, `submit failed: ${JSON.stringify(r)}`);
      hashes.push((r.result as { hash: string }).hash);
    }
  }
  assert.equal(hashes.length, SENDERS * PER_SENDER);
  await waitReceipts(rpc, hashes);
  for (let s = 0; s < SENDERS; s++) {
    const a = await rpc.call('account_get', [encodeAddress(devAccount(s).address)]);
    assert.equal(a.nonce, String(PER_SENDER), `sender ${s} nonce`);
    assert.equal(a.balance, String(START_BALANCE - BigInt(PER_SENDER) * (AMOUNT + FEE)), `sender ${s} balance`);
  }
  const r = await rpc.call('account_get', [encodeAddress(recipient)]);
  assert.equal(r.balance, String(START_BALANCE + BigInt(SENDERS * PER_SENDER) * AMOUNT));
  assert.equal(r.nonce, '0');
  const v = await rpc.call('account_get', [status.validator!]);
  assert.equal(v.balance, String(START_BALANCE + BigInt(SENDERS * PER_SENDER) * FEE), 'validator earned every fee');

  // Phase 2: keep submitting and polling; SIGKILL once some receipts of this phase came back.
  const confirmed = new Set<string>();
  const submitted: string[] = [];
  let nonce = BigInt(PER_SENDER);
  while (confirmed.size < 150) {
    const calls: BatchCall<NodeApi, 'tx_submit'>[] = [];
    for (let s = 0; s < SENDERS; s++) calls.push({ method: 'tx_submit', params: [signedTransfer(status.chainId, s, recipient, nonce)] });
    nonce++;
    for (const x of await rpc.batch(calls)) if ('result' in x) submitted.push((x.result as { hash: string }).hash);
    const res = await rpc.batch(submitted.slice(-80).map((h) => ({ method: 'tx_getReceipt', params: [h] })));
    res.forEach((x, j) => { if ('result' in x && x.result) confirmed.add(submitted.slice(-80)[j]!); });
  }
  await node.kill();

  node = await startNode(dir, ['--block-interval-ms', '100']);
  rpc = new RpcClient(node.url);
  const after = await waitReceipts(rpc, [...confirmed], 10_000);
  assert.equal(after.size, confirmed.size, 'every receipt returned before the kill survives it');
  for (const h of [...confirmed].slice(0, 20)) {
    const tx = await rpc.call('chain_getTx', [h]);
    assert.equal(tx.hash, h);
  }
  const live = await rpc.call('node_status', []);
  assert.equal(await node.stop(), 0, 'graceful stop exits 0');

  // Replay every stored block from genesis with the vm alone and compare the state root.
  const genesis = await loadGenesisFile(join(dir, 'genesis.json'));
  const store = await ChainStore.open(join(dir, 'db'));
  try {
    const height = await store.appliedHeight();
    assert.ok(height >= BigInt(live.height));
    const replayed: ChainState = genesisState(genesis);
    for (let h = 1n; h <= height; h++) commitBlock(replayed, applyBlock(replayed, (await store.getBlock(h))!));
    const head = (await store.getBlock(height))!;
    assert.equal(bytesToHex(replayed.stateRoot), bytesToHex(head.header.stateRoot));
    if (height === BigInt(live.height)) assert.equal('0x' + bytesToHex(replayed.stateRoot), live.stateRoot);
    assert.equal(replayed.getAccount(devAccount(0).address)!.nonce >= BigInt(PER_SENDER), true);
  } finally {
    await store.close();
  }
});
