// The wallet and validator commands against a real solo node, run as an operator would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devAccount } from '../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { bytesToHex, encodeAddress } from '../primitives/index.ts';
import { runCli, startNode } from './helpers/node-process.ts';

test('tx stake and tx unbond change what account show and validator show/list print', { timeout: 90_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-wallet-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal((await runCli(['init', '--data-dir', dir, '--dev-accounts', '3'])).code, 0);
  const node = await startNode(dir, ['--block-interval-ms', '100']);
  t.after(() => node.kill());
  const rpc = ['--rpc', node.url];
  const me = encodeAddress(devAccount(2).address);

  const before = await runCli(['account', 'show', me, ...rpc]);
  assert.equal(before.code, 0, before.stderr);
  assert.match(before.stdout, /^stake {5}0 \(not a validator\)$/m);
  assert.match(before.stdout, /^unbonding none$/m);
  const notYet = await runCli(['validator', 'show', me, ...rpc]);
  assert.equal(notYet.code, 1);
  assert.match(notYet.stderr, /^polchain validator: VALIDATOR_NOT_FOUND: .* is not a validator/);

  const stake = await runCli(['tx', 'stake', '--amount', '5000', '--dev-account', '2', '--wait', ...rpc]);
  assert.equal(stake.code, 0, stake.stderr);
  const shown = await runCli(['validator', 'show', me, '--json', ...rpc]);
  assert.equal(shown.code, 0, shown.stderr);
  const v = JSON.parse(shown.stdout);
  assert.equal(v.stake, '5000');
  // the keys derive from the account's seed, as `polchain init` derives a node's
  assert.equal(v.blsKey, '0x' + bytesToHex(blsPublicKey(blsSecretFromSeed(devAccount(2).seed))));
  assert.equal(v.consensusKey, '0x' + bytesToHex(devAccount(2).publicKey));
  const list = await runCli(['validator', 'list', ...rpc]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^2 validators at height \d+, total stake 1005000$/m);
  assert.match(list.stdout, new RegExp(`^  ${me}  stake 5000 \\(0\\.49%\\)$`, 'm'));

  // adding stake keeps the keys the account validates with
  assert.equal((await runCli(['tx', 'stake', '--amount', '1000', '--dev-account', '2', '--wait', ...rpc])).code, 0);
  const unbond = await runCli(['tx', 'unbond', '--amount', '1500', '--dev-account', '2', '--wait', ...rpc]);
  assert.equal(unbond.code, 0, unbond.stderr);
  const after = await runCli(['account', 'show', me, ...rpc]);
  assert.equal(after.code, 0, after.stderr);
  assert.match(after.stdout, /^stake {5}4500, consensus key 0x[0-9a-f]{64}$/m);
  assert.match(after.stdout, /^unbonding 1500 returns at height \d+$/m);
  const json = JSON.parse((await runCli(['account', 'show', me, '--json', ...rpc])).stdout);
  assert.equal(json.unbonding.length, 1);
  assert.equal(json.unbonding[0].amount, '1500');
  assert.equal(BigInt(json.balance), 1_000_000_000_000n - 6000n - 3n, 'staked 6000 in two transactions and paid three fees of 1');
});

test('wallet commands refuse bad input with a usage error and send nothing', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['tx', 'stake', '--amount', '0', '--dev-account', '1'], /--amount must be positive/],
    [['tx', 'stake', '--amount', '10', '--consensus-key', 'ab', '--dev-account', '1'], /--consensus-key must be 32 bytes of hex/],
    [['tx', 'stake', '--amount', '10', '--consensus-key', '00'.repeat(32), '--dev-account', '1'], /--consensus-key and --bls-key go together/],
    [['tx', 'unbond', '--amount', '10', '--to', encodeAddress(devAccount(0).address), '--dev-account', '1'], /--to is for tx transfer/],
    [['tx', 'burn', '--amount', '10'], /tx needs one of transfer, stake, unbond/],
    [['account', 'show', 'nope'], /"nope" is not an address/],
    [['account', 'list'], /account needs: show ADDR/],
    [['validator', 'show'], /an address is required/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli([...args, '--rpc', 'http://127.0.0.1:9/']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
});
