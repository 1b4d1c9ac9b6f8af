// RPC served while the node starts answers a typed NOT_READY (or waits), never an internal error;
// a damaged database answers SERVER_ERROR with STORE_CORRUPT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRpcServer, NOT_READY, SERVER_ERROR, type RpcMethod } from '../../rpc/index.ts';
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
