// Bad input against a real node process: each gets a clear, typed error and the node keeps serving
// (or refuses to start and says why).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCanonical, encode, encodeTx, signTx } from '../vm/index.ts';
import { devAccount } from '../genesis/index.ts';
import { runCli, startNode } from './helpers/node-process.ts';
import { bytesToHex } from '../primitives/index.ts';

async function post(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const r = await fetch(url, { method: 'POST', body, headers });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

test('a running node answers bad requests and bad transactions with typed errors and keeps running', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-bad-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal((await runCli(['init', '--data-dir', dir])).code, 0);
  const node = await startNode(dir, ['--block-interval-ms', '200', '--rpc-max-batch', '10', '--rpc-body-limit', '4096']);
  t.after(() => node.kill());
  const { url } = node;
  const call = (method: string, params: unknown) => post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));

  assert.equal((await post(url, '{"jsonrpc": "2.0", "method": ')).json.error.code, -32700);
  assert.equal((await post(url, '{"jsonrpc": "1.0", "id": 1, "method": "node_status"}')).json.error.code, -32600);
  assert.equal((await post(url, '[]')).json.error.code, -32600);
  assert.equal((await call('no_such_method', [])).json.error.code, -32601);
  assert.equal((await call('chain_getBlock', ['yesterday'])).json.error.code, -32602);
  assert.equal((await call('account_get', ['pol1notanaddress'])).json.error.code, -32602);
  assert.equal((await call('tx_getReceipt', ['0x1234'])).json.error.code, -32602);
  const notif = await post(url, JSON.stringify({ jsonrpc: '2.0', method: 'node_status', params: [] }));
  assert.equal(notif.json, undefined, 'a notification gets no reply');
  const big = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tx_submit', params: ['0x' + '00'.repeat(5000)] }));
  assert.ok(big.json?.error, 'oversized body is a JSON-RPC error');
  const batch = await post(url, JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'node_status', params: [] }))));
  assert.ok(batch.json.error ?? batch.json[0]?.error, 'oversized batch is refused');

  const { chainId } = (await call('node_status', [])).json.result;
  const good = signTx({ chainId, nonce: 0n, fee: 1n, payload: { kind: 'transfer', to: devAccount(2).address, amount: 5n } }, devAccount(1).seed);
  const goodBytes = encodeTx(good);
  const reject = async (hex: string) => (await call('tx_submit', [hex])).json.error;
  const junk = await reject('0xdeadbeef');
  assert.equal(junk.code, -32002);
  assert.match(junk.data.code, /CODEC_MALFORMED|TX_MALFORMED/);
  // Non-canonical: same transaction with its version written as uint8 instead of a fixint.
  const arr = decodeCanonical(goodBytes) as unknown[];
  const nonCanonical = Uint8Array.from([...encode([]).slice(0, 0), 0x94, 0xcc, 0x01, ...encode(arr.slice(1) as never).slice(1)]);
  assert.equal((await reject('0x' + bytesToHex(nonCanonical))).data.code, 'CODEC_NON_CANONICAL');
  const wrongChain = encodeTx(signTx({ ...good.body, chainId: 'other' }, devAccount(1).seed));
  assert.equal((await reject('0x' + bytesToHex(wrongChain))).data.code, 'TX_WRONG_CHAIN');
  const forged = goodBytes.slice();
  forged[forged.length - 1] ^= 1;
  assert.equal((await reject('0x' + bytesToHex(forged))).data.code, 'TX_BAD_SIGNATURE');
  assert.equal((await reject('0x' + bytesToHex(encodeTx(signTx({ ...good.body, nonce: 10_000n }, devAccount(1).seed))))).data.code, 'MEMPOOL_NONCE_GAP');

  // Still alive, and the good transaction goes through.
  const ok = await call('tx_submit', ['0x' + bytesToHex(goodBytes)]);
  assert.ok(ok.json.result.hash);
  assert.equal((await reject('0x' + bytesToHex(goodBytes))).data.code, 'MEMPOOL_DUPLICATE');

  // A second node on the same data dir refuses to start and says why.
  const second = await runCli(['start', '--data-dir', dir, '--rpc-port', '0']);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /DATADIR_LOCKED: .*another polchain process/);
  assert.equal((await call('node_status', [])).json.result.chainId, chainId, 'the first node is unaffected');
  assert.equal(await node.stop(), 0);
});

test('the node refuses to start on bad genesis, a mismatched genesis, a wrong passphrase or bad flags', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-bad2-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal((await runCli(['init', '--data-dir', dir])).code, 0);
  const again = await runCli(['init', '--data-dir', dir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /DATADIR_EXISTS/);

  const bad = join(dir, 'bad-genesis.json');
  const genesis = JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8'));
  await writeFile(bad, JSON.stringify({ ...genesis, params: { ...genesis.params, minFee: -1 } }));
  const r1 = await runCli(['start', '--data-dir', dir, '--genesis', bad, '--rpc-port', '0']);
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /GENESIS_INVALID: genesis params\.minFee/);

  // Start once so the database records its genesis, then try another genesis.
  const node = await startNode(dir);
  assert.equal(await node.stop(), 0);
  const other = join(dir, 'other-genesis.json');
  await writeFile(other, JSON.stringify({ ...genesis, chainId: 'polchain-other' }));
  const r2 = await runCli(['start', '--data-dir', dir, '--genesis', other, '--rpc-port', '0']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /GENESIS_MISMATCH/);

  const r3 = await runCli(['start', '--data-dir', dir, '--rpc-port', '0'], { POLCHAIN_PASSPHRASE: 'wrong' });
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /KEYSTORE_BAD_PASSPHRASE/);

  const r4 = await runCli(['start', '--data-dir', dir, '--bogus']);
  assert.equal(r4.code, 2);
  assert.match(r4.stderr, /USAGE: .*bogus/);
  const r5 = await runCli(['start', '--data-dir', dir, '--rpc-port', 'eighty']);
  assert.equal(r5.code, 1);
  assert.match(r5.stderr, /CONFIG_INVALID: --rpc-port/);
  const r6 = await runCli(['frobnicate']);
  assert.equal(r6.code, 2);
});
