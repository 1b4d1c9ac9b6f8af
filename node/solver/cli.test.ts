// `polchain solver` flag handling: bad flags exit 2 before anything starts; a keystore file is
// unlocked with --passphrase-file; SIGTERM stops a running solver cleanly (exit 0).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptKey } from '../keystore/index.ts';
import { main, onceExitCode } from '../cli/index.ts';
import { freePort } from '../../test/helpers/free-port.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const dirP = mkdtemp(join(tmpdir(), 'polchain-solver-cli-'));
after(async () => rm(await dirP, { recursive: true, force: true }));

async function runInProcess(args: string[]): Promise<{ code: number; err: string; out: string }> {
  const err: string[] = [];
  const out: string[] = [];
  const e = console.error;
  const l = console.log;
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  try {
    return { code: await main(args), err: err.join('\n'), out: out.join('\n') };
  } finally {
    console.error = e;
    console.log = l;
  }
}

test('bad flags are usage errors (exit 2) naming what is wrong', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /bogus/],
    [[], /--key FILE or --dev-account I is required/],
    [['--dev-account', '1', '--key', 'k.json'], /only one of --key FILE and --dev-account I/],
    [['--dev-account', 'one'], /--dev-account must be a non-negative integer/],
    [['--dev-account', '1', '--max-steps', '0'], /--max-steps must be a positive integer/],
    [['--dev-account', '1', '--max-steps', '12x'], /--max-steps/],
    [['--dev-account', '1', '--max-jobs', '-1'], /max-jobs/],
    [['--dev-account', '1', '--fee', '-1'], /--fee/],
    [['--dev-account', '1', '--test-cheat', 'nap'], /--test-cheat: .*unknown cheat "nap"/],
    [['--dev-account', '1', '--test-cheat', 'skip-steps:2'], /fraction must be a number in \(0, 1\]/],
    [['--dev-account', '1', '--rpc', 'ftp://example.com/'], /--rpc must be an http\(s\) URL/],
    [['--dev-account', '1', '--rpc', 'not a url'], /--rpc must be an http\(s\) URL/],
    [['--dev-account', '1', '--p2p-listen', '/ip4/127.0.0.1/tcp/0,bogus'], /--p2p-listen: "bogus" is not a multiaddr/],
    [['--dev-account', '1', '--log-level', 'loud'], /--log-level "loud": "loud" is not a level/],
    [['--dev-account', '1', '--log-level', 'info,p2p=loud'], /--log-level "info,p2p=loud": "loud" in "p2p=loud" is not a level/],
    [['--dev-account', '1', '--metrics-port', '70000'], /--metrics-port must be a port number/],
    [['--dev-account', '1', 'extra'], /unexpected argument "extra"/],
    [['--dev-account', '1', '--once=yes'], /once/],
    [['--dev-account'], /dev-account/],
  ];
  for (const [args, re] of cases) {
    const r = await runInProcess(['solver', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re, args.join(' '));
    assert.match(r.err, /usage: polchain solver/, 'the usage line follows');
  }
  const help = await runInProcess(['solver', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /--test-cheat MODE/);
});

test('an unreadable key file or a wrong passphrase fails (exit 1) before any connection', async () => {
  const dir = await dirP;
  const missing = await runInProcess(['solver', '--key', join(dir, 'nope.json'), '--rpc', 'http://127.0.0.1:9/']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /KEY_UNAVAILABLE: cannot read key file/);
  const keyFile = join(dir, 'k1.json');
  await writeFile(keyFile, JSON.stringify(encryptKey(new Uint8Array(32).fill(4), 'right', { n: 1 << 4 })));
  const pass = join(dir, 'wrong.txt');
  await writeFile(pass, 'wrong\n');
  const wrong = await runInProcess(['solver', '--key', keyFile, '--passphrase-file', pass, '--rpc', 'http://127.0.0.1:9/']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /KEYSTORE_BAD_PASSPHRASE/);
});

test('--once exit codes: 0 paid, 3 slashed or given up, 1 otherwise', () => {
  const r = (status: string) => ({ jobId: 'x', status, outcome: '', earnings: null, reason: null }) as Parameters<typeof onceExitCode>[0][number];
  assert.equal(onceExitCode([r('lost'), r('finalized')]), 0);
  assert.equal(onceExitCode([r('slashed')]), 3);
  assert.equal(onceExitCode([r('gave-up')]), 3);
  assert.equal(onceExitCode([r('failed')]), 1);
  assert.equal(onceExitCode([r('expired')]), 1);
  assert.equal(onceExitCode([]), 1);
});

/** A JSON-RPC node stub with no jobs and no WebSocket (the solver must fall back to polling). */
function stubNode(): Promise<{ server: Server; url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(404).end();
      const m = JSON.parse(body) as { id: number; method: string };
      calls.push(m.method);
      const result = m.method === 'node_status' ? { chainId: 'polchain-stub', height: '7' }
        : m.method === 'job_list' ? { jobs: [], nextCursor: null, total: 0, height: '7' } : null;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(result === null ? { jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'no such method' } } : { jsonrpc: '2.0', id: m.id, result }));
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => {
    const a = server.address() as { port: number };
    r({ server, url: `http://127.0.0.1:${a.port}/`, calls });
  }));
}


test('a keystore file unlocks with --passphrase-file; --metrics-port serves its metrics; SIGTERM stops the solver cleanly', { timeout: 60_000 }, async () => {
  const dir = await dirP;
  const file = encryptKey(new Uint8Array(32).fill(5), 'sesame', { n: 1 << 4 });
  const keyFile = join(dir, 'k2.json');
  await writeFile(keyFile, JSON.stringify(file));
  const pass = join(dir, 'pass.txt');
  await writeFile(pass, 'sesame\n');
  const { server, url, calls } = await stubNode();
  const metricsPort = await freePort();
  try {
    const p = spawn(process.execPath, [join(ROOT, 'bin/polchain.mjs'), 'solver', '--rpc', url, '--key', keyFile, '--passphrase-file', pass, '--data-dir', join(dir, 'art'), '--log-level', 'warn', '--metrics-port', String(metricsPort)],
      { cwd: ROOT, env: { ...process.env, POLCHAIN_PASSPHRASE: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const exited = once(p, 'exit');
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no start line: ${out}\n${err}`)), 45_000);
      p.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) { clearTimeout(t); res(); }
      });
    });
    assert.match(out, new RegExp(`^solver ${file.address} on polchain-stub, serving checkpoints as 12D3Koo\\w+ at /ip4/127\\.0\\.0\\.1/tcp/\\d+`));
    const listed = calls.filter((c) => c === 'job_list').length;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(calls.filter((c) => c === 'job_list').length > listed, 'keeps polling for jobs without WebSocket notifications');
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /^# TYPE polchain_solver_steps_total counter$/m);
    assert.match(metrics, /^polchain_solver_steps_per_second 0$/m);
    p.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, err);
  } finally {
    server.close();
  }
});
