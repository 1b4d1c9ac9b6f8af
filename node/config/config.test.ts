import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, readConfigFile, defaultDataDir } from './index.ts';

test('precedence: flags > env > file > defaults', () => {
  const file = { rpcPort: 1000, blockIntervalMs: 500, logLevel: 'debug' };
  const env = { POLCHAIN_RPC_PORT: '2000', POLCHAIN_BLOCK_INTERVAL_MS: '700' };
  const c = resolveConfig({ 'rpc-port': '3000' }, env, file);
  assert.equal(c.rpcPort, 3000);
  assert.equal(c.blockIntervalMs, 700);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.rpcHost, '127.0.0.1');
  assert.equal(resolveConfig({}, {}, {}).rpcPort, 8545);
});

test('bad values name their source and setting', () => {
  assert.throws(() => resolveConfig({ 'rpc-port': 'abc' }, {}, {}), (e: any) => e.code === 'CONFIG_INVALID' && /--rpc-port/.test(e.message));
  assert.throws(() => resolveConfig({}, { POLCHAIN_RPC_PORT: '70000' }, {}), (e: any) => e.code === 'CONFIG_INVALID' && /POLCHAIN_RPC_PORT/.test(e.message));
  assert.throws(() => resolveConfig({}, {}, { logLevel: 'loud' }), (e: any) => /logLevel/.test(e.message));
  assert.throws(() => resolveConfig({ 'empty-blocks': 'maybe' }, {}, {}), (e: any) => /true or false/.test(e.message));
});

test('config files: unknown keys, bad JSON and non-objects are rejected; a missing file is empty', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-cfg-'));
  assert.deepEqual(await readConfigFile(join(dir, 'nope.json')), {});
  await writeFile(join(dir, 'a.json'), '{"rpcPort": 1, "colour": "red"}');
  await assert.rejects(readConfigFile(join(dir, 'a.json')), /unknown setting "colour"/);
  await writeFile(join(dir, 'b.json'), '{"rpcPort": ');
  await assert.rejects(readConfigFile(join(dir, 'b.json')), /not valid JSON/);
  await writeFile(join(dir, 'c.json'), '[1]');
  await assert.rejects(readConfigFile(join(dir, 'c.json')), /expected a JSON object/);
});

test('XDG data dir default', () => {
  assert.equal(defaultDataDir({ XDG_DATA_HOME: '/x/y' }), '/x/y/polchain');
  assert.match(defaultDataDir({}), /\.local\/share\/polchain$/);
});

test('renamed environment variables fail loudly; CORS origins are checked', () => {
  assert.throws(() => resolveConfig({}, { POLCHAIN_RPC: 'false' }, {}), (e: any) => e.code === 'CONFIG_INVALID' && /POLCHAIN_RPC was renamed POLCHAIN_RPC_ENABLED/.test(e.message));
  assert.throws(() => resolveConfig({}, { POLCHAIN_BLOCK_INTERVAL: '5' }, {}), (e: any) => /POLCHAIN_BLOCK_INTERVAL_MS/.test(e.message));
  assert.equal(resolveConfig({ 'rpc-enabled': 'false' }, {}, {}).rpcEnabled, false);
  assert.equal(resolveConfig({}, { POLCHAIN_RPC_CORS: 'https://a.example,http://localhost:3000' }, {}).rpcCors, 'https://a.example,http://localhost:3000');
  assert.equal(resolveConfig({}, {}, { rpcCors: '*' }).rpcCors, '*');
  assert.throws(() => resolveConfig({ 'rpc-cors': 'https://a.example/x' }, {}, {}), (e: any) => e.code === 'CONFIG_INVALID' && /--rpc-cors/.test(e.message));
});

test('config files may hold whole-line // comments', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-cfg-'));
  await writeFile(join(dir, 'c.json'), '{\n  // the port\n  "rpcPort": 9,\n  "rpcHost": "a//b"\n}');
  assert.deepEqual(await readConfigFile(join(dir, 'c.json')), { rpcPort: 9, rpcHost: 'a//b' });
});
