// The request logger fastify hands each request is built on first use: a request that logs writes the
// same line (with its reqId) as before; one that does not log builds no pino child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createRpcServer, type RpcMethod } from './index.ts';

test('a request logs through its own child (reqId bound) only when it logs; quiet requests build no child', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _e, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb(); } });
  const logger = pino({ level: 'info' }, sink);
  let children = 0;
  const child = logger.child.bind(logger);
  logger.child = ((b: never, o: never) => { children++; return child(b, o); }) as typeof logger.child;
  const methods: RpcMethod[] = [
    { name: 'quiet', summary: 'q', params: [], result: {}, handler: (_p, ctx) => { ctx.log.debug('below the level'); return 1; } },
    { name: 'loud', summary: 'l', params: [], result: {}, handler: () => { throw new Error('boom'); } },
  ];
  const server = await createRpcServer({ methods, port: 0, logger });
  t.after(() => server.close());
  const call = async (method: string) =>
    (await (await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }) })).json()) as { result?: unknown; error?: { code: number } };

  const before = children;
  for (let i = 0; i < 5; i++) assert.equal((await call('quiet')).result, 1);
  assert.equal(children, before, 'no pino child for requests that log nothing');

  assert.equal((await call('loud')).error?.code, -32603);
  assert.equal(children, before + 1, 'the request that logs builds its child');
  const line = lines.find((l) => l.msg === 'rpc method handler threw');
  assert.ok(line, 'the handler error is logged');
  assert.equal(typeof line.reqId, 'string', 'with the request id bound as before');
  assert.equal(line.method, 'loud');
  assert.equal(lines.filter((l) => l.msg === 'below the level').length, 0);
});
