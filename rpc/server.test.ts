import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRpcServer, type RpcServer } from './server.ts';
import {
  PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR, LIMIT_EXCEEDED, TX_REJECTED, NOT_FOUND, UNSUPPORTED,
} from './errors.ts';
import { captureLogger, testMethods, post, req } from '../test/helpers/rpc-fixtures.ts';

let server: RpcServer;
const calls: string[] = [];
const { logger, lines } = captureLogger();

before(async () => {
  server = await createRpcServer({ methods: testMethods(calls), logger, port: 0, bodyLimit: 64 * 1024, maxBatch: 5, topics: ['newHeads'] });
});
after(() => server.close());

/** After each bad request the server must still answer a good one. */
async function stillServes(): Promise<void> {
  const r = await post(server.url, req('add', [2, 3], 'ok'));
  assert.deepEqual(r.json, { jsonrpc: '2.0', result: 5, id: 'ok' });
}

test('binds to 127.0.0.1 and reports urls', () => {
  assert.equal(server.address.host, '127.0.0.1');
  assert.ok(server.address.port > 0);
  assert.equal(server.url, `http://127.0.0.1:${server.address.port}/`);
  assert.equal(server.wsUrl, `ws://127.0.0.1:${server.address.port}/ws`);
});

test('a valid call answers 200 application/json with result and the same id', async () => {
  const r = await post(server.url, req('echo', [{ a: [1, 'x'] }], 'abc'));
  assert.equal(r.status, 200);
  assert.match(r.contentType!, /^application\/json/);
  assert.deepEqual(r.json, { jsonrpc: '2.0', result: { a: [1, 'x'] }, id: 'abc' });
  const n = await post(server.url, req('echo', [null], null));
  assert.deepEqual(n.json, { jsonrpc: '2.0', result: null, id: null });
});

test('-32700 parse error on malformed JSON, with id null', async () => {
  for (const body of ['{"jsonrpc":"2.0","method":"echo",', '', 'nul', '[1,']) {
    const r = await post(server.url, body);
    assert.equal(r.status, 200);
    assert.equal(r.json.error.code, PARSE_ERROR);
    assert.equal(r.json.id, null);
  }
  await stillServes();
});

test('-32600 invalid request: non-object, wrong version, bad id, bad method, bad params', async () => {
  const cases: [string, unknown][] = [
    ['1', null],
    ['"x"', null],
    ['null', null],
    [JSON.stringify({ jsonrpc: '1.0', method: 'echo', params: [1], id: 7 }), 7],
    [JSON.stringify({ method: 'echo', params: [1], id: 8 }), 8],
    [JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: [1], id: { x: 1 } }), null],
    [JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: [1], id: true }), null],
    [JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: [1], id: [1] }), null],
    [JSON.stringify({ jsonrpc: '2.0', method: 1, params: 'bar', id: 9 }), 9],
    [JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: 'bar', id: 10 }), 10],
    [JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: [1], id: 11, extra: 1 }), 11],
  ];
  for (const [body, id] of cases) {
    const r = await post(server.url, body);
    assert.equal(r.status, 200, body);
    assert.equal(r.json.error.code, INVALID_REQUEST, body);
    assert.equal(r.json.id, id, body);
  }
  await stillServes();
});

test('empty batch is a single -32600 error', async () => {
  const r = await post(server.url, '[]');
  assert.equal(r.status, 200);
  assert.ok(!Array.isArray(r.json));
  assert.equal(r.json.error.code, INVALID_REQUEST);
  assert.match(r.json.error.message, /empty batch/);
  assert.equal(r.json.id, null);
  await stillServes();
});

test('-32601 method not found (also for rpc.* names that do not exist)', async () => {
  for (const m of ['nope', 'rpc.nope', '__proto__', 'constructor']) {
    const r = await post(server.url, req(m, [], 3));
    assert.equal(r.json.error.code, METHOD_NOT_FOUND, m);
    assert.equal(r.json.id, 3);
  }
  await stillServes();
});

test('-32602 invalid params name the param and what was wrong', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['add', [], /missing required param "a"/],
    ['add', {}, /missing required param "a"/],
    ['add', ['x'], /a: must be integer, got string "x"/],
    ['add', [1, -1], /b: must be >= 0, got -1/],
    ['add', [1, 2, 3], /at most 2 params, got 3/],
    ['add', { a: 1, c: 2 }, /unknown param "c"/],
    ['double', ['01'], /amount: must match pattern/],
    ['double', [12], /amount: must be string/],
    ['getBlock', ['pending'], /tag: must match one of 4 alternatives/],
    ['obj', [{ to: '0x01020304' }], /tx: missing required property "nonce"/],
    ['obj', [{ to: '0x0102', nonce: '1' }], /tx\.to: must match pattern/],
    ['obj', [{ to: '0x01020304', nonce: '1', kind: 'c' }], /tx\.kind: must be one of "a", "b"/],
    ['obj', [{ to: '0x01020304', nonce: '1', x: 1 }], /tx: unknown property "x"/],
  ];
  for (const [m, params, re] of cases) {
    const r = await post(server.url, req(m, params, 4));
    assert.equal(r.json.error?.code, INVALID_PARAMS, `${m} ${JSON.stringify(params)}: ${r.text}`);
    assert.match(r.json.error.message, re);
    assert.equal(r.json.id, 4);
  }
  await stillServes();
});

test('params by position and by name give the same result; null means absent for optionals', async () => {
  assert.equal((await post(server.url, req('add', [40, 2]))).json.result, 42);
  assert.equal((await post(server.url, req('add', { b: 2, a: 40 }))).json.result, 42);
  assert.equal((await post(server.url, req('add', { a: 40 }))).json.result, 40);
  assert.equal((await post(server.url, req('add', [40]))).json.result, 40);
  assert.equal((await post(server.url, req('add', [40, null]))).json.result, 40);
  assert.equal((await post(server.url, req('add', { a: 1 }, 2))).json.id, 2);
  // bigint results are decimal strings; bytes are 0x-hex.
  assert.equal((await post(server.url, req('double', ['123456789012345678901234567890']))).json.result, '246913578024691357802469135780');
  assert.equal((await post(server.url, req('getBlock', ['0x' + 'cd'.repeat(32)]))).json.result.hash, '0x' + 'cd'.repeat(32));
  assert.equal((await post(server.url, req('obj', { tx: { to: '0x0a0b0c0d', nonce: '0' } }))).json.result, '0x0a0b0c0d');
});

test('handler RpcError keeps code, message and data; plain Error becomes -32603 without leaking', async () => {
  const r = await post(server.url, req('submit', [], 5));
  assert.deepEqual(r.json, { jsonrpc: '2.0', error: { code: TX_REJECTED, message: 'bad nonce', data: { expected: '5', got: '3' } }, id: 5 });
  const nf = await post(server.url, req('getBlock', [1000], 6));
  assert.equal(nf.json.error.code, NOT_FOUND);
  // a height as a decimal string (how results give it) is the same height
  assert.equal((await post(server.url, req('getBlock', ['1000'], 6))).json.error.message, nf.json.error.message);
  const before = lines.length;
  const c = await post(server.url, req('crash', [], 6));
  assert.deepEqual(c.json, { jsonrpc: '2.0', error: { code: INTERNAL_ERROR, message: 'Internal error' }, id: 6 });
  assert.doesNotMatch(c.text, /SECRET|validator|at .*\.ts/);
  const logged = lines.slice(before).join('');
  assert.match(logged, /SECRET internal detail/);
  assert.match(logged, /"stack"/);
  const before2 = lines.length;
  const circ = await post(server.url, JSON.stringify([{ jsonrpc: '2.0', method: 'circular', id: 7 }, { jsonrpc: '2.0', method: 'add', params: [1], id: 8 }]));
  assert.deepEqual(circ.json, [
    { jsonrpc: '2.0', error: { code: INTERNAL_ERROR, message: 'Internal error' }, id: 7 },
    { jsonrpc: '2.0', result: 1, id: 8 },
  ]);
  assert.match(lines.slice(before2).join(''), /could not be serialised/);
  await stillServes();
});

test('notifications get no reply: single -> 204 empty, and they still run', async () => {
  const n = calls.length;
  const r = await post(server.url, JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: [1] }));
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  assert.equal(calls.length, n + 1);
  // even failing notifications are silent
  const e = await post(server.url, JSON.stringify({ jsonrpc: '2.0', method: 'nope' }));
  assert.equal(e.status, 204);
  const all = await post(server.url, JSON.stringify([{ jsonrpc: '2.0', method: 'echo', params: [1] }, { jsonrpc: '2.0', method: 'crash' }]));
  assert.equal(all.status, 204);
  assert.equal(all.text, '');
  await stillServes();
});

test('mixed batch: valid, invalid, notification, errors; answers only non-notifications', async () => {
  const body = JSON.stringify([
    { jsonrpc: '2.0', method: 'add', params: [1, 2], id: 'a' },
    { jsonrpc: '2.0', method: 'echo', params: ['n'] },
    { jsonrpc: '2.0', method: 'nope', id: 'b' },
    1,
    { jsonrpc: '2.0', method: 'add', params: ['x'], id: 'c' },
  ]);
  const r = await post(server.url, body);
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.json));
  assert.equal(r.json.length, 4);
  const byId = new Map(r.json.filter((x: any) => x.id !== null).map((x: any) => [x.id, x]));
  assert.deepEqual(byId.get('a'), { jsonrpc: '2.0', result: 3, id: 'a' });
  assert.equal((byId.get('b') as any).error.code, METHOD_NOT_FOUND);
  assert.equal((byId.get('c') as any).error.code, INVALID_PARAMS);
  const nulls = r.json.filter((x: any) => x.id === null);
  assert.equal(nulls.length, 1);
  assert.equal(nulls[0].error.code, INVALID_REQUEST);
  const three = await post(server.url, '[1,2,3]');
  assert.equal(three.json.length, 3);
  for (const x of three.json) assert.equal(x.error.code, INVALID_REQUEST);
});

test('oversized batch -> single LIMIT_EXCEEDED error; maxBatch itself is fine', async () => {
  const ok = await post(server.url, JSON.stringify(Array.from({ length: 5 }, (_, i) => ({ jsonrpc: '2.0', method: 'add', params: [i], id: i }))));
  assert.equal(ok.json.length, 5);
  const r = await post(server.url, JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ jsonrpc: '2.0', method: 'add', params: [i], id: i }))));
  assert.equal(r.status, 200);
  assert.ok(!Array.isArray(r.json));
  assert.equal(r.json.error.code, LIMIT_EXCEEDED);
  assert.deepEqual(r.json.error.data, { limit: 5 });
  await stillServes();
});

test('oversized body -> HTTP 413 with a JSON-RPC LIMIT_EXCEEDED error', async () => {
  const r = await post(server.url, req('echo', ['x'.repeat(70 * 1024)]));
  assert.equal(r.status, 413);
  assert.equal(r.json.jsonrpc, '2.0');
  assert.equal(r.json.error.code, LIMIT_EXCEEDED);
  assert.equal(r.json.id, null);
  await stillServes();
});

test('Content-Type must be application/json -> 415 with a JSON-RPC error', async () => {
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', null]) {
    const r = await post(server.url, req('add', [1]), ct);
    assert.equal(r.status, 415, String(ct));
    assert.equal(r.json.error.code, INVALID_REQUEST);
  }
  const ok = await post(server.url, req('add', [1]), 'application/json; charset=utf-8');
  assert.equal(ok.json.result, 1);
  await stillServes();
});

test('GET /health, unknown paths, and subscribe over HTTP', async () => {
  const h = await fetch(server.url + 'health');
  assert.equal(h.status, 200);
  assert.deepEqual(await h.json(), { ok: true, status: 'synced' });
  assert.equal((await fetch(server.url + 'metrics')).status, 404, 'no /metrics unless a source is given');
  const nf = await fetch(server.url + 'nope');
  assert.equal(nf.status, 404);
  assert.equal(((await nf.json()) as any).error.code, INVALID_REQUEST);
  const s = await post(server.url, req('subscribe', ['newHeads']));
  assert.equal(s.json.error.code, UNSUPPORTED);
});

test('rpc.discover returns an OpenRPC 1.2 document built from the descriptors', async () => {
  const r = await post(server.url, req('rpc.discover', []));
  const doc = r.json.result;
  assert.match(doc.openrpc, /^1\.2\.\d+$/);
  assert.equal(doc.info.title, 'polchain JSON-RPC');
  const names = doc.methods.map((m: any) => m.name);
  for (const n of ['add', 'echo', 'getBlock', 'rpc.discover', 'subscribe', 'unsubscribe']) assert.ok(names.includes(n), n);
  const add = doc.methods.find((m: any) => m.name === 'add');
  assert.deepEqual(add.params.map((p: any) => [p.name, p.required]), [['a', true], ['b', false]]);
  assert.deepEqual(add.result, { name: 'result', schema: { type: 'integer' } });
  assert.equal(add.paramStructure, 'either');
  const sub = doc.methods.find((m: any) => m.name === 'subscribe');
  assert.deepEqual(sub.params[0].schema.enum, ['newHeads']);
  const gb = doc.methods.find((m: any) => m.name === 'getBlock');
  assert.deepEqual(gb.errors, [{ $ref: '#/components/errors/NOT_FOUND' }]);
  assert.equal(doc.components.errors.NOT_FOUND.code, NOT_FOUND);
  assert.deepEqual(doc.servers.map((s: any) => s.url), [server.url, server.wsUrl]);
});

test('publish to an undeclared topic throws; with no subscribers it reaches 0', () => {
  assert.equal(server.publish('newHeads', { height: 1 }), 0);
  assert.throws(() => server.publish('nope', 1), /unknown topic/);
});

test('GET /health and /ready follow the node: 200 synced, 206 syncing (or ?syncing_status), 503 not serving', async () => {
  let status: 'synced' | 'syncing' | 'unavailable' | 'throws' = 'syncing';
  const s = await createRpcServer({
    methods: testMethods(), port: 0,
    health: () => { if (status === 'throws') throw new Error('no status'); return status; },
    metrics: { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: async () => 'up 1\n' },
  });
  try {
    const get = async (path: string) => { const r = await fetch(s.url + path); return [r.status, await r.json()] as const; };
    assert.deepEqual(await get('health'), [206, { ok: true, status: 'syncing' }]);
    assert.deepEqual(await get('health?syncing_status=200'), [200, { ok: true, status: 'syncing' }]);
    assert.equal((await get('health?syncing_status=abc'))[0], 400);
    assert.deepEqual(await get('ready'), [503, { ready: false, status: 'syncing' }]);
    status = 'synced';
    assert.deepEqual(await get('health'), [200, { ok: true, status: 'synced' }]);
    assert.deepEqual(await get('ready'), [200, { ready: true, status: 'synced' }]);
    status = 'unavailable';
    assert.deepEqual(await get('health'), [503, { ok: false, status: 'unavailable' }]);
    assert.equal((await get('health?syncing_status=200'))[0], 503, 'syncing_status only replaces 206');
    assert.equal((await get('ready'))[0], 503);
    status = 'throws';
    assert.equal((await get('health'))[0], 503, 'a status that cannot be computed is not "fine"');
    const m = await fetch(s.url + 'metrics');
    assert.equal(m.status, 200);
    assert.equal(await m.text(), 'up 1\n');
  } finally {
    await s.close();
  }
});
