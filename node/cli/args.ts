import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NodeError } from '../util/index.ts';
import { errorMessage } from '../../primitives/index.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing: an unknown or malformed flag is a USAGE error naming it. */
export function parseFlags(argv: string[], options: Options, usage: string, positionals = false): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, strict: true, allowPositionals: positionals });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    throw new NodeError('USAGE', `${errorMessage(e)}\nusage: ${usage}`);
  }
}

export function requireFlag(values: Record<string, unknown>, name: string, usage: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new NodeError('USAGE', `--${name} is required\nusage: ${usage}`);
  return v;
}

export function parseAmount(v: string, name: string): bigint {
  if (!/^(0|[1-9][0-9]*)$/.test(v)) throw new NodeError('USAGE', `--${name} must be a non-negative integer, got "${v}"`);
  const n = BigInt(v);
  if (n >= 1n << 64n) throw new NodeError('USAGE', `--${name} exceeds 2^64-1`);
  return n;
}
