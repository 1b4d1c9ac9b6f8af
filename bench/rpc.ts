// JSON-RPC throughput on loopback: the rpc server vs a bare fastify route (baseline), each in a
// child process, driven by keep-alive node:http (50 concurrent) and by RpcClient (call and batch).
// Run: node --import tsx bench/rpc.ts [seconds-per-run=3]
// (Belongs with the other benchmarks in bench/ once the lead moves it; rpc/ owns it for now.)
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { createRpcServer, RpcClient, type RpcMethod, type UntypedApi } from '../rpc/index.ts';

const add: RpcMethod = {
  name: 'add', summary: 'a+b',
  params: [{ name: 'a', required: true, schema: { type: 'integer' } }, { name: 'b', required: true, schema: { type: 'integer' } }],
  result: { type: 'integer' }, handler: (p: { a: number; b: number }) => p.a + p.b,
};

if (process.argv[2] === '--serve') {
  const kind = process.argv[3];
  if (kind === 'rpc') {
    const s = await createRpcServer({ methods: [add], port: 0 });
    process.send!({ port: s.address.port });
    process.on('disconnect', () => void s.close());
  } else {
    const app = Fastify({ logger: false });
    app.post('/', async (req) => {
      const r = req.body as { params: [number, number]; id: number };
      return { jsonrpc: '2.0', result: r.params[0] + r.params[1], id: r.id };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    process.send!({ port: (app.server.address() as { port: number }).port });
    process.on('disconnect', () => void app.close());
  }
} else {
  const secs = Number(process.argv[2] ?? 3);
  const self = fileURLToPath(import.meta.url);
  async function start(kind: string): Promise<{ child: ChildProcess; url: string }> {
    const child = fork(self, ['--serve', kind], { execArgv: ['--import', 'tsx'] });
    const { port } = await new Promise<{ port: number }>((r) => child.once('message', (m) => r(m as { port: number })));
    return { child, url: `http://127.0.0.1:${port}/` };
  }
  async function rate(f: () => Promise<unknown>, conc: number, per = 1): Promise<number> {
    let n = 0;
    const end = Date.now() + secs * 1000;
    await Promise.all(Array.from({ length: conc }, async () => { while (Date.now() < end) { await f(); n++; } }));
    return Math.round((n * per) / secs);
  }
  const body = JSON.stringify({ jsonrpc: '2.0', method: 'add', params: [1, 2], id: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const raw = (url: string) => () => new Promise<void>((resolve, reject) => {
    const r = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    r.on('error', reject);
    r.end(body);
  });
  const results: Record<string, number> = {};
  for (const kind of ['bare', 'rpc']) {
    const { child, url } = await start(kind);
    await rate(raw(url), 50); // warm-up
    results[`${kind}_http_rps`] = await rate(raw(url), 50);
    if (kind === 'rpc') {
      const c = new RpcClient<UntypedApi>(url);
      results.rpc_client_call_rps = await rate(() => c.call('add', [1, 2]), 50);
      const calls = Array.from({ length: 100 }, (_, i) => ({ method: 'add', params: [i, 1] }));
      results.rpc_client_batch100_calls_per_s = await rate(() => c.batch(calls), 4, 100);
      await c.close();
    }
    child.disconnect();
  }
  agent.destroy();
  const ratio = results.rpc_http_rps! / results.bare_http_rps!;
  console.error(`bare fastify ${results.bare_http_rps} req/s; rpc server ${results.rpc_http_rps} req/s (ratio ${ratio.toFixed(2)}); ` +
    `RpcClient.call ${results.rpc_client_call_rps} req/s; RpcClient.batch(100) ${results.rpc_client_batch100_calls_per_s} calls/s`);
  console.log(JSON.stringify({ bench: 'rpc-throughput', seconds: secs, ...results, rpc_vs_bare: Number(ratio.toFixed(3)) }));
}
