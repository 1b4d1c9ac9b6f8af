// A small validator for the JSON-Schema subset the RPC layer uses:
// type, properties, required, additionalProperties (boolean), items, enum, const, pattern,
// minimum, maximum, minLength, maxLength, minItems, maxItems, oneOf, anyOf.
// description/title/default/examples/$comment are annotations and are ignored.

import { RpcConfigError } from './errors.ts';
import { errorMessage } from '../primitives/index.ts';

export type JsonSchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

export interface JsonSchema {
  type?: JsonSchemaType | JsonSchemaType[];
  description?: string;
  title?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  enum?: readonly unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  default?: unknown;
  examples?: unknown[];
}

const KNOWN_KEYS = new Set([
  'type', 'description', 'title', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const',
  'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'oneOf', 'anyOf',
  'default', 'examples', '$comment',
]);

const patterns = new Map<string, RegExp>();
function regex(p: string): RegExp {
  let r = patterns.get(p);
  if (!r) {
    r = new RegExp(p, 'u');
    patterns.set(p, r);
  }
  return r;
}

/** Throws RpcConfigError if the schema uses keywords outside the supported subset or a bad pattern. */
export function checkSchema(schema: JsonSchema, where: string): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new RpcConfigError('RPC_BAD_SCHEMA', `${where}: schema must be an object`);
  }
  for (const k of Object.keys(schema)) {
    if (!KNOWN_KEYS.has(k)) throw new RpcConfigError('RPC_BAD_SCHEMA', `${where}: unsupported schema keyword "${k}"`);
  }
  if (schema.pattern !== undefined) {
    try { regex(schema.pattern); } catch (e) {
      throw new RpcConfigError('RPC_BAD_SCHEMA', `${where}: bad pattern ${JSON.stringify(schema.pattern)}: ${errorMessage(e)}`);
    }
  }
  for (const [k, s] of Object.entries(schema.properties ?? {})) checkSchema(s, `${where}.properties.${k}`);
  if (schema.items) checkSchema(schema.items, `${where}.items`);
  schema.oneOf?.forEach((s, i) => checkSchema(s, `${where}.oneOf[${i}]`));
  schema.anyOf?.forEach((s, i) => checkSchema(s, `${where}.anyOf[${i}]`));
}

function typeOf(v: unknown): JsonSchemaType | 'undefined' | 'other' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string': return 'string';
    case 'boolean': return 'boolean';
    case 'number': return Number.isFinite(v) ? (Number.isInteger(v) ? 'integer' : 'number') : 'other';
    case 'object': return 'object';
    case 'undefined': return 'undefined';
    default: return 'other';
  }
}

function typeMatches(want: JsonSchemaType, actual: ReturnType<typeof typeOf>): boolean {
  return want === actual || (want === 'number' && actual === 'integer');
}

function describe(v: unknown): string {
  const t = typeOf(v);
  if (t === 'string') {
    const s = v as string;
    return s.length > 40 ? `string ${JSON.stringify(s.slice(0, 40))}...` : `string ${JSON.stringify(s)}`;
  }
  if (t === 'integer' || t === 'number' || t === 'boolean') return `${t} ${String(v)}`;
  return t;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Validates `value` against `schema`. Returns undefined when valid, or a message naming the path
 * (rooted at `path`) and what was wrong, e.g. `tx.nonce: must be string, got integer 5`.
 */
export function validate(schema: JsonSchema, value: unknown, path: string): string | undefined {
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((w) => typeMatches(w, t))) return `${path}: must be ${types.join(' or ')}, got ${describe(value)}`;
  }
  if (schema.const !== undefined && !jsonEqual(schema.const, value)) {
    return `${path}: must be ${JSON.stringify(schema.const)}, got ${describe(value)}`;
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => jsonEqual(e, value))) {
    return `${path}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${describe(value)}`;
  }
  if (t === 'string') {
    const s = value as string;
    if (schema.minLength !== undefined && s.length < schema.minLength) return `${path}: must be at least ${schema.minLength} characters, got ${s.length}`;
    if (schema.maxLength !== undefined && s.length > schema.maxLength) return `${path}: must be at most ${schema.maxLength} characters, got ${s.length}`;
    if (schema.pattern !== undefined && !regex(schema.pattern).test(s)) return `${path}: must match pattern ${schema.pattern}, got ${describe(s)}`;
  }
  if (t === 'integer' || t === 'number') {
    const n = value as number;
    if (schema.minimum !== undefined && n < schema.minimum) return `${path}: must be >= ${schema.minimum}, got ${n}`;
    if (schema.maximum !== undefined && n > schema.maximum) return `${path}: must be <= ${schema.maximum}, got ${n}`;
  }
  if (t === 'array') {
    const a = value as unknown[];
    if (schema.minItems !== undefined && a.length < schema.minItems) return `${path}: must have at least ${schema.minItems} items, got ${a.length}`;
    if (schema.maxItems !== undefined && a.length > schema.maxItems) return `${path}: must have at most ${schema.maxItems} items, got ${a.length}`;
    if (schema.items) {
      for (let i = 0; i < a.length; i++) {
        const err = validate(schema.items, a[i], `${path}[${i}]`);
        if (err) return err;
      }
    }
  }
  if (t === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of schema.required ?? []) {
      if (!Object.prototype.hasOwnProperty.call(o, k) || o[k] === undefined) return `${path}: missing required property "${k}"`;
    }
    const props = schema.properties ?? {};
    for (const k of Object.keys(o)) {
      const ps = Object.prototype.hasOwnProperty.call(props, k) ? props[k] : undefined;
      if (ps) {
        const err = validate(ps, o[k], `${path}.${k}`);
        if (err) return err;
      } else if (schema.additionalProperties === false) {
        return `${path}: unknown property "${k}"`;
      }
    }
  }
  if (schema.oneOf) {
    const errs: string[] = [];
    let matched = 0;
    for (const s of schema.oneOf) {
      const e = validate(s, value, path);
      if (e === undefined) matched++;
      else errs.push(e);
    }
    if (matched !== 1) {
      return matched === 0
        ? `${path}: must match one of ${schema.oneOf.length} alternatives (${errs.join('; ')})`
        : `${path}: matches ${matched} alternatives of oneOf, must match exactly one`;
    }
  }
  if (schema.anyOf) {
    const errs: string[] = [];
    for (const s of schema.anyOf) {
      const e = validate(s, value, path);
      if (e === undefined) { errs.length = 0; break; }
      errs.push(e);
    }
    if (errs.length) return `${path}: must match at least one alternative (${errs.join('; ')})`;
  }
  return undefined;
}
