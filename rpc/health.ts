// GET /health, /ready and /metrics: what an operator's probes and Prometheus read, beside JSON-RPC
// on the same port. The meanings of /health are those of the Ethereum beacon API that Lodestar
// serves (200 synced, 206 syncing, 503 not serving); docs/operations.md says what "synced" is here.

import type { FastifyInstance } from 'fastify';

/** What the node says of itself: serving and at the head, serving but behind, or not serving. */
export type HealthStatus = 'synced' | 'syncing' | 'unavailable';

/** A Prometheus exposition the server only relays (the rpc folder does not own the metrics). */
export interface MetricsSource {
  contentType: string;
  text(): Promise<string>;
}

const STATUS_CODE: Record<HealthStatus, number> = { synced: 200, syncing: 206, unavailable: 503 };

/**
 * `?syncing_status=N` replaces 206 for a probe that only knows yes or no (beacon-APIs #147,
 * as Lodestar and Teku take it); anything but an integer 100..599 is refused with 400.
 */
function syncingCode(query: unknown): number | string {
  const raw = (query as Record<string, unknown> | undefined)?.syncing_status;
  if (raw === undefined) return STATUS_CODE.syncing;
  const n = typeof raw === 'string' && /^[1-5][0-9]{2}$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) ? n : `syncing_status must be an HTTP status code 100..599, got ${JSON.stringify(raw).slice(0, 40)}`;
}

export function registerHealthRoutes(app: FastifyInstance, health: () => HealthStatus, metrics?: MetricsSource): void {
  const current = (): HealthStatus => {
    try {
      return health();
    } catch {
      return 'unavailable'; // a status that cannot be computed is no reason to say "fine"
    }
  };
  app.get('/health', async (req, reply) => {
    const status = current();
    const code = status === 'syncing' ? syncingCode(req.query) : STATUS_CODE[status];
    if (typeof code === 'string') return reply.code(400).send({ error: code });
    return reply.code(code).send({ ok: status !== 'unavailable', status });
  });
  // For probes that only read 200 as "send traffic here": ready means synced.
  app.get('/ready', async (_req, reply) => {
    const status = current();
    return reply.code(status === 'synced' ? 200 : 503).send({ ready: status === 'synced', status });
  });
  if (metrics) {
    app.get('/metrics', async (_req, reply) => reply.code(200).type(metrics.contentType).send(await metrics.text()));
  }
}
