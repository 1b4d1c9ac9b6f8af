// Transport-independent JSON-RPC 2.0 processing: request validation, batches, notifications,
// param binding (by position and by name) and validation, error mapping, serialisation.

import {
  RpcError, RpcConfigError, PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR,
  LIMIT_EXCEEDED, type JsonRpcErrorObject,
} from './errors.ts';
import { checkSchema, validate } from './schema.ts';
import { jsonReplacer } from './encoding.ts';
import type { JsonRpcId, JsonRpcResponse, RpcContext, RpcMethod } from './types.ts';
import { errorMessage } from '../primitives/index.ts';

const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_.]*$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function errorResponse(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcResponse {
  const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', error, id };
}

function isValidId(id: unknown): id is JsonRpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a method descriptor; throws RpcConfigError describing the first problem. */
export function checkMethod(m: RpcMethod, allowReserved = false): void {
  if (!m || typeof m !== 'object') throw new RpcConfigError('RPC_BAD_METHOD', 'method descriptor must be an object');
  if (typeof m.name !== 'string' || !METHOD_NAME.test(m.name)) {
    throw new RpcConfigError('RPC_BAD_METHOD', `method name ${JSON.stringify(m.name)} must match ${METHOD_NAME}`);
  }
  if (!allowReserved && m.name.startsWith('rpc.')) {
    throw new RpcConfigError('RPC_BAD_METHOD', `method name ${m.name}: the "rpc." prefix is reserved`);
  }
  if (typeof m.handler !== 'function') throw new RpcConfigError('RPC_BAD_METHOD', `method ${m.name}: handler must be a function`);
  if (typeof m.summary !== 'string') throw new RpcConfigError('RPC_BAD_METHOD', `method ${m.name}: summary must be a string`);
  if (!Array.isArray(m.params)) throw new RpcConfigError('RPC_BAD_METHOD', `method ${m.name}: params must be an array`);
  const seen = new Set<string>();
  let optionalSeen = false;
  for (const p of m.params) {
    if (typeof p.name !== 'string' || !PARAM_NAME.test(p.name)) {
      throw new RpcConfigError('RPC_BAD_METHOD', `method ${m.name}: param name ${JSON.stringify(p.name)} must match ${PARAM_NAME}`);
    }
    if (p.name === '__proto__') throw new RpcConfigError('RPC_BAD_METHOD', `method ${m.name}: param name __proto__ is not allowed`);
    if (seen.has(p.name)) throw new RpcConfigError('RPC_BAD_METHOD', `method ${m.name}: duplicate param ${p.name}`);
    seen.add(p.name);
    if (p.required && optionalSeen) {
      throw new RpcConfigError('RPC_BAD_METHOD', `method ${m.name}: required param ${p.name} follows an optional one`);
    }
    if (!p.required) optionalSeen = true;
    checkSchema(p.schema, `method ${m.name} param ${p.name}`);
  }
  checkSchema(m.result, `method ${m.name} result`);
}

export interface DispatcherOptions {
  maxBatch: number;
  /**
   * Told of every invoked call once it has an outcome: the method (`(unknown)` for a name not in
   * the table, so a client cannot grow a metric's label set), the JSON-RPC error code (0 for a
   * result) and the seconds it took. For metrics; it must not throw.
   */
  onCall?: (method: string, code: number, seconds: number) => void;
}

/** Routes parsed JSON-RPC messages to method handlers. */
export class Dispatcher {
  private readonly methods = new Map<string, RpcMethod>();
  readonly maxBatch: number;
  private readonly onCall: DispatcherOptions['onCall'];

  constructor(methods: RpcMethod[], opts: DispatcherOptions, builtins: RpcMethod[] = []) {
    this.maxBatch = opts.maxBatch;
    this.onCall = opts.onCall;
    for (const m of builtins) this.add(m, true);
    for (const m of methods) this.add(m, false);
  }

  private add(m: RpcMethod, reserved: boolean): void {
    checkMethod(m, reserved);
    if (this.methods.has(m.name)) throw new RpcConfigError('RPC_DUPLICATE_METHOD', `method ${m.name} is registered twice`);
    this.methods.set(m.name, m);
  }

  list(): RpcMethod[] {
    return [...this.methods.values()];
  }

  /**
   * Handles raw message text: returns the serialised response, or undefined when nothing must be
   * sent (a notification, or a batch of notifications only).
   */
  async handleText(text: string, ctx: RpcContext): Promise<string | undefined> {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      return serialize(errorResponse(null, PARSE_ERROR, 'Parse error: ' + errorMessage(e)), ctx);
    }
    return this.handleParsed(msg, ctx);
  }

  async handleParsed(msg: unknown, ctx: RpcContext): Promise<string | undefined> {
    if (Array.isArray(msg)) {
      if (msg.length === 0) return serialize(errorResponse(null, INVALID_REQUEST, 'Invalid Request: empty batch'), ctx);
      if (msg.length > this.maxBatch) {
        return serialize(errorResponse(null, LIMIT_EXCEEDED, `Batch too large: ${msg.length} requests, limit ${this.maxBatch}`, { limit: this.maxBatch }), ctx);
      }
      const out = await Promise.all(msg.map((r) => this.handleOne(r, ctx)));
      const parts: string[] = [];
      for (const r of out) if (r) parts.push(serialize(r, ctx));
      return parts.length ? `[${parts.join(',')}]` : undefined;
    }
    const r = await this.handleOne(msg, ctx);
    return r ? serialize(r, ctx) : undefined;
  }

  /** Handles one request object; undefined for notifications. */
  async handleOne(req: unknown, ctx: RpcContext): Promise<JsonRpcResponse | undefined> {
    if (!isPlainObject(req)) return errorResponse(null, INVALID_REQUEST, 'Invalid Request: request must be an object');
    const hasId = Object.prototype.hasOwnProperty.call(req, 'id');
    const id = req.id;
    if (hasId && !isValidId(id)) return errorResponse(null, INVALID_REQUEST, 'Invalid Request: id must be a string, a number or null');
    const rid: JsonRpcId = hasId ? (id as JsonRpcId) : null;
    if (req.jsonrpc !== '2.0') return errorResponse(rid, INVALID_REQUEST, 'Invalid Request: jsonrpc must be exactly "2.0"');
    if (typeof req.method !== 'string') return errorResponse(rid, INVALID_REQUEST, 'Invalid Request: method must be a string');
    const params = req.params;
    if (params !== undefined && !Array.isArray(params) && !isPlainObject(params)) {
      return errorResponse(rid, INVALID_REQUEST, 'Invalid Request: params must be an array or an object');
    }
    for (const k of Object.keys(req)) {
      if (k !== 'jsonrpc' && k !== 'method' && k !== 'params' && k !== 'id') {
        return errorResponse(rid, INVALID_REQUEST, `Invalid Request: unknown member "${k}"`);
      }
    }
    const res = await this.invoke(req.method, params as unknown[] | Record<string, unknown> | undefined, ctx);
    if (!hasId) return undefined; // notification: never answered, even on error
    return 'error' in res ? errorResponse(rid, res.error.code, res.error.message, res.error.data) : { jsonrpc: '2.0', result: res.result, id: rid };
  }

  /** Looks up, binds, validates and runs a method. Never throws. */
  async invoke(
    method: string,
    params: unknown[] | Record<string, unknown> | undefined,
    ctx: RpcContext,
  ): Promise<{ result: unknown } | { error: JsonRpcErrorObject }> {
    if (!this.onCall) return this.run(method, params, ctx);
    const t0 = performance.now();
    const res = await this.run(method, params, ctx);
    this.onCall(this.methods.has(method) ? method : '(unknown)', 'error' in res ? res.error.code : 0, (performance.now() - t0) / 1000);
    return res;
  }

  private async run(
    method: string,
    params: unknown[] | Record<string, unknown> | undefined,
    ctx: RpcContext,
  ): Promise<{ result: unknown } | { error: JsonRpcErrorObject }> {
    const m = this.methods.get(method);
    if (!m) return { error: { code: METHOD_NOT_FOUND, message: `Method not found: ${method.length > 64 ? method.slice(0, 64) + '...' : method}` } };
    let bound: Record<string, unknown>;
    try {
      bound = bindParams(m, params);
    } catch (e) {
      if (!(e instanceof RpcError)) {
        ctx.log.error({ err: e, method }, 'rpc param binding failed');
        return { error: { code: INTERNAL_ERROR, message: 'Internal error' } };
      }
      return { error: e.data === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, data: e.data } };
    }
    try {
      const result = await m.handler(bound, ctx);
      return { result: result === undefined ? null : result };
    } catch (e) {
      if (e instanceof RpcError) {
        return { error: e.data === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, data: e.data } };
      }
      ctx.log.error({ err: e, method }, 'rpc method handler threw');
      return { error: { code: INTERNAL_ERROR, message: 'Internal error' } };
    }
  }
}

function invalid(message: string, param?: string): RpcError {
  return new RpcError(INVALID_PARAMS, `Invalid params: ${message}`, param === undefined ? undefined : { param });
}

/** Maps positional or named params onto the descriptor and validates each one. */
export function bindParams(m: RpcMethod, params: unknown[] | Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const specs = m.params;
  if (params === undefined) params = [];
  if (Array.isArray(params)) {
    if (params.length > specs.length) {
      throw invalid(`${m.name} takes at most ${specs.length} param${specs.length === 1 ? '' : 's'}, got ${params.length}`);
    }
    specs.forEach((p, i) => {
      if (i < params.length) out[p.name] = (params as unknown[])[i];
    });
  } else {
    const names = new Set(specs.map((p) => p.name));
    for (const k of Object.keys(params)) {
      if (!names.has(k)) throw invalid(`unknown param "${k.length > 64 ? k.slice(0, 64) + '...' : k}" for ${m.name}`);
    }
    for (const p of specs) if (Object.prototype.hasOwnProperty.call(params, p.name)) out[p.name] = params[p.name];
  }
  for (const p of specs) {
    // An explicit null for an optional param means "absent" (common client behaviour for trailing optionals).
    if (!p.required && out[p.name] === null && !schemaAllowsNull(p.schema)) delete out[p.name];
    if (!Object.prototype.hasOwnProperty.call(out, p.name)) {
      if (p.required) throw invalid(`missing required param "${p.name}"`, p.name);
      continue;
    }
    const err = validate(p.schema, out[p.name], p.name);
    if (err) throw invalid(err, p.name);
  }
  return out;
}

function schemaAllowsNull(s: { type?: string | string[] }): boolean {
  return s.type === 'null' || (Array.isArray(s.type) && s.type.includes('null'));
}

/** Serialises one response; a result that cannot be serialised becomes -32603 (and is logged). */
export function serialize(r: JsonRpcResponse, ctx: RpcContext): string {
  try {
    return JSON.stringify(r, jsonReplacer);
  } catch (e) {
    ctx.log.error({ err: e }, 'rpc result could not be serialised');
    return JSON.stringify(errorResponse(r.id, INTERNAL_ERROR, 'Internal error'));
  }
}

/** Identity helper that infers handler param/result types for a descriptor. */
export function defineMethod<P, R>(m: RpcMethod<P, R>): RpcMethod<P, R> {
  return m;
}
