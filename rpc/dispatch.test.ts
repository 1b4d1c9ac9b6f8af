// A call whose handler answers synchronously is answered synchronously (no promise per layer), with
// the same bytes, the same error mapping and the same onCall report as the asynchronous path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher } from './dispatch.ts';
import { RpcError } from './errors.ts';
import type { RpcContext, RpcMethod } from './types.ts';

test('sync handlers are answered synchronously, async ones through a promise, with identical replies and onCall reports', async () => {
  const logged: unknown[] = [];
  const ctx = { transport: 'http', remoteAddress: undefined, log: { error: (o: unknown) => logged.push(o), warn() {}, info() {}, debug() {} } } as unknown as RpcContext;
  const pair = (name: string, f: (p: { x: number }) => unknown): RpcMethod[] => [
    { name: `${name}_sync`, summary: 's', params: [{ name: 'x', required: true, schema: { type: 'integer' } }], result: {}, handler: f },
    { name: `${name}_async`, summary: 'a', params: [{ name: 'x', required: true, schema: { type: 'integer' } }], result: {}, handler: async (p: { x: number }) => f(p) },
  ];
  const calls: Array<[string, number]> = [];
  const d = new Dispatcher([
    ...pair('ok', (p) => ({ n: BigInt(p.x), b: new Uint8Array([p.x]) })),
    ...pair('none', () => undefined),
    ...pair('app', () => { throw new RpcError(-32001, 'refused', { code: 'X' }); }),
    ...pair('bug', () => { throw new Error('bug'); }),
  ], { maxBatch: 10, onCall: (m, code) => calls.push([m.replace(/_(a)?sync$/, ''), code]) });

  for (const name of ['ok', 'none', 'app', 'bug']) {
    const body = (suffix: string) => JSON.stringify({ jsonrpc: '2.0', id: 7, method: `${name}_${suffix}`, params: [5] });
    const sync = d.handleText(body('sync'), ctx);
    assert.equal(typeof sync, 'string', `${name}: a sync handler's reply is ready at once`);
    const viaAsync = d.handleText(body('async'), ctx);
    assert.ok(viaAsync instanceof Promise);
    assert.equal(sync, await viaAsync, name);
  }
  assert.equal(d.handleText('{"jsonrpc":"2.0","id":1,"method":"ok_sync","params":[300]}', ctx), '{"jsonrpc":"2.0","result":{"n":"300","b":"0x2c"},"id":1}', 'bigint and bytes encoded (300 wraps to the byte 0x2c)');
  assert.deepEqual(calls.slice(0, 8), [['ok', 0], ['ok', 0], ['none', 0], ['none', 0], ['app', -32001], ['app', -32001], ['bug', -32603], ['bug', -32603]]);
  assert.equal(logged.length, 2, 'the internal error is logged once per call, on both paths');
  // a notification to a sync handler: nothing to send, still nothing asynchronous
  assert.equal(d.handleText('{"jsonrpc":"2.0","method":"ok_sync","params":[1]}', ctx), undefined);
  // a batch keeps its order whatever mix of sync and async handlers it holds
  const batch = await d.handleText(JSON.stringify([
    { jsonrpc: '2.0', id: 1, method: 'ok_async', params: [1] }, { jsonrpc: '2.0', id: 2, method: 'ok_sync', params: [2] },
  ]), ctx);
  assert.deepEqual(JSON.parse(batch!).map((r: { id: number }) => r.id), [1, 2]);
});
