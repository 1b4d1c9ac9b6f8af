// Builders for result schemas that carry the TypeScript type of the JSON they admit. Each result's
// schema is written next to its interface (chain-json.ts, job-json.ts) with these builders, and
// define.test.ts checks at compile time that the type a schema admits is the interface's wire
// shape, so the two cannot drift. Every object schema lists its properties, marks the ones that may
// be absent, and forbids others (additionalProperties false): generated clients get the exact shape.

import { schemas } from '../encoding.ts';
import type { JsonSchema } from '../schema.ts';
import { typed, type TypedSchema } from './define.ts';

/** The type of the values a typed schema admits. */
export type SchemaType<S> = S extends TypedSchema<infer T> ? T : never;

/** True when A and B admit the same values as far as assignability tells (each assignable to the other). */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

type Flat<T> = { [K in keyof T]: T[K] } & {};
type Props = Record<string, TypedSchema<unknown>>;

export const str = (description?: string) => typed<string>(description ? { type: 'string', description } : { type: 'string' });
export const int = (description?: string) => typed<number>(description ? { type: 'integer', description } : { type: 'integer' });
export const num = (description?: string) => typed<number>(description ? { type: 'number', description } : { type: 'number' });
export const bool = (description?: string) => typed<boolean>(description ? { type: 'boolean', description } : { type: 'boolean' });
/** A u64 (or larger) value as results give it: a canonical decimal string. */
export const big = (description?: string) => typed<string>(description ? { ...schemas.bigint, description } : schemas.bigint);
export const bytes = (description?: string) => typed<string>(description ? { ...schemas.bytes, description } : schemas.bytes);
export const hash = (description?: string) => typed<string>(description ? { ...schemas.hash, description } : schemas.hash);
export const address = (description = 'bech32m account address (pol1...)') =>
  typed<string>({ type: 'string', pattern: '^pol1[02-9ac-hj-np-z]{38,90}$', description });

export const literal = <const V extends string>(value: V) => typed<V>({ type: 'string', const: value });
export const oneOfStrings = <const V extends readonly string[]>(values: V, description?: string) =>
  typed<V[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

export const nullable = <T>(s: TypedSchema<T>) => typed<T | null>({ oneOf: [s, { type: 'null' }] });
export const array = <T>(items: TypedSchema<T>, description?: string) =>
  typed<T[]>({ type: 'array', items, ...(description ? { description } : {}) });

/** Exactly one of the alternatives (they must not overlap: objects are told apart by a literal field). */
export const oneOf = <const S extends readonly TypedSchema<unknown>[]>(...alternatives: S) =>
  typed<SchemaType<S[number]>>({ oneOf: [...alternatives] });

/** An object with exactly these properties; the ones named in `optional` may be absent. */
export function object<P extends Props, O extends keyof P & string = never>(properties: P, optional: readonly O[] = [], description?: string) {
  const required = Object.keys(properties).filter((k) => !(optional as readonly string[]).includes(k));
  const schema: JsonSchema = { type: 'object', properties, required, additionalProperties: false, ...(description ? { description } : {}) };
  return typed<Flat<{ [K in Exclude<keyof P, O>]: SchemaType<P[K]> } & { [K in O]?: SchemaType<P[K]> }>>(schema);
}
