// Every `polchain init` and `polchain devnet` makes a dev network with a chain id of its own, so a
// transaction signed for one dev network is refused by every other (replay protection between them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeTx, signTx } from '../vm/index.ts';
import { devAccount, parseGenesis } from '../genesis/index.ts';
import { bytesToHex } from '../primitives/index.ts';
import { createDevnet } from '../node/cli/index.ts';
import { runCli, startNode } from './helpers/node-process.ts';

const chainIdOf = async (dir: string) => parseGenesis(JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8'))).chainId;

test('two inits get different chain ids; a transfer signed for one is TX_WRONG_CHAIN on the other', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'polchain-chainid-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const [a, b] = [join(root, 'a'), join(root, 'b')];
  for (const d of [a, b]) assert.equal((await runCli(['init', '--data-dir', d, '--dev-accounts', '2'])).code, 0);
  const [idA, idB] = [await chainIdOf(a), await chainIdOf(b)];
  assert.match(idA, /^polchain-dev-[0-9a-f]{8}$/);
  assert.notEqual(idA, idB);
  const node = await startNode(a);
  t.after(() => node.stop());
  const submit = async (chainId: string) => {
    const raw = encodeTx(signTx({ chainId, nonce: 0n, fee: 1n, payload: { kind: 'transfer', to: devAccount(1).address, amount: 5n } }, devAccount(0).seed));
    const res = await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tx_submit', params: ['0x' + bytesToHex(raw)] }) });
    return (await res.json()) as { result?: unknown; error?: { data?: { code?: string } } };
  };
  assert.equal((await submit(idB)).error?.data?.code, 'TX_WRONG_CHAIN');
  assert.ok((await submit(idA)).result, 'the same transfer signed for its own chain is accepted');
});

test('--chain-id fixes the id; a malformed one is refused before anything is written', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'polchain-chainid-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  assert.equal((await runCli(['init', '--data-dir', join(root, 'fixed'), '--chain-id', 'my-net-1', '--dev-accounts', '0'])).code, 0);
  assert.equal(await chainIdOf(join(root, 'fixed')), 'my-net-1');
  const bad = await runCli(['init', '--data-dir', join(root, 'bad'), '--chain-id', 'Bad_Id', '--dev-accounts', '0']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /GENESIS_INVALID: chainId/);
  await assert.rejects(readFile(join(root, 'bad', 'genesis.json')));
  const dn = join(root, 'devnet');
  await createDevnet(dn, 2, 40000, 0, 100);
  const ids = await Promise.all([0, 1].map((i) => chainIdOf(join(dn, `node${i}`))));
  assert.equal(ids[0], ids[1], 'the validators of one devnet share its chain id');
  assert.match(ids[0]!, /^polchain-dev-[0-9a-f]{8}$/);
});
