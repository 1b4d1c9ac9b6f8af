// RPC served while the node starts answers a typed NOT_READY (or waits), never an internal error;
// a damaged database answers SERVER_ERROR with STORE_CORRUPT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRpcServer, RpcError, NOT_READY, SERVER_ERROR, type RpcMethod } from '../../rpc/index.ts';
import { NodeError } from '../util/index.ts';
import { gateMethods } from './index.ts';

async function call(url: string, method: string): Promise<{ result?: unknown; error?: { code: number; message: string; data?: { code?: string } } }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }) });
  return (await r.json()) as never;
}

test('requests made while the node starts wait for it, then get NOT_READY/NODE_STARTING; a damaged store gets SERVER_ERROR/STORE_CORRUPT', async (t) => {
  let state: { height: number } | undefined; // what a starting node has not built yet
  const methods: RpcMethod[] = [
    { name: 'node_status', summary: 's', params: [], result: {}, handler: () => ({ height: state!.height }) },
    { name: 'tx_getReceipt', summary: 'r', params: [], result: {}, handler: () => { throw new NodeError('STORE_CORRUPT', 'the database is damaged: receipt of tx 00 does not decode'); } },
  ];
  let markReady!: () => void;
  const ready = new Promise<void>((r) => { markReady = r; });
  const server = await createRpcServer({ methods: gateMethods(methods, { ready, waitMs: 200 }), port: 0 });
  t.after(() => server.close());

  const early = await call(server.url, 'node_status');
  assert.equal(early.error?.code, NOT_READY);
  assert.equal(early.error?.data?.code, 'NODE_STARTING');

  const waiting = call(server.url, 'node_status'); // arrives while starting, answered once ready
  await new Promise((r) => setTimeout(r, 50));
  state = { height: 7 };
  markReady();
  assert.deepEqual((await waiting).result, { height: 7 });
  assert.deepEqual((await call(server.url, 'node_status')).result, { height: 7 });

  // rpc.discover names both errors for every gated method
  const doc = (await call(server.url, 'rpc.discover')).result as { methods: Array<{ name: string; errors?: Array<{ $ref: string }> }>; components: { errors: Record<string, { code: number }> } };
  assert.equal(doc.methods.filter((x) => methods.some((g) => g.name === x.name)).length, methods.length);
  for (const m of doc.methods.filter((x) => methods.some((g) => g.name === x.name))) {
    const codes = (m.errors ?? []).map((e) => doc.components.errors[e.$ref.split('/').pop()!]!.code);
    assert.ok(codes.includes(NOT_READY) && codes.includes(SERVER_ERROR), `${m.name} lists NOT_READY and SERVER_ERROR: ${codes}`);
  }

  const damaged = await call(server.url, 'tx_getReceipt');
  assert.equal(damaged.error?.code, SERVER_ERROR);
  assert.equal(damaged.error?.data?.code, 'STORE_CORRUPT');
  assert.match(damaged.error!.message, /database is damaged/);
});

test('once ready, a gated method answers as the bare one does: same results, STORE_CORRUPT mapped, other errors untouched, sync handlers stay sync', async (t) => {
  const other = new Error('a bug');
  const corrupt = () => new NodeError('STORE_CORRUPT', 'the database is damaged: block 3 does not decode');
  const methods: RpcMethod[] = [
    { name: 'sync_ok', summary: 's', params: [], result: {}, handler: () => ({ hash: new Uint8Array([1, 2]) }) },
    { name: 'async_ok', summary: 'a', params: [], result: {}, handler: async () => ({ height: 7n }) },
    { name: 'sync_corrupt', summary: 'c', params: [], result: {}, handler: () => { throw corrupt(); } },
    { name: 'async_corrupt', summary: 'c', params: [], result: {}, handler: async () => { throw corrupt(); } },
    { name: 'sync_other', summary: 'o', params: [], result: {}, handler: () => { throw other; } },
    { name: 'async_other', summary: 'o', params: [], result: {}, handler: async () => { throw other; } },
  ];
  const gated = gateMethods(methods, { ready: Promise.resolve(), waitMs: 200 });
  await new Promise((r) => setImmediate(r)); // the gate has seen `ready`
  const ctx = { transport: 'http', log: console } as never;
  const h = (name: string) => gated.find((m) => m.name === name)!.handler;

  // the fast path: a synchronous handler's value comes back as is, not wrapped in a promise
  const direct = h('sync_ok')({}, ctx);
  assert.ok(!(direct instanceof Promise), 'a ready gate adds no promise to a synchronous handler');
  assert.deepEqual(direct, { hash: new Uint8Array([1, 2]) });
  assert.deepEqual(await h('async_ok')({}, ctx), { height: 7n });

  for (const name of ['sync_corrupt', 'async_corrupt']) {
    await assert.rejects(async () => h(name)({}, ctx), (e: unknown) => {
      assert.ok(e instanceof RpcError, `${name}: ${String(e)}`);
      assert.equal(e.code, SERVER_ERROR);
      assert.deepEqual(e.data, { code: 'STORE_CORRUPT' });
      assert.match(e.message, /block 3 does not decode/);
      return true;
    });
  }
  for (const name of ['sync_other', 'async_other']) await assert.rejects(async () => h(name)({}, ctx), (e: unknown) => e === other);

  // over the wire, the gated and the bare server give byte-identical replies for every method but the
  // mapped ones (which the bare one answers with an internal error)
  const bare = await createRpcServer({ methods, port: 0 });
  const server = await createRpcServer({ methods: gated, port: 0 });
  t.after(() => Promise.all([bare.close(), server.close()]));
  for (const name of ['sync_ok', 'async_ok', 'sync_other', 'async_other']) {
    assert.deepEqual(await call(server.url, name), await call(bare.url, name), name);
  }
  for (const name of ['sync_corrupt', 'async_corrupt']) {
    const r = await call(server.url, name);
    assert.equal(r.error?.code, SERVER_ERROR);
    assert.equal(r.error?.data?.code, 'STORE_CORRUPT');
  }
});
