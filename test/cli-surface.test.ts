// What a person types and reads at the `polchain` prompt: the help, the version, exit codes, usage
// errors in our own words, one-line failures with what to do next, and the README's command list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { devAccount } from '../genesis/index.ts';
import { encodeAddress } from '../primitives/index.ts';
import { ROOT, runCli, startNode } from './helpers/node-process.ts';
import { COMMANDS } from '../node/cli/index.ts';
import { SETTINGS, defaultConfig, readConfigFile } from '../node/config/index.ts';
import { NODE_VERSION } from '../node/util/index.ts';

const commandsIn = (help: string) => [...help.split('\ncommands:\n')[1]!.split('\n\n')[0]!.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]!);
const noStack = (s: string) => assert.doesNotMatch(s, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace reached the user:\n${s}`);

test('--help lists every command with its own summary, on stdout with exit 0; no command is a usage error', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  assert.deepEqual(commandsIn(r.stdout), Object.keys(COMMANDS));
  for (const [name, e] of Object.entries(COMMANDS)) {
    // the static table must say what each module says, since --help does not load them
    assert.equal((await e.load()).command.summary, e.summary, name);
    assert.equal((await e.load()).command.name, name);
  }
  const none = await runCli([]);
  assert.equal(none.code, 2);
  assert.equal(none.stdout, '');
  assert.deepEqual(commandsIn(none.stderr), Object.keys(COMMANDS));
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^polchain: USAGE: unknown command "frobnicate"/);
});

test('--version and -V print the version; help CMD prints that command\'s help', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), NODE_VERSION);
  }
  const viaHelp = await runCli(['help', 'start']);
  const direct = await runCli(['start', '--help']);
  assert.equal(viaHelp.code, 0);
  assert.equal(viaHelp.stdout, direct.stdout);
  assert.match(viaHelp.stdout, /^usage: polchain start /);
  assert.equal((await runCli(['help', 'status'])).stdout, (await runCli(['status', '--help'])).stdout);
  assert.equal((await runCli(['help', 'nope'])).code, 2);
});

test('start --help documents every flag with its env name and config key, with no bare placeholders', async () => {
  const { stdout, code } = await runCli(['start', '--help']);
  assert.equal(code, 0);
  assert.doesNotMatch(stdout, /\sV\]|\[--\S+ V\]/);
  for (const f of ['--data-dir DIR', '--genesis FILE', '--passphrase-file FILE', '--no-validator']) assert.match(stdout, new RegExp(`^  ${f}\\s`, 'm'), f);
  for (const s of SETTINGS) {
    const line = stdout.split('\n').find((l) => l.startsWith(`  --${s.flag} `));
    assert.ok(line, `--${s.flag} is listed`);
    assert.ok(line.includes(`env ${s.env}`) && line.includes(`config "${s.key}"`), line);
  }
  assert.doesNotMatch(stdout, /test-fault/);
});

test('settings follow one name per concept: camelCase key, kebab-case flag, POLCHAIN_ SNAKE env; --rpc means a URL only', () => {
  for (const s of SETTINGS) {
    const words = s.key.replace(/([A-Z])/g, ' $1').toLowerCase().split(' ');
    assert.equal(s.flag, words.join('-'), s.key);
    assert.equal(s.env, `POLCHAIN_${words.join('_').toUpperCase()}`, s.key);
  }
  assert.ok(!SETTINGS.some((s) => s.flag === 'rpc'));
});

test('config example is a full annotated config.json that reads back as the defaults', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-cfgex-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const r = await runCli(['config', 'example']);
  assert.equal(r.code, 0, r.stderr);
  for (const s of SETTINGS) assert.match(r.stdout, new RegExp(`flag --${s.flag} .*environment ${s.env}\\n  "${s.key}": `), s.key);
  await writeFile(join(dir, 'config.json'), r.stdout);
  const file = await readConfigFile(join(dir, 'config.json'));
  assert.deepEqual(file, { ...defaultConfig() });
  assert.equal((await runCli(['config'])).code, 2);
});

test('usage errors are ours: they name the flag, show the usage and exit 2, on every command', async () => {
  const to = encodeAddress(devAccount(1).address);
  const cases: [string[], RegExp][] = [
    [['start', '--bogus'], /^polchain start: USAGE: unknown flag --bogus\nusage: polchain start /],
    [['start', '--rpc'], /USAGE: unknown flag --rpc /],
    [['start', '--block-interval', '5'], /did you mean --block-interval-ms\?/],
    [['status', '--bogus'], /^polchain status: USAGE: unknown flag --bogus\nusage: polchain status/],
    [['tx', 'transfer', '--dev-account', '0', '--to', to, '--amount', '-1'], /USAGE: --amount must be a non-negative integer, got "-1"/],
    [['tx', 'transfer', '--dev-account', '0', '--to', to, '--amount'], /USAGE: --amount needs a value/],
    [['tx', 'transfer', '--wait=yes'], /USAGE: --wait is a switch and takes no value/],
    [['status', 'extra'], /USAGE: unexpected argument "extra"/],
    [['status', '--rpc', 'notaurl'], /^polchain status: USAGE: --rpc must be a URL like http:\/\/127\.0\.0\.1:8545\/, got "notaurl"\nusage: polchain status \[--rpc URL\]\n$/],
    [['tx', 'transfer', '--rpc', 'notaurl', '--dev-account', '0', '--to', to, '--amount', '1'], /^polchain tx: USAGE: --rpc must be a URL like http:\/\/127\.0\.0\.1:8545\/, got "notaurl"\nusage: polchain tx transfer /],
  ];
  for (const [args, want] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
    assert.doesNotMatch(r.stderr, /Unknown option|ambiguous|--amount=-XYZ|TypeError/);
    noStack(r.stderr);
  }
});

test('failures a user causes are one line with the code and the next step; --debug adds the stack', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-errs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const missing = await runCli(['start', '--data-dir', join(dir, 'none')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^polchain start: DATADIR_MISSING: .*run `polchain init --data-dir .*none` first/);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  const down = await runCli(['status', '--rpc', 'http://127.0.0.1:1/']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /RPC_TRANSPORT: .*; is the node running\?/);
  noStack(down.stderr);
  const debug = await runCli(['--debug', 'status', '--rpc', 'notaurl']);
  assert.equal(debug.code, 2);
  assert.match(debug.stderr, /^\s+at .+args\.ts:\d+:\d+\)?$/m);
});

test('start: --rpc-cors reaches the RPC server, --no-explorer turns the page off, a p2p port in use is one typed line', { timeout: 90_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-start-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal((await runCli(['init', '--data-dir', dir, '--dev-accounts', '1'])).code, 0);

  const node = await startNode(dir, ['--rpc-cors', 'https://explorer.example']);
  t.after(() => node.kill());
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'node_status', params: [] });
  const allowed = await fetch(node.url, { method: 'POST', body, headers: { 'content-type': 'application/json', origin: 'https://explorer.example' } });
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://explorer.example');
  const other = await fetch(node.url, { method: 'POST', body, headers: { 'content-type': 'application/json', origin: 'https://evil.example' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const page = await fetch(node.url);
  assert.equal(page.status, 200, 'the explorer is served at GET / by default');
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(await node.stop(), 0);
  const plain = await startNode(dir, ['--no-explorer']);
  t.after(() => plain.kill());
  assert.equal((await fetch(plain.url)).status, 404, '--no-explorer: GET / is JSON-RPC\'s 404');
  assert.equal(await plain.stop(), 0);
  const badCors = await runCli(['start', '--data-dir', dir, '--rpc-cors', 'explorer.example/path']);
  assert.equal(badCors.code, 1);
  assert.match(badCors.stderr, /CONFIG_INVALID: --rpc-cors: "explorer.example\/path" is not an origin/);

  const blocker = createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  // `dir` has run the solo engine and so refuses bft (DATADIR_IDENTITY_MISMATCH): a fresh data dir
  const fresh = await mkdtemp(join(tmpdir(), 'polchain-start-bft-'));
  t.after(() => rm(fresh, { recursive: true, force: true }));
  assert.equal((await runCli(['init', '--data-dir', fresh, '--dev-accounts', '1'])).code, 0);
  const busy = await runCli(['start', '--data-dir', fresh, '--rpc-port', '0', '--engine', 'bft', '--p2p-listen', `/ip4/127.0.0.1/tcp/${port}`, '--log-level', 'error']);
  assert.equal(busy.code, 1);
  const line = busy.stderr.split('\n').find((l) => l.startsWith('polchain start:'));
  assert.match(line ?? '', new RegExp(`^polchain start: P2P_LISTEN_FAILED: cannot listen on /ip4/127.0.0.1/tcp/${port}: port ${port} is already in use; .*--p2p-listen$`));
  assert.doesNotMatch(busy.stderr, /faultTolerance/);
  noStack(busy.stderr);
});

test("README's usage section lists exactly the commands of --help", async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## Using the node\n')[1]!.split('\n## ')[0]!;
  const listed = new Set([...section.matchAll(/(?:^|[;|] )polchain ([a-z][a-z-]*)/gm)].map((m) => m[1]!));
  const help = commandsIn((await runCli(['--help'])).stdout);
  assert.deepEqual([...listed].sort(), [...help].sort());
});
