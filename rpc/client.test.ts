import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createRpcServer } from './server.ts';
import { RpcClient, RpcClientError, RpcTransportError } from './client.ts';
import type { UntypedApi } from './api/index.ts';
import { INVALID_PARAMS, METHOD_NOT_FOUND, TX_REJECTED, INTERNAL_ERROR, LIMIT_EXCEEDED } from './errors.ts';
import { testMethods } from '../test/helpers/rpc-fixtures.ts';
import { freePort } from '../test/helpers/free-port.ts';


test('client: call, by-name params, bigint params, errors with code/message/data', async (t) => {
  const s = await createRpcServer({ methods: testMethods(), port: 0, maxBatch: 4, bodyLimit: 8192 });
  t.after(() => s.close());
  const c = new RpcClient<UntypedApi>(s.url);
  assert.equal(await c.call('add', [20, 22]), 42);
  assert.equal(await c.call('add', { a: 1, b: 2 }), 3);
  assert.equal(await c.call('double', [2n ** 64n]), (2n ** 65n).toString());
  assert.equal(await c.call('echo', [new Uint8Array([1, 255])]), '0x01ff');
  await assert.rejects(c.call('submit'), (e: unknown) => {
    assert.ok(e instanceof RpcClientError);
    assert.equal(e.code, TX_REJECTED);
    assert.equal(e.codeName, 'TX_REJECTED');
    assert.equal(e.message, 'bad nonce');
    assert.deepEqual(e.data, { expected: '5', got: '3' });
    return true;
  });
  await assert.rejects(c.call('nope'), (e: unknown) => e instanceof RpcClientError && e.code === METHOD_NOT_FOUND);
  await assert.rejects(c.call('add', ['x']), (e: unknown) => e instanceof RpcClientError && e.code === INVALID_PARAMS && /a: must be integer/.test(e.message));
  await assert.rejects(c.call('crash'), (e: unknown) => e instanceof RpcClientError && e.code === INTERNAL_ERROR && e.message === 'Internal error');
  await assert.rejects(c.call('echo', ['x'.repeat(10000)]), (e: unknown) => e instanceof RpcClientError && e.code === LIMIT_EXCEEDED);
  await c.notify('echo', [1]);
});

test('client: batch returns per-call results in order; batch limit throws', async (t) => {
  const s = await createRpcServer({ methods: testMethods(), port: 0, maxBatch: 4 });
  t.after(() => s.close());
  const c = new RpcClient<UntypedApi>(s.url);
  const r = await c.batch([{ method: 'add', params: [1] }, { method: 'nope' }, { method: 'add', params: { a: 2, b: 3 } }]);
  assert.equal(r.length, 3);
  assert.deepEqual(r[0], { ok: true, result: 1 });
  assert.ok(!r[1]!.ok && r[1]!.error.code === METHOD_NOT_FOUND);
  assert.deepEqual(r[2], { ok: true, result: 5 });
  assert.deepEqual(await c.batch([]), []);
  await assert.rejects(c.batch(Array.from({ length: 5 }, () => ({ method: 'add', params: [1] }))), (e: unknown) => e instanceof RpcClientError && e.code === LIMIT_EXCEEDED);
});

test('client: transport failures are RpcTransportError with a clear message', async () => {
  const port = await freePort();
  const c = new RpcClient<UntypedApi>(`http://127.0.0.1:${port}/`);
  await assert.rejects(c.call('add', [1]), (e: unknown) => {
    assert.ok(e instanceof RpcTransportError, String(e));
    assert.equal(e.code, 'RPC_TRANSPORT');
    assert.match(e.message, new RegExp(`cannot reach RPC server at http://127.0.0.1:${port}/: ECONNREFUSED`));
    return true;
  });
  await assert.rejects(c.subscribe('newHeads', () => {}), (e: unknown) => e instanceof RpcTransportError && /ECONNREFUSED/.test(e.message));
});

test('client: non-JSON-RPC answers are transport errors', async (t) => {
  const s = await createRpcServer({ methods: testMethods(), port: 0 });
  t.after(() => s.close());
  const c = new RpcClient<UntypedApi>(s.url + 'health'); // POST /health -> 404 JSON-RPC error body
  await assert.rejects(c.call('add', [1]), (e: unknown) => e instanceof RpcClientError);
  const srv = createServer((sock) => {
    sock.on('error', () => {});
    sock.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello', () => sock.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => { srv.close(); });
  const bad = new RpcClient<UntypedApi>(`http://127.0.0.1:${(srv.address() as { port: number }).port}/`);
  await assert.rejects(bad.call('x'), (e: unknown) => e instanceof RpcTransportError && e.status === 200 && /non-JSON body: hello/.test(e.message));
});

test('client: subscribe over WS receives published data and unsubscribes', async (t) => {
  const s = await createRpcServer({ methods: testMethods(), port: 0, topics: ['newHeads'] });
  t.after(() => s.close());
  const c = new RpcClient<UntypedApi>(s.url);
  assert.equal(c.wsUrl, s.wsUrl);
  const got: unknown[] = [];
  let wake: () => void = () => {};
  const unsubscribe = await c.subscribe('newHeads', (d) => { got.push(d); wake(); });
  const arrived = new Promise<void>((r) => { wake = r; });
  assert.equal(s.publish('newHeads', { height: 1 }), 1);
  await arrived;
  assert.deepEqual(got, [{ height: 1 }]);
  await unsubscribe();
  await unsubscribe(); // idempotent
  assert.equal(s.publish('newHeads', { height: 2 }), 0);
  await assert.rejects(c.subscribe('nope', () => {}), (e: unknown) => e instanceof RpcClientError && e.code === INVALID_PARAMS);
  await c.close();
});

test('client: subscription hears the server closing', async () => {
  const s = await createRpcServer({ methods: testMethods(), port: 0, topics: ['newHeads'] });
  const c = new RpcClient<UntypedApi>(s.url);
  let closedErr: Error | undefined;
  const heard = new Promise<void>((resolve) => {
    void c.subscribe('newHeads', () => {}, (e) => { closedErr = e; resolve(); });
  });
  // wait until the subscription is registered on the server
  for (let i = 0; i < 100 && s.publish('newHeads', 0) === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await s.close();
  await heard;
  assert.ok(closedErr instanceof RpcTransportError);
  assert.match(closedErr.message, /closed/);
  await c.close();
});

test('client: a server that never answers is a timeout RpcTransportError', async (t) => {
  const sockets: import('node:net').Socket[] = [];
  const srv = createServer((sock) => { sockets.push(sock); sock.on('error', () => {}); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => { for (const s of sockets) s.destroy(); srv.close(); });
  const c = new RpcClient<UntypedApi>(`http://127.0.0.1:${(srv.address() as { port: number }).port}/`, { timeoutMs: 100 });
  await assert.rejects(c.call('add', [1]), (e: unknown) => e instanceof RpcTransportError && /timed out after 100 ms/.test(e.message));
});
