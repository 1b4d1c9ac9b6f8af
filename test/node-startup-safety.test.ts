// A damaged or incomplete data dir never silently changes what a node is (issue 12, defects 3-6):
// real `polchain` processes on real data dirs, damaged the way a disk or an operator damages them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile, readdir, unlink, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startNode, type CliResult } from './helpers/node-process.ts';

async function height(url: string): Promise<number> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'node_status', params: [] }) });
  return Number(((await r.json()) as { result: { height: string } }).result.height);
}

async function waitHeight(url: string, h: number): Promise<void> {
  for (let i = 0; i < 600 && (await height(url)) < h; i++) await new Promise((r) => setTimeout(r, 100));
}

/** A refused start: exit 1, one typed line naming `code`, no stack trace. */
function refused(r: CliResult, code: string, ...more: RegExp[]): void {
  assert.equal(r.code, 1, `expected a refused start, got exit ${r.code}:\n${r.stderr.slice(-2000)}`);
  assert.match(r.stderr, new RegExp(`polchain start: ${code}: `));
  for (const m of more) assert.match(r.stderr, m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

const start = (dir: string, ...extra: string[]) => runCli(['start', '--data-dir', dir, '--rpc-port', '0', ...extra]);

async function initDir(t: { after: (f: () => Promise<void>) => void }, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `polchain-${name}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal((await runCli(['init', '--data-dir', dir])).code, 0);
  return dir;
}

test('a BFT validator whose config.json goes missing refuses to start instead of forking as a solo chain; so does one without its sign history', { timeout: 180_000 }, async (t) => {
  const dir = await initDir(t, 'bft-id');
  const config = JSON.stringify({ engine: 'bft', p2pListen: '/ip4/127.0.0.1/tcp/0', blockIntervalMs: 100 });
  await writeFile(join(dir, 'config.json'), config);
  const node = await startNode(dir);
  t.after(() => node.kill());
  await waitHeight(node.url, 3);
  assert.equal(await node.stop(), 0);
  const h = await (async () => { const n = await startNode(dir); const x = await height(n.url); await n.stop(); return x; })();
  assert.ok(h >= 3);

  await unlink(join(dir, 'config.json'));
  refused(await start(dir), 'DATADIR_IDENTITY_MISMATCH', /runs the bft engine, but this start would run solo \(from the default, since config\.json is missing\)/);
  // The database remembers too: without identity.json the answer is the same.
  await unlink(join(dir, 'identity.json'));
  refused(await start(dir), 'DATADIR_IDENTITY_MISMATCH', /runs the bft engine/);
  refused(await start(dir, '--engine', 'solo'), 'DATADIR_IDENTITY_MISMATCH', /from --engine/);
  await writeFile(join(dir, 'config.json'), config);
  // Every other state file: damaged is a typed refusal naming the file.
  await writeFile(join(dir, 'identity.json'), '{"version": 1, "chainId"');
  refused(await start(dir), 'STATE_FILE_DAMAGED', /identity\.json: not valid JSON/);
  await unlink(join(dir, 'identity.json')); // the database still has the record
  const p2pKey = await readFile(join(dir, 'p2p.key'), 'utf8');
  await writeFile(join(dir, 'p2p.key'), p2pKey.slice(0, 20));
  refused(await start(dir), 'STATE_FILE_DAMAGED', /p2p\.key \(this node's libp2p identity\) is damaged/);
  await writeFile(join(dir, 'p2p.key'), p2pKey);

  // A damaged double-sign history is a typed refusal, a missing one too unless accepted explicitly.
  const history = await readFile(join(dir, 'sign-history.json'), 'utf8');
  await writeFile(join(dir, 'sign-history.json'), history.slice(0, Math.floor(history.length / 2)));
  refused(await start(dir), 'STATE_FILE_DAMAGED', /sign-history\.json \(the double-sign history\) is damaged/);
  await unlink(join(dir, 'sign-history.json'));
  refused(await start(dir), 'SIGN_HISTORY_MISSING', /--accept-missing-sign-history/);
  const accepted = await startNode(dir, ['--accept-missing-sign-history']);
  t.after(() => accepted.kill());
  assert.match(accepted.logs(), /"level":40[^\n]*sign-history\.json is missing/);
  await waitHeight(accepted.url, h + 2);
  assert.equal(await accepted.stop(), 0);

  // A missing libp2p identity on a node that has run: a new peer id, said at warn level.
  await unlink(join(dir, 'p2p.key'));
  const renewed = await startNode(dir);
  t.after(() => renewed.kill());
  assert.match(renewed.logs(), /"level":40[^\n]*p2p\.key was missing: this node starts with a new libp2p peer id/);
  assert.notEqual(await readFile(join(dir, 'p2p.key'), 'utf8'), p2pKey, 'a new identity was written');
  assert.equal(await renewed.stop(), 0);
});

test('a damaged or missing validator key refuses the start with a typed error naming the file; --no-validator follows instead', { timeout: 180_000 }, async (t) => {
  const dir = await initDir(t, 'key');
  const node = await startNode(dir, ['--block-interval-ms', '100']);
  await waitHeight(node.url, 2);
  assert.equal(await node.stop(), 0);
  const keyPath = join(dir, 'keys', 'validator.json');
  const good = await readFile(keyPath, 'utf8');
  const file = JSON.parse(good);
  const damages: Array<[string, string, RegExp]> = [
    ['truncated', good.slice(0, good.length >> 1), /not valid JSON \(truncated\?/],
    ['empty', '', /is empty/],
    ['absurd KDF cost', JSON.stringify({ ...file, crypto: { ...file.crypto, kdfparams: { ...file.crypto.kdfparams, n: 1 << 20, r: 32, p: 16 } } }), /scrypt cost too high/],
    ['altered public key', JSON.stringify({ ...file, publicKey: (file.publicKey[0] === 'a' ? 'b' : 'a') + file.publicKey.slice(1) }), /address does not match publicKey/],
  ];
  for (const [what, text, why] of damages) {
    await writeFile(keyPath, text);
    const r = await start(dir);
    refused(r, 'VALIDATOR_KEY_UNLOADABLE', new RegExp(keyPath.replace(/[.]/g, '\\.')), why, /--no-validator/);
    assert.ok(r.stderr.length < 2000, what);
  }
  await unlink(keyPath);
  refused(await start(dir), 'VALIDATOR_KEY_UNLOADABLE', /validator\.json is missing, but this data dir runs validator pol1/);
  const follower = await startNode(dir, ['--no-validator']);
  t.after(() => follower.kill());
  assert.match(follower.logs(), /"level":40[^\n]*following the chain without signing/);
  assert.equal(await follower.stop(), 0);
});

test('a database that lost its newest blocks or has damaged tables is refused at start and reported by `polchain db check`', { timeout: 180_000 }, async (t) => {
  const dir = await initDir(t, 'db');
  const node = await startNode(dir, ['--block-interval-ms', '50']);
  await waitHeight(node.url, 30);
  await node.kill(); // SIGKILL: the newest blocks are still in db/*.log
  const db = join(dir, 'db');
  const logs = (await readdir(db)).filter((f) => f.endsWith('.log'));
  assert.ok(logs.length > 0);
  for (const f of logs) {
    const p = join(db, f);
    const size = (await stat(p)).size;
    await writeFile(p, (await readFile(p)).subarray(0, size >> 1));
  }
  refused(await start(dir), 'STORE_BEHIND', /ends at block \d+, but this data dir committed block \d+/, /polchain db check/);
  const check = await runCli(['db', 'check', '--data-dir', dir, '--json']);
  assert.equal(check.code, 1);
  const summary = JSON.parse(check.stdout.trim().split('\n').pop()!) as { ok: boolean; problems: string[] };
  assert.equal(summary.ok, false);
  assert.match(summary.problems.join('\n'), /STORE_BEHIND/);
});

test('`polchain db check` passes a sound data dir and finds flipped bytes in a table file; the start refuses them', { timeout: 180_000 }, async (t) => {
  const dir = await initDir(t, 'ldb');
  const node = await startNode(dir, ['--block-interval-ms', '50']);
  await waitHeight(node.url, 40);
  assert.equal(await node.stop(), 0);
  const ok = await runCli(['db', 'check', '--data-dir', dir, '--json']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const sound = JSON.parse(ok.stdout.trim()) as { ok: boolean; blocks: number; head: number };
  assert.equal(sound.ok, true);
  assert.equal(sound.blocks, sound.head);
  assert.match(ok.stderr, /db check .*blocks/, 'a progress line');

  const db = join(dir, 'db');
  const tables = (await readdir(db)).filter((f) => f.endsWith('.ldb'));
  assert.ok(tables.length > 0, 'a clean stop leaves table files');
  for (const f of tables) {
    const b = await readFile(join(db, f));
    // flip a byte every 512 bytes of the data blocks (the last 1 KiB holds the index and footer)
    for (let i = 100; i < b.length - 1024; i += 512) b[i]! ^= 0x5a;
    await writeFile(join(db, f), b);
  }
  const bad = await runCli(['db', 'check', '--data-dir', dir, '--json']);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.ok(bad.stdout.trim(), `a summary on stdout; stderr: ${bad.stderr}`);
  assert.equal((JSON.parse(bad.stdout.trim().split('\n').pop()!) as { ok: boolean }).ok, false);
  // Where a flipped byte lands decides what is read first: an unreadable table (STORE_CORRUPT) or a
  // value that reads back wrong (the genesis hash: GENESIS_MISMATCH); either way a typed refusal.
  const r = await start(dir);
  refused(r, '(?:STORE_CORRUPT|GENESIS_MISMATCH)', /polchain db check/);
});

test('a bad p2p listen address fails the start before the RPC server opens', { timeout: 120_000 }, async (t) => {
  const dir = await initDir(t, 'p2p');
  const busy = createServer().listen(0, '127.0.0.1');
  t.after(() => busy.close());
  await new Promise((r) => busy.once('listening', r));
  const port = (busy.address() as AddressInfo).port;
  const r = await start(dir, '--engine', 'bft', '--p2p-listen', `/ip4/127.0.0.1/tcp/${port}`, '--log-format', 'json');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /polchain start: P2P_LISTEN_FAILED: .*already in use/);
  assert.doesNotMatch(r.stderr, /rpc server listening/, 'RPC never opened');
});
