// Public surface of the rpc module: a generic JSON-RPC 2.0 server (HTTP + WebSocket) and client.
export {
  createRpcServer, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_BODY_LIMIT, DEFAULT_MAX_BATCH,
  DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION, DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION,
  type RpcServer, type RpcServerOptions,
} from './server.ts';
export type { HealthStatus, MetricsSource } from './health.ts';
export type { StaticPage } from './static-pages.ts';
export {
  RpcError, RpcConfigError, type RpcConfigErrorCode, registerErrorCode, errorCodes, errorCodeName, invalidParams,
  PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR,
  SERVER_ERROR, NOT_FOUND, TX_REJECTED, MEMPOOL_FULL, UNSUPPORTED, LIMIT_EXCEEDED, NOT_READY,
  STANDARD_ERRORS, APP_ERROR_MIN, APP_ERROR_MAX,
  type ErrorCodeInfo, type JsonRpcErrorObject,
} from './errors.ts';
export {
  encodeBigInt, parseBigIntParam, parseU64Param, U64_MAX, encodeHex, decodeHex, parseHexParam, parseBlockTag, jsonReplacer, schemas, HASH_BYTES,
  type BigIntParamOptions, type BlockTag,
} from './encoding.ts';
export { validate, checkSchema, type JsonSchema, type JsonSchemaType } from './schema.ts';
export { Dispatcher, bindParams, checkMethod, defineMethod, serialize } from './dispatch.ts';
export { buildOpenRpcDocument, OPENRPC_VERSION, type OpenRpcDocument, type OpenRpcInfo, type OpenRpcMethod } from './openrpc.ts';
export {
  RpcClient, RpcClientError, RpcTransportError, isRetryableRpcError,
  type RpcClientOptions, type RpcParams, type BatchCall, type BatchResult,
} from './client.ts';
export * from './api/index.ts';
export type {
  RpcMethod, ParamSpec, RpcContext, RpcLogger, SubscriptionApi, TopicSpec, JsonRpcId, JsonRpcRequest, JsonRpcResponse,
  JsonRpcSubscriptionNotification,
} from './types.ts';
