// JSON-RPC error codes and the RpcError class that method handlers throw.
//
// Standard codes come from the JSON-RPC 2.0 spec. Application codes live in -32000..-32099
// ("server error" range) and are kept in a registry the node can extend with
// registerErrorCode(); the registry feeds docs and the OpenRPC document.
import { CodedError } from '../primitives/index.ts';

/** The five codes defined by the JSON-RPC 2.0 specification. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;

/** Application codes (-32000..-32099). */
export const SERVER_ERROR = -32000; // generic server-side failure that is not a bug
export const NOT_FOUND = -32001; // block / tx / receipt / account / proof not found
export const TX_REJECTED = -32002; // transaction failed admission (bad signature, nonce, fee...)
export const MEMPOOL_FULL = -32003; // mempool cannot take more transactions now
export const UNSUPPORTED = -32004; // method exists but not on this transport / node configuration
export const LIMIT_EXCEEDED = -32005; // body, batch or subscription limit exceeded
export const NOT_READY = -32006; // node is starting or syncing and cannot answer yet

export const STANDARD_ERRORS: Readonly<Record<string, number>> = Object.freeze({
  PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR,
});

export interface ErrorCodeInfo {
  name: string;
  code: number;
  description: string;
}

const registry = new Map<number, ErrorCodeInfo>();
const byName = new Map<string, ErrorCodeInfo>();

export const APP_ERROR_MIN = -32099;
export const APP_ERROR_MAX = -32000;

/** What went wrong in an RpcConfigError. */
export type RpcConfigErrorCode =
  | 'RPC_BAD_METHOD' // a method descriptor is malformed (name, params, handler, schemas)
  | 'RPC_DUPLICATE_METHOD' // two methods share a name
  | 'RPC_BAD_SCHEMA' // a schema uses keywords outside the supported subset or a bad pattern
  | 'RPC_BAD_ERROR_CODE' // an error code is outside the application range, or misnamed
  | 'RPC_DUPLICATE_ERROR_CODE' // an error code or name is registered twice with different values
  | 'RPC_BAD_OPTION' // a server option is out of range
  | 'RPC_BAD_TOPIC' // a topic name is empty or not a string
  | 'RPC_UNKNOWN_TOPIC' // publish or subscribe to an undeclared topic
  | 'RPC_LISTEN'; // the server cannot listen on its address

/** Thrown for programming/configuration mistakes in the rpc module (not sent over the wire). */
export class RpcConfigError extends CodedError<RpcConfigErrorCode> {}

/**
 * Adds an application error code to the registry. Codes must lie in -32099..-32000 and both the
 * name and the code must be new (re-registering the identical entry is a no-op).
 */
export function registerErrorCode(name: string, code: number, description: string): ErrorCodeInfo {
  if (!Number.isInteger(code) || code < APP_ERROR_MIN || code > APP_ERROR_MAX) {
    throw new RpcConfigError('RPC_BAD_ERROR_CODE', `error code ${code} for ${name} is outside ${APP_ERROR_MIN}..${APP_ERROR_MAX}`);
  }
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
    throw new RpcConfigError('RPC_BAD_ERROR_CODE', `error code name ${JSON.stringify(name)} must be UPPER_SNAKE_CASE`);
  }
  const prev = registry.get(code) ?? byName.get(name);
  if (prev) {
    if (prev.name === name && prev.code === code) return prev;
    throw new RpcConfigError('RPC_DUPLICATE_ERROR_CODE', `error code ${name}=${code} clashes with ${prev.name}=${prev.code}`);
  }
  const info = Object.freeze({ name, code, description });
  registry.set(code, info);
  byName.set(name, info);
  return info;
}

registerErrorCode('SERVER_ERROR', SERVER_ERROR, 'Server-side failure that is not a bug (e.g. storage unavailable).');
registerErrorCode('NOT_FOUND', NOT_FOUND, 'The requested block, transaction, receipt, account or proof does not exist.');
registerErrorCode('TX_REJECTED', TX_REJECTED, 'The transaction failed admission (signature, nonce, fee, size, ...); data says why.');
registerErrorCode('MEMPOOL_FULL', MEMPOOL_FULL, 'The mempool cannot accept more transactions now; retry later.');
registerErrorCode('UNSUPPORTED', UNSUPPORTED, 'The method exists but is not available on this transport or node configuration.');
registerErrorCode('LIMIT_EXCEEDED', LIMIT_EXCEEDED, 'A request limit was exceeded (body size, batch size, subscriptions per connection).');
registerErrorCode('NOT_READY', NOT_READY, 'The node is starting or syncing and cannot answer yet.');

/** All registered application error codes, sorted by code descending (-32000 first). */
export function errorCodes(): ErrorCodeInfo[] {
  return [...registry.values()].sort((a, b) => b.code - a.code);
}

/** Looks up the symbolic name of a code (standard or registered), or undefined. */
export function errorCodeName(code: number): string | undefined {
  for (const [name, c] of Object.entries(STANDARD_ERRORS)) if (c === code) return name;
  return registry.get(code)?.name;
}

/**
 * An error a method handler throws to produce a JSON-RPC error response with this code, message
 * and optional data. Anything else a handler throws becomes -32603 "Internal error" (logged,
 * never sent).
 */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcError';
    if (!Number.isInteger(code)) throw new RpcConfigError('RPC_BAD_ERROR_CODE', `RpcError code must be an integer, got ${code}`);
    this.code = code;
    this.data = data;
  }
  /** Symbolic name of the code ("NOT_FOUND", "INVALID_PARAMS", ...) when known. */
  get codeName(): string | undefined {
    return errorCodeName(this.code);
  }
}

/** The error object of a JSON-RPC response. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export function invalidParams(message: string, data?: unknown): RpcError {
  return new RpcError(INVALID_PARAMS, `Invalid params: ${message}`, data);
}
