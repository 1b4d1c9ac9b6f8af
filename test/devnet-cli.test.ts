// `polchain devnet`: generates a network, prints every validator's RPC address, and stops them all on Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient } from '../rpc/index.ts';
import { ROOT } from './helpers/node-process.ts';

test('devnet prints RPC addresses of live validators and stops them all on SIGINT', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-devnet-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const base = 20000 + Math.floor(Math.random() * 20000);
  const p = spawn(process.execPath, [join(ROOT, 'bin/polchain.mjs'), 'devnet', '--validators', '3', '--dir', dir, '--p2p-base-port', String(base), '--rpc-base-port', String(base + 100), '--block-interval-ms', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (p.exitCode === null) p.kill('SIGKILL'); });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const exited = once(p, 'exit');
  const end = Date.now() + 90_000;
  while (!/running; Ctrl-C stops every validator/.test(out)) {
    if (Date.now() > end || p.exitCode !== null) throw new Error(`devnet did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const urls = [...out.matchAll(/validator (\d): rpc (http:\/\/\S+)/g)].map((m) => m[2]!);
  assert.equal(urls.length, 3);
  const rpc = new RpcClient(urls[2]!);
  for (let i = 0; i < 200 && BigInt((await rpc.call('node_status', [])).height) < 3n; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(BigInt((await rpc.call('node_status', [])).height) >= 3n, 'the devnet commits blocks');
  p.kill('SIGINT');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, out);
  assert.match(out, /all validators stopped/);
  await assert.rejects(rpc.call('node_status', []), 'every validator is gone');
});
