// A typed JSON-RPC 2.0 client: HTTP calls and batches via fetch, subscriptions over WebSocket.

import http from 'node:http';
import https from 'node:https';
import WebSocket from 'ws';
import { jsonReplacer } from './encoding.ts';
import { errorCodeName, INTERNAL_ERROR, MEMPOOL_FULL, NOT_READY } from './errors.ts';
import type { ClientApi, NodeApi } from './api/api.ts';
import { CodedError } from '../primitives/index.ts';

/** A JSON-RPC error returned by the server. */
export class RpcClientError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcClientError';
    this.code = code;
    this.data = data;
  }
  get codeName(): string | undefined {
    return errorCodeName(this.code);
  }
}

/** The server could not be reached or answered with something that is not JSON-RPC. */
export class RpcTransportError extends CodedError<'RPC_TRANSPORT'> {
  readonly status: number | undefined;
  constructor(message: string, opts: { cause?: unknown; status?: number } = {}) {
    super('RPC_TRANSPORT', message, { cause: opts.cause });
    this.status = opts.status;
  }
}

/** Failures a client may retry: the node is unreachable, busy (mempool full), starting, or failed internally. */
export function isRetryableRpcError(e: unknown): boolean {
  if (e instanceof RpcTransportError) return true;
  if (e instanceof RpcClientError) return e.code === MEMPOOL_FULL || e.code === NOT_READY || e.code === INTERNAL_ERROR;
  return false;
}

export type RpcParams = unknown[] | Record<string, unknown>;

type MethodName<Api extends ClientApi> = keyof Api['methods'] & string;
type ParamsOf<Api extends ClientApi, M extends MethodName<Api>> = Api['methods'][M]['params'];
type ResultOf<Api extends ClientApi, M extends MethodName<Api>> = Api['methods'][M]['result'];

export interface BatchCall<Api extends ClientApi = ClientApi, M extends MethodName<Api> = MethodName<Api>> {
  method: M;
  params?: ParamsOf<Api, M>;
}

/** One entry of a batch answer, in the order of the calls. */
export type BatchResult<T = unknown> = { ok: true; result: T } | { ok: false; error: RpcClientError };

export interface RpcClientOptions {
  /** Per-request timeout in ms. Default 30000. */
  timeoutMs?: number;
  /** WebSocket URL; default derived from url (http->ws, https->wss, path /ws). */
  wsUrl?: string;
  headers?: Record<string, string>;
  /** Max parallel HTTP connections (keep-alive). Default 64. */
  maxSockets?: number;
}

type Unsubscribe = () => Promise<void>;

interface WireError { code: number; message: string; data?: unknown }
interface WireResponse { jsonrpc: '2.0'; id: unknown; result?: unknown; error?: WireError }

function toClientError(e: WireError): RpcClientError {
  return new RpcClientError(e.code, e.message, e.data);
}

function isResponse(v: unknown): v is WireResponse {
  return typeof v === 'object' && v !== null && (v as WireResponse).jsonrpc === '2.0' && ('result' in v || 'error' in v);
}

/**
 * A client typed by an API (default: the node's, rpc/api): `call('job_get', [id])` resolves with
 * that method's declared result. Use RpcClient<UntypedApi> for a server without a table.
 */
export class RpcClient<Api extends ClientApi = NodeApi> {
  readonly url: string;
  readonly wsUrl: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private nextId = 1;
  private ws: WsChannel | undefined;
  private readonly agent: http.Agent;
  private readonly target: URL;

  constructor(url: string, opts: RpcClientOptions = {}) {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`RpcClient url must be http: or https:, got ${url}`);
    this.target = u;
    this.url = u.toString();
    if (opts.wsUrl) this.wsUrl = opts.wsUrl;
    else {
      const w = new URL('/ws', u);
      w.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
      this.wsUrl = w.toString();
    }
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.headers = { 'content-type': 'application/json', accept: 'application/json', ...opts.headers };
    this.agent = new (u.protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: opts.maxSockets ?? 64 });
  }

  /** One HTTP POST over a keep-alive agent (node:http is several times faster than fetch on Node 20). */
  private exchange(body: string): Promise<{ status: number; text: string }> {
    const u = this.target;
    const mod = u.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const req = mod.request(u, {
        method: 'POST',
        agent: this.agent,
        headers: { ...this.headers, 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }); });
        res.on('error', (e) => fail(e, `reading RPC response from ${this.url} failed`));
        res.on('aborted', () => fail(new Error('response aborted'), `reading RPC response from ${this.url} failed`));
      });
      const fail = (e: unknown, what: string) => {
        clearTimeout(timer);
        reject(new RpcTransportError(
          timedOut ? `RPC request to ${this.url} timed out after ${this.timeoutMs} ms` : `${what}: ${(e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e)}`,
          { cause: e },
        ));
      };
      const timer = setTimeout(() => { timedOut = true; req.destroy(new Error('timeout')); }, this.timeoutMs);
      req.on('error', (e) => fail(e, `cannot reach RPC server at ${this.url}`));
      req.end(body);
    });
  }

  private async post(body: string): Promise<unknown> {
    const res = await this.exchange(body);
    const text = res.text;
    if (res.status === 204) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new RpcTransportError(`RPC server at ${this.url} answered HTTP ${res.status} with non-JSON body: ${text.slice(0, 200)}`, { cause: e, status: res.status });
    }
    // Error bodies (413, 415, ...) are still JSON-RPC responses; let the caller map them.
    if (!isResponse(parsed) && !Array.isArray(parsed)) {
      throw new RpcTransportError(`RPC server at ${this.url} answered HTTP ${res.status} with a non-JSON-RPC body: ${text.slice(0, 200)}`, { status: res.status });
    }
    return parsed;
  }

  /** Calls one method; resolves with its result or throws RpcClientError / RpcTransportError. */
  async call<M extends MethodName<Api>>(method: M, params: ParamsOf<Api, M> = []): Promise<ResultOf<Api, M>> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', method, params, id }, jsonReplacer);
    const r = await this.post(body);
    if (!isResponse(r)) throw new RpcTransportError(`RPC server at ${this.url} sent a batch answer to a single call`);
    if (r.error) throw toClientError(r.error);
    if (r.id !== id) throw new RpcTransportError(`RPC server at ${this.url} answered id ${JSON.stringify(r.id)} to request id ${id}`);
    return r.result as ResultOf<Api, M>;
  }

  /** Sends a notification (no id, no answer). */
  async notify(method: string, params: RpcParams = []): Promise<void> {
    const r = await this.post(JSON.stringify({ jsonrpc: '2.0', method, params }, jsonReplacer));
    if (isResponse(r) && r.error) throw toClientError(r.error);
  }

  /**
   * Sends calls as one batch. Resolves with one entry per call, in order; a batch-level error
   * (e.g. too many calls) throws RpcClientError.
   */
  async batch<M extends MethodName<Api>>(calls: BatchCall<Api, M>[]): Promise<BatchResult<ResultOf<Api, M>>[]> {
    if (calls.length === 0) return [];
    const ids = calls.map(() => this.nextId++);
    const body = JSON.stringify(calls.map((c, i) => ({ jsonrpc: '2.0', method: c.method, params: c.params ?? [], id: ids[i] })), jsonReplacer);
    const r = await this.post(body);
    if (isResponse(r)) {
      if (r.error) throw toClientError(r.error);
      throw new RpcTransportError(`RPC server at ${this.url} sent a single answer to a batch`);
    }
    const byId = new Map<unknown, WireResponse>();
    for (const x of r as unknown[]) if (isResponse(x)) byId.set(x.id, x);
    return ids.map((id) => {
      const x = byId.get(id);
      if (!x) return { ok: false, error: new RpcClientError(-32603, `no answer for batch entry id ${id}`) };
      return x.error ? { ok: false, error: toClientError(x.error) } : { ok: true, result: x.result as ResultOf<Api, M> };
    });
  }

  /**
   * Subscribes to a topic over WebSocket. Resolves once the server confirmed, with a function that
   * unsubscribes (and closes the socket when it was the last subscription). `onError` hears about
   * the connection closing underneath (e.g. dropped as a slow consumer). `opts.filter` narrows a
   * topic that takes a filter (e.g. `jobs` by job id).
   */
  async subscribe<T extends keyof Api['topics'] & string>(
    topic: T, onData: (data: Api['topics'][T]) => void, onError?: (err: Error) => void, opts: { filter?: string } = {},
  ): Promise<Unsubscribe> {
    if (!this.ws || this.ws.closed) this.ws = new WsChannel(this.wsUrl, this.timeoutMs);
    const ch = this.ws;
    const id = await ch.request('subscribe', opts.filter === undefined ? [topic] : [topic, opts.filter]) as string;
    ch.subs.set(id, { onData: onData as (d: unknown) => void, onError });
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      ch.subs.delete(id);
      if (!ch.closed) {
        try { await ch.request('unsubscribe', [id]); } catch { /* closing anyway */ }
        if (ch.subs.size === 0) await ch.close();
      }
    };
  }

  /** Closes the WebSocket, if any, and idle keep-alive HTTP connections. The client stays usable. */
  async close(): Promise<void> {
    this.agent.destroy();
    await this.ws?.close();
    this.ws = undefined;
  }
}

interface Pending { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }

/** One WebSocket carrying requests and subscription notifications. */
class WsChannel {
  readonly subs = new Map<string, { onData(d: unknown): void; onError?: (e: Error) => void }>();
  private readonly pending = new Map<number, Pending>();
  private readonly socket: WebSocket;
  private readonly opened: Promise<void>;
  private nextId = 1;
  closed = false;

  constructor(readonly url: string, private readonly timeoutMs: number) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', (e) => reject(new RpcTransportError(`cannot open WebSocket ${url}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e })));
    });
    this.opened.catch(() => {});
    this.socket.on('error', () => {}); // surfaced through 'close'
    this.socket.on('message', (raw) => this.onMessage(raw.toString()));
    this.socket.on('close', (code, reason) => {
      this.closed = true;
      const err = new RpcTransportError(`WebSocket ${url} closed (code ${code}${reason.length ? `, ${reason.toString()}` : ''})`);
      for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(err); }
      this.pending.clear();
      for (const s of this.subs.values()) s.onError?.(err);
      this.subs.clear();
    });
  }

  private onMessage(text: string): void {
    let msg: unknown;
    try { msg = JSON.parse(text); } catch { return; }
    const m = msg as { method?: string; params?: { subscription?: string; result?: unknown } };
    if (m.method === 'subscription' && m.params && typeof m.params.subscription === 'string') {
      this.subs.get(m.params.subscription)?.onData(m.params.result);
      return;
    }
    if (isResponse(msg) && typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(toClientError(msg.error));
      else p.resolve(msg.result);
    }
  }

  async request(method: string, params: RpcParams): Promise<unknown> {
    await this.opened;
    if (this.closed) throw new RpcTransportError(`WebSocket ${this.url} is closed`);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcTransportError(`WebSocket request ${method} timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.send(JSON.stringify({ jsonrpc: '2.0', method, params, id }, jsonReplacer));
    });
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) { this.closed = true; return Promise.resolve(); }
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.closed = true;
      if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
      else this.socket.close(1000);
    });
  }
}
