// Shapes shared by the server, the dispatcher and method descriptors.

import type { JsonSchema } from './schema.ts';
import type { JsonRpcErrorObject } from './errors.ts';

/** The logger methods the rpc module uses (a pino Logger satisfies it). */
export interface RpcLogger {
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

/** One parameter of a method: by position it is params[i], by name it is params[name]. */
export interface ParamSpec {
  name: string;
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

/** What a WebSocket connection offers to the subscribe/unsubscribe built-ins. */
export interface SubscriptionApi {
  /** `filter` (already validated against the topic's filter schema) narrows what the subscription receives. */
  subscribe(topic: string, filter?: string): string;
  unsubscribe(id: string): boolean;
}

/**
 * A topic clients may subscribe to. With `filter`, a subscriber may pass a filter string (validated
 * against this schema) and then receives only the publications whose `key` equals it.
 */
export interface TopicSpec {
  name: string;
  description?: string;
  filter?: JsonSchema;
}

export interface RpcContext {
  transport: 'http' | 'ws';
  log: RpcLogger;
  remoteAddress: string | undefined;
  /** Present on WebSocket connections only. */
  subscriptions?: SubscriptionApi;
}

/**
 * A method descriptor. The handler receives params normalised to an object keyed by param name
 * (whether the caller sent them by position or by name), already validated against the schemas;
 * absent optional params are absent keys. Return any JSON value (bigint and Uint8Array are encoded
 * as decimal string and 0x-hex); throw RpcError for application errors.
 */
export interface RpcMethod<P = any, R = unknown> {
  name: string;
  summary: string;
  description?: string;
  params: readonly ParamSpec[];
  result: JsonSchema;
  /** Application error codes this method may return (listed in the OpenRPC document). */
  errors?: readonly number[];
  handler(params: P, ctx: RpcContext): R | Promise<R>;
}

export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  method: string;
  params?: unknown[] | Record<string, unknown>;
  id?: JsonRpcId;
}

export type JsonRpcResponse =
  | { jsonrpc: '2.0'; result: unknown; id: JsonRpcId }
  | { jsonrpc: '2.0'; error: JsonRpcErrorObject; id: JsonRpcId };

/** A server push on a subscription. */
export interface JsonRpcSubscriptionNotification<T = unknown> {
  jsonrpc: '2.0';
  method: 'subscription';
  params: { subscription: string; result: T };
}
