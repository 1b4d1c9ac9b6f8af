// The operator's path through the CLI: init, keys, start, tx transfer --wait, status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { devAccount } from '../genesis/index.ts';
import { runCli, startNode } from './helpers/node-process.ts';
import { encodeAddress } from '../primitives/index.ts';

test('init, keys, start, transfer and status through the CLI', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const init = await runCli(['init', '--data-dir', dir, '--dev-accounts', '3']);
  assert.equal(init.code, 0, init.stderr);
  const info = JSON.parse(init.stdout);
  assert.match(info.validator, /^pol1/);
  assert.equal((await stat(join(dir, 'keys', 'validator.json'))).mode & 0o777, 0o600);

  const passFile = join(dir, 'pass.txt');
  await writeFile(passFile, 'another secret\n');
  const created = await runCli(['keys', 'new', 'alice', '--data-dir', dir, '--passphrase-file', passFile], { POLCHAIN_PASSPHRASE: '' });
  assert.equal(created.code, 0, created.stderr);
  const alice = JSON.parse(created.stdout);
  const list = await runCli(['keys', 'list', '--data-dir', dir]);
  assert.match(list.stdout, new RegExp(`alice\\s+${alice.address}`));
  assert.match(list.stdout, new RegExp(`validator\\s+${info.validator}`));
  assert.equal(JSON.parse((await runCli(['keys', 'show', 'alice', '--data-dir', dir])).stdout).address, alice.address);
  assert.equal((await runCli(['keys', 'new', 'alice', '--data-dir', dir])).code, 1, 'no overwrite');
  assert.equal((await runCli(['keys', 'show', 'nobody', '--data-dir', dir])).code, 1);

  const node = await startNode(dir, ['--block-interval-ms', '100']);
  t.after(() => node.kill());
  const fund = await runCli(['tx', 'transfer', '--rpc', node.url, '--dev-account', '0', '--to', alice.address, '--amount', '5000', '--wait']);
  assert.equal(fund.code, 0, fund.stderr);
  assert.equal(JSON.parse(fund.stdout).events[0].amount, '5000');
  const back = await runCli(['tx', 'transfer', '--rpc', node.url, '--data-dir', dir, '--from', 'alice', '--passphrase-file', passFile,
    '--to', encodeAddress(devAccount(1).address), '--amount', '100', '--fee', '2', '--wait'], { POLCHAIN_PASSPHRASE: '' });
  assert.equal(back.code, 0, back.stderr);
  assert.equal(JSON.parse(back.stdout).fee, '2');
  const status = JSON.parse((await runCli(['status', '--rpc', node.url])).stdout);
  assert.equal(status.validator, info.validator);
  assert.ok(BigInt(status.height) >= 2n);
  const bad = await runCli(['tx', 'transfer', '--rpc', node.url, '--dev-account', '0', '--to', 'pol1xyz', '--amount', '1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--to/);
  const poor = await runCli(['tx', 'transfer', '--rpc', node.url, '--dev-account', '7', '--to', alice.address, '--amount', '1']);
  assert.equal(poor.code, 1);
  assert.match(poor.stderr, /polchain tx: TX_INSUFFICIENT_BALANCE: .*balance is 0 \(JSON-RPC -32002\)/);
  assert.equal(await node.stop(), 0);
});
