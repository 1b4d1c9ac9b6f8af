import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createRpcServer, type RpcServer } from './server.ts';
import { INVALID_PARAMS, LIMIT_EXCEEDED, METHOD_NOT_FOUND, PARSE_ERROR, INVALID_REQUEST } from './errors.ts';
import { testMethods, captureLogger } from '../test/helpers/rpc-fixtures.ts';

/** A raw WS client that queues every message it receives. */
async function connect(url: string) {
  const ws = new WebSocket(url);
  const inbox: any[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => { inbox.push(JSON.parse(d.toString())); waiters.splice(0).forEach((w) => w()); });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => { resolve(code); waiters.splice(0).forEach((w) => w()); }));
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  async function next(pred: (m: any) => boolean = () => true): Promise<any> {
    for (;;) {
      const i = inbox.findIndex(pred);
      if (i >= 0) return inbox.splice(i, 1)[0];
      if (ws.readyState !== WebSocket.OPEN) throw new Error('socket closed while waiting');
      await new Promise<void>((r) => waiters.push(r));
    }
  }
  async function call(method: string, params: unknown, id: number): Promise<any> {
    ws.send(JSON.stringify({ jsonrpc: '2.0', method, params, id }));
    return next((m) => m.id === id);
  }
  return { ws, inbox, next, call, closed };
}

async function withServer(fn: (s: RpcServer) => Promise<void>, extra: Record<string, unknown> = {}): Promise<void> {
  const s = await createRpcServer({ methods: testMethods(), port: 0, topics: ['newHeads', 'txs'], maxBatch: 3, ...extra });
  try { await fn(s); } finally { await s.close(); }
}

test('WS: calls, batches, errors and notifications behave as over HTTP', async () => {
  await withServer(async (s) => {
    const c = await connect(s.wsUrl);
    try {
      assert.deepEqual(await c.call('add', [1, 2], 1), { jsonrpc: '2.0', result: 3, id: 1 });
      assert.deepEqual(await c.call('add', { a: 5 }, 2), { jsonrpc: '2.0', result: 5, id: 2 });
      assert.equal((await c.call('add', ['x'], 3)).error.code, INVALID_PARAMS);
      assert.equal((await c.call('nope', [], 4)).error.code, METHOD_NOT_FOUND);
      c.ws.send('{oops');
      assert.equal((await c.next((m) => m.error?.code === PARSE_ERROR)).id, null);
      c.ws.send('[]');
      assert.match((await c.next((m) => m.error?.code === INVALID_REQUEST)).error.message, /empty batch/);
      c.ws.send(JSON.stringify([
        { jsonrpc: '2.0', method: 'add', params: [1], id: 10 },
        { jsonrpc: '2.0', method: 'echo', params: [1] },
        { jsonrpc: '2.0', method: 'add', params: [2], id: 11 },
      ]));
      const b = await c.next(Array.isArray);
      assert.deepEqual(b.map((x: any) => [x.id, x.result]).sort(), [[10, 1], [11, 2]]);
      c.ws.send(JSON.stringify(Array.from({ length: 4 }, (_, i) => ({ jsonrpc: '2.0', method: 'add', params: [i], id: 20 + i }))));
      assert.equal((await c.next((m) => m.error?.code === LIMIT_EXCEEDED)).id, null);
      c.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: [1] }));
      assert.deepEqual(await c.call('echo', ['after'], 12), { jsonrpc: '2.0', result: 'after', id: 12 });
      assert.equal(c.inbox.length, 0, 'the notification got no reply');
    } finally {
      c.ws.close();
    }
  });
});

test('WS: subscribe, receive published data, unsubscribe', async () => {
  await withServer(async (s) => {
    const c = await connect(s.wsUrl);
    try {
      const sub = await c.call('subscribe', ['newHeads'], 1);
      assert.match(sub.result, /^0x[0-9a-f]{32}$/);
      const other = await c.call('subscribe', ['txs'], 2);
      assert.equal((await c.call('subscribe', ['nope'], 3)).error.code, INVALID_PARAMS);
      assert.equal(s.publish('newHeads', { height: 7, total: 2n ** 70n, hash: new Uint8Array([0xab]) }), 1);
      const n = await c.next((m) => m.method === 'subscription');
      assert.deepEqual(n, {
        jsonrpc: '2.0', method: 'subscription',
        params: { subscription: sub.result, result: { height: 7, total: (2n ** 70n).toString(), hash: '0xab' } },
      });
      assert.equal(s.publish('txs', 'tx1'), 1);
      assert.equal((await c.next((m) => m.method === 'subscription')).params.subscription, other.result);
      assert.deepEqual(await c.call('unsubscribe', [sub.result], 4), { jsonrpc: '2.0', result: true, id: 4 });
      assert.deepEqual(await c.call('unsubscribe', [sub.result], 5), { jsonrpc: '2.0', result: false, id: 5 });
      assert.equal(s.publish('newHeads', { height: 8 }), 0);
      assert.equal((await c.call('echo', [1], 6)).result, 1);
      assert.equal(c.inbox.length, 0, 'nothing arrived after unsubscribe');
    } finally {
      c.ws.close();
    }
  });
});

test('WS: subscriptions per connection are bounded and freed on close', async () => {
  await withServer(async (s) => {
    const c = await connect(s.wsUrl);
    assert.ok((await c.call('subscribe', ['newHeads'], 1)).result);
    assert.ok((await c.call('subscribe', ['newHeads'], 2)).result);
    const r = await c.call('subscribe', ['txs'], 3);
    assert.equal(r.error.code, LIMIT_EXCEEDED);
    assert.equal(s.publish('newHeads', 1), 2);
    c.ws.close();
    await c.closed;
    // give the server a turn to process the close
    for (let i = 0; i < 50 && s.publish('newHeads', 2) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.publish('newHeads', 3), 0);
  }, { maxSubscriptionsPerConnection: 2 });
});

test('WS: a slow consumer is dropped instead of buffering without bound', async () => {
  const { logger, lines } = captureLogger();
  await withServer(async (s) => {
    const c = await connect(s.wsUrl);
    await c.call('subscribe', ['newHeads'], 1);
    c.ws.pause(); // stop reading: the server's socket buffer fills up
    const big = 'x'.repeat(64 * 1024);
    let sent = 0;
    for (let i = 0; i < 2000; i++) sent += s.publish('newHeads', big);
    assert.ok(sent < 2000, `stopped sending to the stalled peer (sent ${sent})`);
    c.ws.resume();
    await c.closed;
    assert.equal(s.publish('newHeads', 1), 0);
    assert.match(lines.join(''), /slow consumer/);
  }, { maxBufferedBytes: 1024 * 1024, logger });
});

test('WS: oversized messages close the connection (1009) with one warn line and no stack; the server keeps serving', async () => {
  const { logger, lines } = captureLogger();
  await withServer(async (s) => {
    for (let i = 0; i < 3; i++) {
      const c = await connect(s.wsUrl);
      c.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: ['x'.repeat(5000)], id: 1 }));
      assert.equal(await c.closed, 1009);
    }
    const d = await connect(s.wsUrl);
    assert.equal((await d.call('add', [1], 2)).result, 1);
    d.ws.close();
  }, { bodyLimit: 4096, logger });
  const entries = lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; code?: string });
  const warns = entries.filter((e) => e.level === 40);
  assert.equal(warns.length, 3, 'one warn line per oversized message');
  for (const w of warns) assert.equal(w.code, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
  assert.deepEqual(entries.filter((e) => e.level >= 50), [], 'nothing at error level');
  assert.ok(!lines.join('').includes('"stack"'), 'no stack trace in the log');
});

test('close() ends open WebSocket connections and is idempotent; signal closes too', async () => {
  const s = await createRpcServer({ methods: testMethods(), port: 0 });
  const c = await connect(s.wsUrl);
  await Promise.all([s.close(), s.close()]);
  await c.closed;
  await assert.rejects(fetch(s.url + 'health'));

  const ac = new AbortController();
  const s2 = await createRpcServer({ methods: testMethods(), port: 0, signal: ac.signal });
  ac.abort();
  await s2.close();
  await assert.rejects(fetch(s2.url + 'health'));
  await assert.rejects(createRpcServer({ methods: [], port: 0, signal: ac.signal }));
});

test('WS: with maxInFlightPerConnection 1, reading pauses and resumes; every request is answered', async () => {
  let running = 0;
  let maxRunning = 0;
  const slow = {
    name: 'slow', summary: 'waits a tick', params: [{ name: 'i', required: true, schema: { type: 'integer' } }], result: {},
    handler: async (p: { i: number }) => {
      running++; maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return p.i;
    },
  };
  await withServer(async (s) => {
    const c = await connect(s.wsUrl);
    for (let i = 0; i < 50; i++) c.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'slow', params: [i], id: i }));
    const got = [];
    for (let i = 0; i < 50; i++) got.push((await c.next((m) => m.id === i)).result);
    assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i));
    assert.ok(maxRunning >= 1);
    c.ws.close();
  }, { methods: [...testMethods(), slow], maxInFlightPerConnection: 1 });
});

test('publish of unserialisable data logs and returns 0 instead of throwing', async () => {
  const { logger, lines } = captureLogger();
  await withServer(async (s) => {
    const c = await connect(s.wsUrl);
    await c.call('subscribe', ['newHeads'], 1);
    const circ: Record<string, unknown> = {};
    circ.self = circ;
    assert.equal(s.publish('newHeads', circ), 0);
    assert.match(lines.join(''), /could not be serialised/);
    assert.equal(s.publish('newHeads', { ok: 1 }), 1);
    assert.deepEqual((await c.next((m) => m.method === 'subscription')).params.result, { ok: 1 });
    c.ws.close();
  }, { logger });
});
