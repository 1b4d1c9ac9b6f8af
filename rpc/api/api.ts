// The node's whole JSON-RPC surface in one type: the method table with its results, the server's
// built-in methods and the WebSocket topics. The server dispatches the table; RpcClient is typed
// by it.

import type { OpenRpcDocument } from '../openrpc.ts';
import type { CallParams, MethodTable, NamedCallParams } from './define.ts';
import { CHAIN_METHODS, type ChainResults } from './chain-methods.ts';
import { JOB_METHODS, type JobResults } from './job-methods.ts';
import { HISTORY_METHODS, type HistoryResults } from './history-methods.ts';
import type { TopicData } from './topics.ts';
import type { Native, Repr, Wire } from './wire.ts';

/** Every method of the node, in registration order. */
export const RPC_METHODS = { ...CHAIN_METHODS, ...JOB_METHODS, ...HISTORY_METHODS };
export type RpcMethodName = keyof typeof RPC_METHODS;
export type RpcResults<W extends Repr = Wire> = ChainResults<W> & JobResults<W> & HistoryResults<W>;

/** The result a client receives from method M. */
export type RpcResult<M extends RpcMethodName> = RpcResults<Wire>[M];
/** What a handler of method M returns (bytes and big integers unencoded). */
export type RpcHandlerResult<M extends RpcMethodName> = RpcResults<Native>[M];
/** Any method a node answers (the table's and the built-ins), its params either way, and its result. */
export type RpcCallName = keyof NodeApi['methods'];
export type RpcCallParams<M extends RpcCallName> = NodeApi['methods'][M]['params'];
export type RpcCallResult<M extends RpcCallName> = NodeApi['methods'][M]['result'];
/** The params of method M by name, as a client sends them. */
export type RpcNamedParams<M extends RpcMethodName> = NamedCallParams<(typeof RPC_METHODS)[M]['params']>;

/** The shape a client is typed by: each method's params and result, each topic's data. */
export interface ClientApi {
  methods: { [method: string]: { params: unknown[] | Record<string, unknown>; result: unknown } };
  topics: { [topic: string]: unknown };
}

type TableApi<T extends MethodTable, R extends { [M in keyof T]: unknown }> = {
  [M in keyof T]: { params: CallParams<T[M]['params']>; result: R[M] };
};

/** The built-in methods every server has (rpc/server.ts). */
export type BuiltinApi = {
  'rpc.discover': { params: []; result: OpenRpcDocument };
  subscribe: { params: [topic: string, filter?: string] | { topic: string; filter?: string }; result: string };
  unsubscribe: { params: [subscription: string] | { subscription: string }; result: boolean };
};

/** The node's API as its clients see it. */
export type NodeApi = {
  methods: TableApi<typeof RPC_METHODS, RpcResults<Wire>> & BuiltinApi;
  topics: TopicData<Wire>;
};

/** For servers with no table (tests, benchmarks): any method, any params, results unknown. */
export type UntypedApi = ClientApi;
