// The node's logs through the real CLI: JSON with whole 0x hashes when stderr is not a terminal,
// pretty lines on request, per-module levels, and a bad --log-level refused as a usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, TEST_PASSPHRASE, runCli, startNode } from './helpers/node-process.ts';

type Line = Record<string, unknown>;
const parse = (text: string): Line[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

async function waitFor(cond: () => boolean, what: string, logs: () => string): Promise<void> {
  for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(cond(), `${what} never came:\n${logs()}`);
}

test('node logs: JSON with whole 0x hashes off a terminal, pretty on request, per-module levels, bad levels refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-logs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = join(dir, 'node');
  assert.equal((await runCli(['init', '--data-dir', data])).code, 0);

  // stderr is a pipe: JSON, every line of it
  const node = await startNode(data);
  try {
    await waitFor(() => /"committed block"/.test(node.logs()), 'a committed block', node.logs);
  } finally {
    assert.equal(await node.stop(), 0);
  }
  const lines = parse(node.logs());
  const loaded = lines.find((l) => l.msg === 'state loaded')!;
  assert.match(String(loaded.stateRoot), /^0x[0-9a-f]{64}$/);
  const block = lines.find((l) => l.msg === 'committed block')!;
  assert.match(String(block.hash), /^0x[0-9a-f]{64}$/);
  // one line says where JSON-RPC listens; fastify's own "Server listening" is not repeated
  assert.deepEqual(lines.filter((l) => /listening/i.test(String(l.msg))).map((l) => l.msg), ['rpc server listening']);
  // a solo validator's p2p host listens nowhere, and says so instead of listing no addresses
  const p2p = lines.find((l) => l.module === 'p2p')!;
  assert.match(String(p2p.msg), /without a listen address/);
  assert.equal(p2p.addrs, undefined);
  assert.ok(lines.every((l) => Number(l.level) >= 30), 'no debug lines at the default level');

  // per-module: warn by default, producer at debug (rpc at info: startNode reads the url from its line):
  // the producer's lines and rpc's, nobody else's below warn
  const quiet = await startNode(data, ['--log-level', 'warn,producer=debug,rpc=info']);
  try {
    await waitFor(() => /"committed block"/.test(quiet.logs()), 'a committed block', quiet.logs);
  } finally {
    assert.equal(await quiet.stop(), 0);
  }
  const q = parse(quiet.logs());
  assert.ok(q.some((l) => l.module === 'producer' && l.msg === 'committed block'));
  assert.ok(!q.some((l) => l.msg === 'state loaded'), 'the root logger is at warn');
  assert.deepEqual(q.filter((l) => Number(l.level) < 40 && l.module !== 'producer' && l.module !== 'rpc'), [], 'only producer and rpc log below warn');

  // --log-format pretty: readable lines, not JSON (and no colours: stderr is not a terminal)
  const pretty = spawn(process.execPath, [resolve(ROOT, 'bin/polchain.mjs'), 'start', '--data-dir', data, '--rpc-port', '0', '--log-format', 'pretty'], {
    cwd: ROOT, env: { ...process.env, POLCHAIN_PASSPHRASE: TEST_PASSPHRASE }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  pretty.stderr.on('data', (d) => (text += d));
  const exited = once(pretty, 'exit');
  try {
    await waitFor(() => /committed block/.test(text), 'a committed block', () => text);
  } finally {
    pretty.kill('SIGTERM');
    await exited;
  }
  assert.equal(pretty.exitCode, 0, text);
  const prettyLines = text.split('\n').filter(Boolean);
  for (const l of prettyLines) assert.throws(() => JSON.parse(l), SyntaxError, `a JSON line in pretty output: ${l}`);
  assert.ok(prettyLines.some((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: rpc: rpc server listening /.test(l)), text);
  assert.doesNotMatch(text, /\x1b\[/);

  // a bad level is a usage error (exit 2) that names the part at fault; nothing starts
  const bad = await runCli(['start', '--data-dir', data, '--rpc-port', '0', '--log-level', 'info,p2p=loud']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^polchain start: USAGE: --log-level: "info,p2p=loud": "loud" in "p2p=loud" is not a level/);
  assert.doesNotMatch(bad.stderr, /state loaded|\n\s+at /);
  const badFormat = await runCli(['start', '--data-dir', data, '--rpc-port', '0', '--log-format', 'xml']);
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.stderr, /USAGE: --log-format: expected pretty or json, got "xml"/);
});
