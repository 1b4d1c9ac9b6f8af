// A bare HTTP server for GET /metrics, for processes without the node's RPC server (the solver).
import { createServer } from 'node:http';
import type { Registry } from 'prom-client';
import { NodeError } from '../util/index.ts';

export interface MetricsServer { url: string; close(): Promise<void> }

export async function serveMetrics(registry: Registry, host: string, port: number): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new NodeError('USAGE', `--metrics-port: cannot listen on ${host}:${port}: ${e.code ?? e.message}`)));
    server.listen(port, host, resolve);
  });
  const a = server.address() as { address: string; port: number };
  return {
    url: `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}/metrics`,
    close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}
