// Building blocks of the method table: typed param descriptors and the types derived from a
// method's params (the positional tuple a client sends, the named object a handler receives).

import type { JsonSchema } from '../schema.ts';
import type { ParamSpec, RpcContext, RpcMethod } from '../types.ts';

/** A JSON schema that also names the TypeScript type of the values it admits. */
export type TypedSchema<T> = JsonSchema & { readonly __type?: T };

/** Gives a schema the TypeScript type of the values it validates (a type-only tag). */
export const typed = <T>(schema: JsonSchema): TypedSchema<T> => schema;

export interface ParamDef<N extends string = string, T = unknown, R extends boolean = boolean> extends ParamSpec {
  readonly name: N;
  readonly required: R;
  readonly schema: TypedSchema<T>;
}

export function req<const N extends string, T>(name: N, schema: TypedSchema<T>, description?: string): ParamDef<N, T, true> {
  return description === undefined ? { name, required: true, schema } : { name, required: true, schema, description };
}

export function opt<const N extends string, T>(name: N, schema: TypedSchema<T>, description?: string): ParamDef<N, T, false> {
  return description === undefined ? { name, required: false, schema } : { name, required: false, schema, description };
}

/** One entry of the method table: everything about a method except its handler. */
export interface MethodDef<Ps extends readonly ParamDef[] = readonly ParamDef[], R extends JsonSchema = JsonSchema> {
  readonly summary: string;
  readonly description?: string;
  readonly params: Ps;
  /** The result's schema; the table's entries are typed (rpc/api/shape.ts) so tests can check it against the result type. */
  readonly result: R;
  /** Application error codes the method may return (listed in the OpenRPC document). */
  readonly errors?: readonly number[];
}

/** Keeps the literal param names and types of a table entry. */
export const method = <const Ps extends readonly ParamDef[], R extends JsonSchema>(def: MethodDef<Ps, R>): MethodDef<Ps, R> => def;

type ParamType<P> = P extends ParamDef<string, infer T> ? T : never;

/**
 * The params as a positional array, in table order, as a client sends them: optional ones may be
 * left off the end or sent as null (the dispatcher reads null as absent).
 */
export type PositionalParams<Ps> = Ps extends readonly [infer H, ...infer Rest]
  ? H extends ParamDef<string, unknown, true> ? [ParamType<H>, ...PositionalParams<Rest>] : [(ParamType<H> | null)?, ...PositionalParams<Rest>]
  : [];

/** The params as an object keyed by name, as a handler receives them (absent optional params are absent keys). */
export type NamedParams<Ps extends readonly ParamDef[]> =
  { [P in Ps[number] as P['required'] extends true ? P['name'] : never]: ParamType<P> }
  & { [P in Ps[number] as P['required'] extends true ? never : P['name']]?: ParamType<P> };

/** The params by name as a client may send them (null for an optional param means absent). */
export type NamedCallParams<Ps extends readonly ParamDef[]> =
  { [P in Ps[number] as P['required'] extends true ? P['name'] : never]: ParamType<P> }
  & { [P in Ps[number] as P['required'] extends true ? never : P['name']]?: ParamType<P> | null };

/** Either way of passing a method's params. */
export type CallParams<Ps extends readonly ParamDef[]> = PositionalParams<Ps> | NamedCallParams<Ps>;

export type MethodTable = Record<string, MethodDef>;

/** A handler for every method of `T`, returning the shape `Results` declares for it. */
export type Handlers<T extends MethodTable, Results extends { [M in keyof T]: unknown }> = {
  [M in keyof T]: (params: NamedParams<T[M]['params']>, ctx: RpcContext) => Results[M] | Promise<Results[M]>;
};

/** Joins table entries with their handlers into the descriptors the server dispatches. */
export function implement<T extends MethodTable, R extends { [M in keyof T]: unknown }>(table: T, handlers: Handlers<T, R>): RpcMethod[] {
  return Object.entries(table).map(([name, def]) => ({
    name,
    summary: def.summary,
    ...(def.description === undefined ? {} : { description: def.description }),
    params: def.params,
    result: def.result,
    ...(def.errors === undefined ? {} : { errors: def.errors }),
    handler: handlers[name as keyof T] as RpcMethod['handler'],
  }));
}
