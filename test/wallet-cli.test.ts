// The wallet commands as an operator types them, each a `polchain` subprocess: stake and unbond
// against a real solo node change what `validator show` and `account show` print; a key exported as
// a keystore file or a 24-word mnemonic imports back to the same address, and bad input is refused
// with its code and writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { devAccount } from '../genesis/index.ts';
import { encodeAddress } from '../primitives/index.ts';
import { runCli, startNode } from './helpers/node-process.ts';
import { mnemonicToSeed } from '../node/keystore/index.ts';

/** The words with the first neighbouring pair swapped whose swap the BIP-39 checksum catches. */
function swappedBadChecksum(words: readonly string[]): string[] {
  for (let i = 0; i + 1 < words.length; i++) {
    if (words[i] === words[i + 1]) continue;
    const w = [...words];
    [w[i], w[i + 1]] = [w[i + 1]!, w[i]!];
    try { mnemonicToSeed(w.join(' ')); } catch { return w; }
  }
  throw new Error('no swap of neighbouring words breaks this mnemonic\'s checksum');
}

test('tx stake then tx unbond change what validator show, validator list and account show print', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-wallet-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal((await runCli(['init', '--data-dir', dir, '--dev-accounts', '3'])).code, 0);
  // no empty blocks: the unbonding entry must not mature (20 blocks) while the test reads it
  const node = await startNode(dir, ['--block-interval-ms', '100', '--empty-blocks', 'false']);
  t.after(() => node.kill());
  const rpc = ['--rpc', node.url];
  const addr = encodeAddress(devAccount(1).address);

  const before = await runCli(['validator', 'show', addr, ...rpc]);
  assert.equal(before.code, 1);
  assert.match(before.stderr, /NOT_A_VALIDATOR/);
  const acct0 = await runCli(['account', 'show', addr, ...rpc]);
  assert.equal(acct0.code, 0, acct0.stderr);
  assert.match(acct0.stdout, /^stake\s+0 \(not a validator\)$/m);
  assert.match(acct0.stdout, /^unbonding\s+none$/m);

  const staked = await runCli(['tx', 'stake', '--amount', '5000', '--dev-account', '1', '--wait', ...rpc]);
  assert.equal(staked.code, 0, staked.stderr);
  assert.equal(JSON.parse(staked.stdout).status, 'ok');
  const shown = await runCli(['validator', 'show', addr, ...rpc]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^status\s+active$/m);
  assert.match(shown.stdout, /^stake\s+5000$/m);
  const list = await runCli(['validator', 'list', '--json', ...rpc]);
  assert.ok(JSON.parse(list.stdout).validators.some((v: { address: string; stake: string }) => v.address === addr && v.stake === '5000'));

  const unbonded = await runCli(['tx', 'unbond', '--amount', '5000', '--dev-account', '1', '--wait', ...rpc]);
  assert.equal(unbonded.code, 0, unbonded.stderr);
  const after = await runCli(['validator', 'show', addr, ...rpc]);
  assert.match(after.stdout, /^status\s+inactive \(all stake unbonded\)$/m);
  assert.match(after.stdout, /^stake\s+0$/m);
  const acct = await runCli(['account', 'show', addr, ...rpc]);
  assert.match(acct.stdout, /^unbonding\s+5000 at block \d+ \(in \d+ blocks\)$/m);
  assert.match(acct.stdout, /^nonce\s+2$/m);
  const json = JSON.parse((await runCli(['account', 'show', addr, '--json', ...rpc])).stdout);
  assert.equal(json.unbonding.length, 1);
  assert.equal(json.unbonding[0].amount, '5000');
  assert.equal(json.validator.stake, '0');
  // stake 5000 + two fees of 1 left the balance; the 5000 is in the queue, not yet back
  assert.equal(BigInt(json.balance), 1_000_000_000_000n - 5002n);
  // an unbond the chain could not carry out is refused before it is signed: the nonce does not move
  const over = await runCli(['tx', 'unbond', '--amount', '1', '--dev-account', '1', ...rpc]);
  assert.equal(over.code, 1);
  assert.match(over.stderr, /UNBOND_EXCEEDS_STAKE: .* has stake 0, less than 1; nothing was sent/);
  const never = await runCli(['tx', 'unbond', '--amount', '1', '--dev-account', '2', ...rpc]);
  assert.equal(never.code, 1);
  assert.match(never.stderr, /NOT_A_VALIDATOR: .* has no stake to unbond; nothing was sent/);
  assert.match((await runCli(['account', 'show', addr, ...rpc])).stdout, /^nonce\s+2$/m);

  // refused before anything is signed or sent: a bad address, a zero stake
  const bad = await runCli(['account', 'show', 'pol1nope', ...rpc]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /USAGE: "pol1nope" is not an address/);
  const zero = await runCli(['tx', 'stake', '--amount', '0', '--dev-account', '1', ...rpc]);
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /--amount must be positive for tx stake/);
  assert.equal(await node.stop(), 0);
});

test('keys export then import round-trips a key; a bad mnemonic or a wrong passphrase is refused and writes nothing', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-keys-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const a = ['--data-dir', join(dir, 'a')];
  const b = ['--data-dir', join(dir, 'b')];
  const made = await runCli(['keys', 'new', 'alice', ...a]);
  assert.equal(made.code, 0, made.stderr);
  const { address } = JSON.parse(made.stdout);

  const words = await runCli(['keys', 'export', 'alice', '--mnemonic', ...a]);
  assert.equal(words.code, 0, words.stderr);
  assert.equal(words.stdout.trim().split(' ').length, 24);
  assert.match(words.stderr, /these 24 words are the key itself/);
  await writeFile(join(dir, 'words.txt'), words.stdout);
  const fromWords = await runCli(['keys', 'import', 'bob', '--mnemonic', '--mnemonic-file', join(dir, 'words.txt'), ...b], { POLCHAIN_PASSPHRASE: 'another one' });
  assert.equal(fromWords.code, 0, fromWords.stderr);
  assert.equal(JSON.parse(fromWords.stdout).address, address);

  await writeFile(join(dir, 'pw'), 'another one\n');
  const exported = join(dir, 'alice.json');
  const file = await runCli(['keys', 'export', 'bob', '--out', exported, ...b]);
  assert.equal(file.code, 0, file.stderr);
  assert.equal(JSON.parse(await readFile(exported, 'utf8')).address, address);
  const again = await runCli(['keys', 'export', 'bob', '--out', exported, ...b]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists/);
  const fromFile = await runCli(['keys', 'import', 'carol', '--keystore', exported, '--passphrase-file', join(dir, 'pw'), ...a]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.equal(JSON.parse(fromFile.stdout).address, address);

  const keysBefore = (await readdir(join(dir, 'a', 'keys'))).sort();
  const wrong = await runCli(['keys', 'import', 'dave', '--keystore', exported, ...a], { POLCHAIN_PASSPHRASE: 'not it' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^polchain keys: KEYSTORE_BAD_PASSPHRASE: /);
  // two neighbouring words swapped; about 1 swap in 256 keeps a valid checksum, so take the first that breaks it
  const original = words.stdout.trim().split(' ');
  const swapped = swappedBadChecksum(original);
  const cases: Array<[string, RegExp]> = [
    ['abandon abandon abandon', /KEYSTORE_BAD_MNEMONIC: a key mnemonic has 24 words, got 3/],
    [[...swapped.slice(0, 23), 'notaword'].join(' '), /KEYSTORE_BAD_MNEMONIC: word 24 is not in the BIP-39 English wordlist/],
    [swapped.join(' '), /KEYSTORE_BAD_MNEMONIC: the checksum does not match/],
  ];
  for (const [text, want] of cases) {
    await writeFile(join(dir, 'bad.txt'), text);
    const r = await runCli(['keys', 'import', 'erin', '--mnemonic', '--mnemonic-file', join(dir, 'bad.txt'), ...a]);
    assert.equal(r.code, 1, text);
    assert.match(r.stderr, want);
  }
  await writeFile(join(dir, 'junk.json'), '{"kind":"polchain-keystore","version":1}');
  const junk = await runCli(['keys', 'import', 'erin', '--keystore', join(dir, 'junk.json'), ...a]);
  assert.match(junk.stderr, /KEYSTORE_MALFORMED/);
  const taken = await runCli(['keys', 'import', 'alice', '--keystore', exported, ...a]);
  assert.match(taken.stderr, /KEYSTORE_EXISTS/);
  const both = await runCli(['keys', 'import', 'erin', '--keystore', exported, '--mnemonic', ...a]);
  assert.equal(both.code, 2);
  assert.deepEqual((await readdir(join(dir, 'a', 'keys'))).sort(), keysBefore);
});
