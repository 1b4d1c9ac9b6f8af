// Flag parsing and per-command help for every `polchain` command: one place that decides what a
// usage error says (always our wording, naming the flag, then the usage) and how flags are listed.
import { parseArgs } from 'node:util';
import { NodeError } from '../util/index.ts';

/**
 * A flag: node:util parseArgs' option (type, short, multiple, default) plus what `--help` shows.
 * `arg` names the value (`--rpc URL`), `env` and `config` name the environment variable and
 * config.json key that set the same thing, `hidden` keeps a test-only switch out of the help.
 */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean | string[] | boolean[];
  help?: string;
  arg?: string;
  env?: string;
  config?: string;
  hidden?: boolean;
}
export type Options = Record<string, FlagSpec>;
export type FlagValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

const usageError = (why: string, usage: string) => new NodeError('USAGE', `${why}\nusage: ${usage}`);

/**
 * Strict flag parsing: an unknown flag, a missing value, a value given to a switch or an unexpected
 * argument is a USAGE error that names it. parseArgs runs non-strict and its tokens are checked here,
 * so no library wording reaches the user, and a value that merely starts with a dash (`--amount -1`)
 * reaches the command's own check instead of a hint about `--amount=-XYZ`.
 */
export function parseFlags(argv: string[], options: Options, usage: string, positionals = false): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const all: Options = { help: { type: 'boolean', short: 'h' }, ...options };
  const shorts = new Map(Object.entries(all).filter(([, o]) => o.short).map(([n, o]) => [o.short!, n]));
  const { tokens } = parseArgs({ args: argv, options: parseArgsOptions(all), strict: false, allowPositionals: true, tokens: true });
  const values: FlagValues = {};
  const rest: string[] = [];
  let skip = -1;
  for (const t of tokens) {
    if (t.index === skip) continue;
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      if (!positionals) throw usageError(`unexpected argument "${t.value}"`, usage);
      rest.push(t.value);
      continue;
    }
    const name = t.rawName.startsWith('--') ? t.name : shorts.get(t.name) ?? t.name;
    const spec = all[name];
    if (!spec) throw usageError(`unknown flag ${t.rawName}${suggest(name, Object.keys(all))}`, usage);
    if (spec.type === 'boolean') {
      if (t.value !== undefined) throw usageError(`${t.rawName} is a switch and takes no value (got "${t.value}")`, usage);
      set(values, name, spec, true);
      continue;
    }
    let value = t.value;
    if (value === undefined) {
      // parseArgs leaves `--amount -1` as a flag without a value followed by a short flag `-1`: a
      // dash-number is a value here, so that the command's own range check can name what is wrong.
      const next = argv[t.index + 1];
      if (next !== undefined && /^-[0-9.]/.test(next)) {
        value = next;
        skip = t.index + 1;
      } else {
        throw usageError(`${t.rawName} needs a value (${t.rawName} ${spec.arg ?? 'VALUE'})`, usage);
      }
    }
    set(values, name, spec, value);
  }
  for (const [name, spec] of Object.entries(all)) if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
  return { values: values as Record<string, string | boolean | undefined>, positionals: rest };
}

function set(values: FlagValues, name: string, spec: FlagSpec, v: string | boolean): void {
  if (spec.multiple) values[name] = [...((values[name] as (string | boolean)[] | undefined) ?? []), v] as string[] | boolean[];
  else values[name] = v;
}

function parseArgsOptions(all: Options) {
  // Short flags only: parseArgs' non-strict mode needs them to know which short letter is which flag.
  return Object.fromEntries(Object.entries(all).map(([n, o]) => [n, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]));
}

/** " (did you mean --x?)" for a flag one or two edits from a known one, or one that extends it (--block-interval-ms). */
function suggest(name: string, known: string[]): string {
  const close = known.filter((k) => editDistance(name, k) <= 2 || k.startsWith(`${name}-`));
  return close.length ? ` (did you mean ${close.slice(0, 3).map((k) => `--${k}`).join(' or ')}?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * A command's help: its usage, then one line per documented flag with its value name, what it does,
 * and the environment variable and config.json key that set the same thing.
 */
export function formatHelp(usage: string, options: Options, summary?: string): string {
  const rows = Object.entries(options).filter(([, o]) => o.help && !o.hidden).map(([n, o]) => {
    const left = `--${n}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    const where = [o.env && `env ${o.env}`, o.config && `config "${o.config}"`].filter(Boolean).join(', ');
    return [left, `${o.help}${where ? ` [${where}]` : ''}`] as const;
  });
  const width = Math.min(32, Math.max(0, ...rows.map(([l]) => l.length)));
  const lines = [`usage: ${usage}`];
  if (summary) lines.push('', summary);
  if (rows.length) lines.push('', 'flags:', ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`));
  return lines.join('\n');
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

/** A JSON-RPC endpoint flag (--rpc URL): an http(s) or ws(s) URL, else a USAGE error naming it. */
export function parseRpcUrl(v: string, name = 'rpc', source = `--${name}`): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new NodeError('USAGE', `${source} must be a URL like http://127.0.0.1:8545/, got "${v}"`);
  }
  if (!/^(https?|wss?):$/.test(u.protocol)) throw new NodeError('USAGE', `${source} must be an http(s) or ws(s) URL, got "${v}"`);
  return v;
}
