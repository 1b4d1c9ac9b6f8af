// The fastify server: POST / (JSON-RPC over HTTP), GET /ws (JSON-RPC over WebSocket with
// subscriptions), GET /health, /ready and /metrics (rpc/health.ts). See docs/rpc.md for the transport rules.

import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { Logger } from 'pino';
import type { WebSocket, RawData } from 'ws';
import {
  RpcError, RpcConfigError, INVALID_REQUEST, INTERNAL_ERROR, LIMIT_EXCEEDED, UNSUPPORTED, invalidParams,
} from './errors.ts';
import { Dispatcher } from './dispatch.ts';
import { buildOpenRpcDocument, type OpenRpcInfo } from './openrpc.ts';
import { SubscriptionHub, WsPeer } from './subscriptions.ts';
import { checkSchema, validate } from './schema.ts';
import { registerHealthRoutes, type HealthStatus, type MetricsSource } from './health.ts';
import { registerStaticPages, type StaticPage } from './static-pages.ts';
import type { RpcContext, RpcLogger, RpcMethod, TopicSpec } from './types.ts';
import { errorMessage } from '../primitives/index.ts';

export const DEFAULT_PORT = 8545;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_MAX_BATCH = 100;
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 32;
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 64;

export interface RpcServerOptions {
  methods: RpcMethod[];
  /** pino logger (passed to fastify as loggerInstance). Default: no logging. */
  logger?: Logger;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8545; 0 picks a free port. */
  port?: number;
  /** Max HTTP body and WebSocket message size in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Max requests in one batch. Default 100. */
  maxBatch?: number;
  /**
   * Topics clients may subscribe to over WebSocket (e.g. ['newHeads']): names, or TopicSpecs for
   * topics that accept a subscriber filter. Default none.
   */
  topics?: Array<string | TopicSpec>;
  /** Default 32. */
  maxSubscriptionsPerConnection?: number;
  /** A WebSocket peer with more unsent bytes than this is dropped. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** WebSocket messages handled concurrently per connection before reading pauses. Default 64. */
  maxInFlightPerConnection?: number;
  /**
   * Browser origins allowed to call over HTTP (CORS), e.g. ['https://explorer.example'] or ['*'].
   * Default none: no CORS headers, preflights get 404.
   */
  corsOrigins?: string[];
  /** OpenRPC info block. Default { title: 'polchain JSON-RPC', version: '0.1.0' }. */
  info?: OpenRpcInfo;
  /** What GET /health and /ready report (rpc/health.ts). Default: 'synced' while the server is up. */
  health?: () => HealthStatus;
  /** Serves GET /metrics from this source. Default: no /metrics. */
  metrics?: MetricsSource;
  /** Static files served with GET on this origin (the node's explorer at / and /explorer). Default none. */
  pages?: readonly StaticPage[];
  /** Told of every JSON-RPC call's method, error code (0: a result) and seconds (DispatcherOptions.onCall). */
  onCall?: (method: string, code: number, seconds: number) => void;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
}

export interface RpcServer {
  /** e.g. http://127.0.0.1:8545/ */
  readonly url: string;
  /** e.g. ws://127.0.0.1:8545/ws */
  readonly wsUrl: string;
  readonly address: { host: string; port: number };
  /**
   * Pushes data to the topic's subscribers; returns how many it reached. Subscribers with a filter
   * get it only when `key` equals their filter. Throws for an undeclared topic.
   */
  publish(topic: string, data: unknown, key?: string): number;
  /** Stops accepting, closes WebSocket peers and idle HTTP connections. Idempotent. */
  close(): Promise<void>;
}

function rpcErrorBody(code: number, message: string, data?: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', error: data === undefined ? { code, message } : { code, message, data }, id: null });
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function positiveInt(v: number | undefined, def: number, name: string, allowZero = false): number {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v < (allowZero ? 0 : 1)) throw new RpcConfigError('RPC_BAD_OPTION', `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${v}`);
  return v;
}

/** Builds the built-in methods: rpc.discover, subscribe, unsubscribe. */
function builtins(getDoc: () => unknown, topics: readonly TopicSpec[]): RpcMethod[] {
  const byName = new Map(topics.map((t) => [t.name, t]));
  return [
    {
      name: 'rpc.discover',
      summary: 'Returns the OpenRPC 1.2 document describing this server',
      params: [],
      result: { type: 'object', description: 'OpenRPC document' },
      handler: () => getDoc(),
    },
    {
      name: 'subscribe',
      summary: 'Subscribes to a topic (WebSocket only); returns the subscription id',
      description: 'Notifications arrive as {"jsonrpc":"2.0","method":"subscription","params":{"subscription":id,"result":data}}.',
      params: [
        { name: 'topic', required: true, schema: { type: 'string', enum: topics.map((t) => t.name) } },
        {
          name: 'filter', required: false, schema: { type: 'string', maxLength: 256 },
          description: `narrows the subscription, for topics that take one (${topics.filter((t) => t.filter).map((t) => `${t.name}: ${t.filter!.description ?? 'a string'}`).join('; ') || 'none here'})`,
        },
      ],
      result: { type: 'string', pattern: '^0x[0-9a-f]{32}$', description: 'subscription id' },
      errors: [UNSUPPORTED, LIMIT_EXCEEDED],
      handler: (p: { topic: string; filter?: string }, ctx: RpcContext) => {
        if (!ctx.subscriptions) throw new RpcError(UNSUPPORTED, 'subscribe is only available over WebSocket (/ws)');
        if (p.filter !== undefined) {
          const schema = byName.get(p.topic)?.filter;
          if (!schema) throw invalidParams(`filter: topic "${p.topic}" takes no filter`, { param: 'filter' });
          const err = validate(schema, p.filter, 'filter');
          if (err) throw invalidParams(err, { param: 'filter' });
        }
        return ctx.subscriptions.subscribe(p.topic, p.filter);
      },
    },
    {
      name: 'unsubscribe',
      summary: 'Cancels a subscription (WebSocket only); returns false if the id was not active on this connection',
      params: [{ name: 'subscription', required: true, schema: { type: 'string', maxLength: 100 } }],
      result: { type: 'boolean' },
      errors: [UNSUPPORTED],
      handler: (p: { subscription: string }, ctx: RpcContext) => {
        if (!ctx.subscriptions) throw new RpcError(UNSUPPORTED, 'unsubscribe is only available over WebSocket (/ws)');
        return ctx.subscriptions.unsubscribe(p.subscription);
      },
    },
  ];
}

/** Starts the JSON-RPC server and resolves once it listens. */
export async function createRpcServer(opts: RpcServerOptions): Promise<RpcServer> {
  opts.signal?.throwIfAborted();
  const host = opts.host ?? DEFAULT_HOST;
  const port = positiveInt(opts.port, DEFAULT_PORT, 'port', true);
  const bodyLimit = positiveInt(opts.bodyLimit, DEFAULT_BODY_LIMIT, 'bodyLimit');
  const maxBatch = positiveInt(opts.maxBatch, DEFAULT_MAX_BATCH, 'maxBatch');
  const topicSpecs: TopicSpec[] = (opts.topics ?? []).map((t) => (typeof t === 'string' ? { name: t } : t));
  for (const t of topicSpecs) if (t.filter) checkSchema(t.filter, `topic ${t.name} filter`);
  const topics = topicSpecs.map((t) => t.name);
  const hub = new SubscriptionHub(topics, {
    maxSubscriptionsPerConnection: positiveInt(opts.maxSubscriptionsPerConnection, DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION, 'maxSubscriptionsPerConnection'),
    maxBufferedBytes: positiveInt(opts.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES, 'maxBufferedBytes'),
  }, opts.logger);
  const maxInFlight = positiveInt(opts.maxInFlightPerConnection, DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, 'maxInFlightPerConnection');
  const info = opts.info ?? { title: 'polchain JSON-RPC', version: '0.1.0' };
  let doc: unknown;
  const dispatcher: Dispatcher = new Dispatcher(opts.methods, { maxBatch, onCall: opts.onCall }, builtins(() => doc, topicSpecs));
  doc = buildOpenRpcDocument(dispatcher.list(), info);

  const app: FastifyInstance = (opts.logger
    ? Fastify({ loggerInstance: opts.logger, bodyLimit, logController: new LogController({ disableRequestLogging: true }), return503OnClosing: true })
    : Fastify({ logger: false, bodyLimit, logController: new LogController({ disableRequestLogging: true }), return503OnClosing: true })) as unknown as FastifyInstance;
  const log: RpcLogger = app.log;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    reply.type('application/json; charset=utf-8');
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(rpcErrorBody(LIMIT_EXCEEDED, `Request body too large: limit is ${bodyLimit} bytes`, { limit: bodyLimit }));
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send(rpcErrorBody(INVALID_REQUEST, 'Invalid Request: Content-Type must be application/json'));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(rpcErrorBody(INVALID_REQUEST, `Invalid Request: ${err.message}`));
    }
    req.log.error({ err }, 'rpc http request failed');
    return reply.code(500).send(rpcErrorBody(INTERNAL_ERROR, 'Internal error'));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).type('application/json; charset=utf-8')
      .send(rpcErrorBody(INVALID_REQUEST, `Not found: ${req.method} ${req.url.slice(0, 100)}; JSON-RPC is served at POST / and /ws`));
  });

  const cors = new Set(opts.corsOrigins ?? []);
  if (cors.size) {
    app.addHook('onRequest', async (req, reply) => {
      const origin = req.headers.origin;
      if (typeof origin !== 'string' || !(cors.has('*') || cors.has(origin))) return;
      reply.header('access-control-allow-origin', cors.has('*') ? '*' : origin);
      reply.header('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
        reply.header('access-control-allow-headers', 'content-type');
        reply.header('access-control-max-age', '600');
        return reply.code(204).send();
      }
    });
  }

  registerHealthRoutes(app, opts.health ?? (() => 'synced'), opts.metrics);
  registerStaticPages(app, opts.pages ?? []);

  app.post('/', async (req, reply) => {
    if (typeof req.body !== 'string') {
      // No Content-Type (and no body parser ran).
      return reply.code(415).type('application/json; charset=utf-8')
        .send(rpcErrorBody(INVALID_REQUEST, 'Invalid Request: Content-Type must be application/json'));
    }
    const ctx: RpcContext = { transport: 'http', log: req.log, remoteAddress: req.ip };
    const out = await dispatcher.handleText(req.body, ctx);
    if (out === undefined) return reply.code(204).send();
    return reply.code(200).type('application/json; charset=utf-8').send(out);
  });

  await app.register(websocket, {
    options: { maxPayload: bodyLimit },
    // A client's protocol error (a message over the limit: ws closes with 1009 "message too big"; a bad
    // frame: 1002/1007) is the client's doing: one warn line with its code, no stack. Anything else
    // is ours and keeps the error level.
    errorHandler: (err, socket, req) => {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
        req.log.warn({ remote: req.ip, code, ...(code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? { limit: bodyLimit } : {}) }, `rpc ws: ${err.message}; connection closed`);
        return;
      }
      req.log.error({ err }, 'rpc ws connection failed');
      socket.terminate();
    },
  });
  app.register(async (scope) => {
    scope.get('/ws', { websocket: true }, (socket: WebSocket, req) => {
      const peer = new WsPeer(socket, hub, req.ip, req.log);
      const ctx: RpcContext = { transport: 'ws', log: req.log, remoteAddress: req.ip, subscriptions: peer };
      // At most maxInFlight messages are handled at once per connection; beyond that the socket
      // stops reading, so TCP backpressure slows the peer instead of queueing work without bound.
      let inFlight = 0;
      socket.on('message', (data: RawData) => {
        if (++inFlight >= maxInFlight) socket.pause();
        dispatcher.handleText(rawToString(data), ctx).then(
          (out) => { if (out !== undefined) peer.send(out); },
          (err) => req.log.error({ err }, 'rpc ws message failed'),
        ).finally(() => {
          if (inFlight-- === maxInFlight && socket.readyState === socket.OPEN) socket.resume();
        });
      });
      socket.on('close', () => peer.drop());
      socket.on('error', (err) => req.log.debug({ code: (err as { code?: unknown }).code, reason: err.message }, 'rpc ws socket error'));
    });
  });

  // fastify logs "Server listening at ..." once per address with no switch to turn it off; the line
  // below says the same with the ws url, so fastify's logger is muted while it listens (a listen
  // failure is thrown, not logged).
  const level = app.log.level;
  app.log.level = 'silent';
  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close().catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    throw new RpcConfigError('RPC_LISTEN', `rpc server cannot listen on ${host}:${port}: ${code ?? errorMessage(e)}`);
  } finally {
    app.log.level = level;
  }
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new RpcConfigError('RPC_LISTEN', `unexpected listen address ${String(addr)}`);
  const urlHost = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const url = `http://${urlHost}:${addr.port}/`;
  const wsUrl = `ws://${urlHost}:${addr.port}/ws`;
  doc = buildOpenRpcDocument(dispatcher.list(), info, [{ name: 'http', url }, { name: 'ws', url: wsUrl }]);
  log.info({ url, wsUrl, methods: dispatcher.list().length, topics }, 'rpc server listening');

  let closing: Promise<void> | undefined;
  const onAbort = () => { void close(); };
  function close(): Promise<void> {
    if (!closing) {
      opts.signal?.removeEventListener('abort', onAbort);
      closing = app.close().then(() => log.info({ url }, 'rpc server closed'));
    }
    return closing;
  }
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) await close(); // aborted while starting

  return {
    url,
    wsUrl,
    address: { host: addr.address, port: addr.port },
    publish: (topic, data, key) => hub.publish(topic, data, key),
    close,
  };
}
