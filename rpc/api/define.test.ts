import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher } from '../dispatch.ts';
import type { RpcClient } from '../client.ts';
import type { RpcContext } from '../types.ts';
import { implement, method, opt, req, typed, type Handlers, type PositionalParams } from './define.ts';
import { RPC_METHODS, type RpcMethodName, type RpcResult } from './api.ts';
import type { Same, SchemaType } from './shape.ts';
import type { TopicData } from './topics.ts';
import { BLOCK_HEADER } from './chain-json.ts';
import { JOB_UPDATE } from './job-json.ts';
import { DISPUTE_UPDATE } from './dispute-json.ts';
import type { JobAtHeightJson } from './job-json.ts';

const TABLE = {
  add: method({
    summary: 'adds two integers',
    params: [req('a', typed<number>({ type: 'integer' })), opt('b', typed<number>({ type: 'integer' }), 'second addend')],
    result: { type: 'integer' },
  }),
};
interface Results { add: number }

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const ctx: RpcContext = { transport: 'http', log: quiet, remoteAddress: undefined };

test('implement joins table entries with handlers; params arrive by name either way', async () => {
  const handlers: Handlers<typeof TABLE, Results> = { add: (p) => p.a + (p.b ?? 0) };
  const methods = implement(TABLE, handlers);
  assert.deepEqual(methods.map((m) => ({ name: m.name, summary: m.summary, params: m.params })), [{
    name: 'add', summary: 'adds two integers',
    params: [{ name: 'a', required: true, schema: { type: 'integer' } }, { name: 'b', required: false, schema: { type: 'integer' }, description: 'second addend' }],
  }]);
  const d = new Dispatcher(methods, { maxBatch: 1 });
  assert.deepEqual(await d.invoke('add', [2, 3], ctx), { result: 5 });
  assert.deepEqual(await d.invoke('add', { a: 4 }, ctx), { result: 4 });
  assert.equal(((await d.invoke('add', ['x'], ctx)) as { error: { code: number } }).error.code, -32602);
});

test('every table entry passes the dispatcher checks', () => {
  const stub = Object.fromEntries(Object.keys(RPC_METHODS).map((k) => [k, () => null]));
  const methods = implement(RPC_METHODS, stub as never);
  assert.equal(new Dispatcher(methods, { maxBatch: 1 }).list().length, Object.keys(RPC_METHODS).length);
  assert.ok(methods.some((m) => m.name === 'job_get' && m.params[0]!.name === 'id' && m.errors?.includes(-32001)));
});

// Compile-time checks: `npm test` type-checks this file, so each line below fails the build if the
// table stops typing handlers and clients.
test('the table types handlers, params and client results', () => {
  // @ts-expect-error a handler is missing
  const missing: Handlers<typeof TABLE, Results> = {};
  // @ts-expect-error a handler returns the wrong type
  const wrong: Handlers<typeof TABLE, Results> = { add: () => 'seven' };
  const positional: PositionalParams<typeof TABLE.add.params> = [1, null];
  // @ts-expect-error the required param is missing
  const none: PositionalParams<typeof TABLE.add.params> = [];
  const jobGet = (c: RpcClient) => c.call('job_get', ['0x00']);
  const result: JobAtHeightJson extends Awaited<ReturnType<typeof jobGet>> ? RpcResult<'job_get'> : never = {} as RpcResult<'job_get'>;
  // @ts-expect-error job_get takes a string id
  const badCall = (c: RpcClient) => c.call('job_get', [7]);
  assert.deepEqual([missing, wrong, positional, none, result, typeof badCall], [{}, { add: wrong.add }, [1, null], [], {}, 'function']);
});

// Compile-time: each method's result schema admits exactly the wire shape its result type declares
// (a field added to one and not the other, a wrong type or nullability, or a bare schema fails the build,
// naming the method).
type Drifted = { [M in RpcMethodName]: Same<SchemaType<(typeof RPC_METHODS)[M]['result']>, RpcResult<M>> extends true ? never : M }[RpcMethodName];
test('every result schema admits exactly its result type (checked by the compiler)', () => {
  const none: [Drifted] extends [never] ? 'none' : Drifted = 'none';
  const heads: Same<SchemaType<typeof BLOCK_HEADER>, TopicData['newHeads']> = true;
  const jobs: Same<SchemaType<typeof JOB_UPDATE>, TopicData['jobs']> = true;
  const disputes: Same<SchemaType<typeof DISPUTE_UPDATE>, TopicData['disputes']> = true;
  // @ts-expect-error an untyped schema admits unknown, which is no result type
  const bare: Same<SchemaType<{ type: 'object' }>, RpcResult<'node_status'>> = true;
  assert.deepEqual([none, heads, jobs, disputes, bare], ['none', true, true, true, true]);
});
