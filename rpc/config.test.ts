import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRpcServer, registerErrorCode, errorCodes, errorCodeName, RpcError, RpcConfigError,
  NOT_FOUND, TX_REJECTED, LIMIT_EXCEEDED, INVALID_PARAMS, defineMethod, type RpcMethod,
} from './index.ts';

const ok = (name: string): RpcMethod => ({ name, summary: 's', params: [], result: {}, handler: () => 1 });

test('error code registry: built-ins, extension, clashes and range', () => {
  assert.equal(errorCodeName(NOT_FOUND), 'NOT_FOUND');
  assert.equal(errorCodeName(INVALID_PARAMS), 'INVALID_PARAMS');
  assert.equal(new RpcError(TX_REJECTED, 'x').codeName, 'TX_REJECTED');
  const info = registerErrorCode('JOB_CLOSED', -32050, 'the training job no longer accepts results');
  assert.equal(info.code, -32050);
  assert.equal(registerErrorCode('JOB_CLOSED', -32050, 'again'), info); // idempotent
  assert.ok(errorCodes().some((e) => e.name === 'JOB_CLOSED'));
  assert.throws(() => registerErrorCode('OTHER', -32050, 'x'), /clashes with JOB_CLOSED/);
  assert.throws(() => registerErrorCode('NOT_FOUND', -32051, 'x'), /clashes/);
  assert.throws(() => registerErrorCode('FAR', -32100, 'x'), /outside/);
  assert.throws(() => registerErrorCode('FAR', -31999, 'x'), /outside/);
  assert.throws(() => registerErrorCode('lower', -32060, 'x'), /UPPER_SNAKE_CASE/);
  assert.equal(LIMIT_EXCEEDED, -32005);
});

test('createRpcServer rejects bad descriptors and options before listening', async () => {
  const bad: [RpcMethod[], RegExp][] = [
    [[ok('a'), ok('a')], /registered twice/],
    [[ok('rpc.mine')], /reserved/],
    [[ok('subscribe')], /registered twice/],
    [[ok('bad name')], /must match/],
    [[{ ...ok('a'), params: [{ name: 'x', required: false, schema: {} }, { name: 'y', required: true, schema: {} }] }], /follows an optional/],
    [[{ ...ok('a'), params: [{ name: 'x', required: true, schema: {} }, { name: 'x', required: true, schema: {} }] }], /duplicate param/],
    [[{ ...ok('a'), params: [{ name: 'x', required: true, schema: { $ref: '#' } as never }] }], /unsupported schema keyword/],
    [[{ ...ok('a'), result: { pattern: '[' } }], /bad pattern/],
  ];
  for (const [methods, re] of bad) {
    await assert.rejects(createRpcServer({ methods, port: 0 }), (e: unknown) => e instanceof RpcConfigError && re.test(e.message));
  }
  await assert.rejects(createRpcServer({ methods: [], port: 0, maxBatch: 0 }), /maxBatch must be a positive integer/);
  await assert.rejects(createRpcServer({ methods: [], port: -1 }), /port must be/);
});

test('defineMethod keeps the descriptor and its types', async (t) => {
  const m = defineMethod<{ n: number }, number>({
    name: 'sq', summary: 'square', params: [{ name: 'n', required: true, schema: { type: 'integer' } }], result: { type: 'integer' },
    handler: ({ n }) => n * n,
  });
  const s = await createRpcServer({ methods: [m], port: 0 });
  t.after(() => s.close());
  const r = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","method":"sq","params":{"n":9},"id":1}' });
  assert.deepEqual(await r.json(), { jsonrpc: '2.0', result: 81, id: 1 });
});

test('a port in use is a clear RpcConfigError; GET /ws without upgrade does not break the server', async (t) => {
  const s = await createRpcServer({ methods: [ok('a')], port: 0 });
  t.after(() => s.close());
  await assert.rejects(createRpcServer({ methods: [], port: s.address.port }), (e: unknown) =>
    e instanceof RpcConfigError && e.code === 'RPC_LISTEN' && /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/.test(e.message));
  const r = await fetch(s.url + 'ws');
  assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  await r.text();
  const h = await fetch(s.url + 'health');
  assert.equal(h.status, 200);
  await h.text();
});

test('CORS: allowed origins get headers and preflight 204; others get none', async (t) => {
  const s = await createRpcServer({ methods: [ok('a')], port: 0, corsOrigins: ['https://explorer.example'] });
  t.after(() => s.close());
  const pre = await fetch(s.url, { method: 'OPTIONS', headers: { origin: 'https://explorer.example', 'access-control-request-method': 'POST' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'https://explorer.example');
  assert.match(pre.headers.get('access-control-allow-headers') ?? '', /content-type/);
  const r = await fetch(s.url, { method: 'POST', headers: { origin: 'https://explorer.example', 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","method":"a","id":1}' });
  assert.equal(r.headers.get('access-control-allow-origin'), 'https://explorer.example');
  assert.deepEqual(await r.json(), { jsonrpc: '2.0', result: 1, id: 1 });
  const other = await fetch(s.url, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","method":"a","id":1}' });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  await other.text();
  const otherPre = await fetch(s.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
  assert.equal(otherPre.status, 404);
  await otherPre.text();
});
