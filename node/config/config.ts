import { readFile } from 'node:fs/promises';
import { NodeError, LOG_LEVEL_SYNTAX, parseLogLevels } from '../util/index.ts';
import { errorMessage } from '../../primitives/index.ts';

/**
 * Node settings. Each has a flag, an environment variable and a config-file key; precedence is
 * flags > environment > config file (<data-dir>/config.json) > defaults.
 */
export interface NodeConfig {
  logLevel: string;
  rpcEnabled: boolean;
  rpcHost: string;
  rpcPort: number;
  rpcBodyLimit: number;
  rpcMaxBatch: number;
  rpcCors: string;
  blockIntervalMs: number;
  emptyBlocks: boolean;
  mempoolMaxTxs: number;
  mempoolMaxBytes: number;
  mempoolTtlBlocks: number;
  engine: string;
  p2pListen: string;
  bootstrap: string;
}

type Kind = 'int' | 'bool' | 'string' | 'level' | 'engine' | 'list' | 'origins';
interface Setting { key: keyof NodeConfig; flag: string; env: string; kind: Kind; arg: string; min?: number; max?: number; def: string | number | boolean; help: string }

/**
 * One name per setting: the config.json key is camelCase, its flag the same words in kebab-case and
 * its environment variable POLCHAIN_ and the words in upper snake case (rpcMaxBatch, --rpc-max-batch,
 * POLCHAIN_RPC_MAX_BATCH); a test holds every row to that rule.
 */
export const SETTINGS: Setting[] = [
  { key: 'logLevel', flag: 'log-level', env: 'POLCHAIN_LOG_LEVEL', kind: 'level', arg: 'LEVEL', def: 'info', help: `log levels: ${LOG_LEVEL_SYNTAX}; modules: rpc, p2p, consensus, producer, mempool, verifier` },
  { key: 'rpcEnabled', flag: 'rpc-enabled', env: 'POLCHAIN_RPC_ENABLED', kind: 'bool', arg: 'BOOL', def: true, help: 'serve JSON-RPC (true|false)' },
  { key: 'rpcHost', flag: 'rpc-host', env: 'POLCHAIN_RPC_HOST', kind: 'string', arg: 'HOST', def: '127.0.0.1', help: 'JSON-RPC listen address' },
  { key: 'rpcPort', flag: 'rpc-port', env: 'POLCHAIN_RPC_PORT', kind: 'int', arg: 'PORT', min: 0, max: 65535, def: 8545, help: 'JSON-RPC port (0: any free port)' },
  { key: 'rpcBodyLimit', flag: 'rpc-body-limit', env: 'POLCHAIN_RPC_BODY_LIMIT', kind: 'int', arg: 'BYTES', min: 1024, max: 64 << 20, def: 1 << 20, help: 'largest JSON-RPC request in bytes' },
  { key: 'rpcMaxBatch', flag: 'rpc-max-batch', env: 'POLCHAIN_RPC_MAX_BATCH', kind: 'int', arg: 'N', min: 1, max: 10_000, def: 100, help: 'largest JSON-RPC batch' },
  { key: 'rpcCors', flag: 'rpc-cors', env: 'POLCHAIN_RPC_CORS', kind: 'origins', arg: 'ORIGINS', def: '', help: 'browser origins allowed to call JSON-RPC over HTTP, comma-separated (https://explorer.example) or * for any; empty: none' },
  { key: 'blockIntervalMs', flag: 'block-interval-ms', env: 'POLCHAIN_BLOCK_INTERVAL_MS', kind: 'int', arg: 'MS', min: 10, max: 600_000, def: 1000, help: 'milliseconds between blocks' },
  { key: 'emptyBlocks', flag: 'empty-blocks', env: 'POLCHAIN_EMPTY_BLOCKS', kind: 'bool', arg: 'BOOL', def: true, help: 'produce blocks with no transactions (true|false)' },
  { key: 'mempoolMaxTxs', flag: 'mempool-max-txs', env: 'POLCHAIN_MEMPOOL_MAX_TXS', kind: 'int', arg: 'N', min: 1, max: 10_000_000, def: 50_000, help: 'mempool capacity in transactions' },
  { key: 'mempoolMaxBytes', flag: 'mempool-max-bytes', env: 'POLCHAIN_MEMPOOL_MAX_BYTES', kind: 'int', arg: 'BYTES', min: 1024, max: 4 << 30, def: 64 << 20, help: 'mempool capacity in bytes' },
  { key: 'mempoolTtlBlocks', flag: 'mempool-ttl-blocks', env: 'POLCHAIN_MEMPOOL_TTL_BLOCKS', kind: 'int', arg: 'N', min: 1, max: 1_000_000, def: 600, help: 'blocks a pending transaction may wait before it expires' },
  { key: 'engine', flag: 'engine', env: 'POLCHAIN_ENGINE', kind: 'engine', arg: 'solo|bft', def: 'solo', help: 'block decider: solo (one validator, timer) or bft (Tendermint over libp2p)' },
  { key: 'p2pListen', flag: 'p2p-listen', env: 'POLCHAIN_P2P_LISTEN', kind: 'string', arg: 'MULTIADDR', def: '/ip4/127.0.0.1/tcp/26656', help: 'libp2p listen multiaddr (bft engine; a solo validator listens only when its data dir holds datasets from polchain dataset add)' },
  { key: 'bootstrap', flag: 'bootstrap', env: 'POLCHAIN_BOOTSTRAP', kind: 'list', arg: 'MULTIADDRS', def: '', help: 'comma-separated bootstrap peer multiaddrs ending in /p2p/<id>' },
];

/** Names a release used before the one-name rule: set, they fail loudly instead of being ignored. */
const RENAMED: Record<string, string> = { POLCHAIN_RPC: 'POLCHAIN_RPC_ENABLED', POLCHAIN_BLOCK_INTERVAL: 'POLCHAIN_BLOCK_INTERVAL_MS' };

function parseValue(s: Setting, raw: unknown, source: string): string | number | boolean {
  const bad = (why: string) => new NodeError('CONFIG_INVALID', `${source}: ${why}`);
  switch (s.kind) {
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?[0-9]+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw bad(`expected an integer, got ${JSON.stringify(raw)}`);
      if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) throw bad(`${n} is outside [${s.min}, ${s.max}]`);
      return n;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw bad(`expected true or false, got ${JSON.stringify(raw)}`);
    case 'level':
      // A bad flag is a usage error (exit 2); a bad environment or config value is CONFIG_INVALID.
      if (typeof raw !== 'string') throw bad(`expected ${LOG_LEVEL_SYNTAX}, got ${JSON.stringify(raw)}`);
      try {
        parseLogLevels(raw);
      } catch (e) {
        throw new NodeError(source.startsWith('--') ? 'USAGE' : 'CONFIG_INVALID', `${source}: ${errorMessage(e)}`);
      }
      return raw;
    case 'string':
      if (typeof raw !== 'string' || raw.length === 0) throw bad(`expected a non-empty string`);
      return raw;
    case 'engine':
      if (raw !== 'solo' && raw !== 'bft') throw bad(`expected solo or bft, got ${JSON.stringify(raw)}`);
      return raw;
    case 'list':
      if (typeof raw !== 'string') throw bad('expected a comma-separated string');
      for (const a of raw.split(',').filter(Boolean)) if (!/^\/ip[46]\/[^/]+\/tcp\/\d+\/p2p\/\w+$/.test(a)) throw bad(`"${a}" is not a multiaddr like /ip4/127.0.0.1/tcp/26656/p2p/<peer id>`);
      return raw;
    case 'origins':
      if (typeof raw !== 'string') throw bad('expected a comma-separated list of origins');
      for (const o of raw.split(',').filter(Boolean)) if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o)) throw bad(`"${o}" is not an origin like https://explorer.example (scheme and host, no path) or *`);
      return raw;
  }
}

export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new NodeError('CONFIG_INVALID', `cannot read config file ${path}: ${errorMessage(e)}`);
  }
  let json: unknown;
  try {
    // Whole-line // comments are allowed, so that `polchain config example > config.json` is a valid
    // file as printed (a JSON string cannot span lines, so such a line is never inside a value).
    json = JSON.parse(text.replace(/^[ \t]*\/\/.*$/gm, ''));
  } catch (e) {
    throw new NodeError('CONFIG_INVALID', `config file ${path} is not valid JSON: ${errorMessage(e)}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new NodeError('CONFIG_INVALID', `config file ${path}: expected a JSON object`);
  const known = new Set(SETTINGS.map((s) => s.key as string));
  for (const k of Object.keys(json)) if (!known.has(k)) throw new NodeError('CONFIG_INVALID', `config file ${path}: unknown setting "${k}" (known: ${[...known].join(', ')})`);
  return json as Record<string, unknown>;
}

/** Resolves every setting from its sources; each error names the source and setting. */
export function resolveConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, file: Record<string, unknown>, filePath = 'config file'): NodeConfig {
  const out: Record<string, unknown> = {};
  for (const [old, now] of Object.entries(RENAMED)) if (env[old] !== undefined) throw new NodeError('CONFIG_INVALID', `environment ${old} was renamed ${now}`);
  for (const s of SETTINGS) {
    if (flags[s.flag] !== undefined) out[s.key] = parseValue(s, flags[s.flag], `--${s.flag}`);
    else if (env[s.env] !== undefined && env[s.env] !== '') out[s.key] = parseValue(s, env[s.env], `environment ${s.env}`);
    else if (file[s.key] !== undefined) out[s.key] = parseValue(s, file[s.key], `${filePath} "${s.key}"`);
    else out[s.key] = s.def;
  }
  return out as unknown as NodeConfig;
}

export const defaultConfig = (): NodeConfig => resolveConfig({}, {}, {});

/** Flag definitions for every setting (all strings; resolveConfig types them), with what `--help` shows. */
export const settingFlags = Object.fromEntries(SETTINGS.map((s) => [s.flag, {
  type: 'string' as const, arg: s.arg, help: `${s.help} (default ${JSON.stringify(s.def)})`, env: s.env, config: s.key as string,
}]));

/** An annotated config.json: every setting with its default, and the flag and environment variable that override it. */
export function exampleConfig(): string {
  const lines = ['{'];
  SETTINGS.forEach((s, i) => {
    lines.push(`  // ${s.help}; flag --${s.flag} ${s.arg}, environment ${s.env}`);
    lines.push(`  ${JSON.stringify(s.key)}: ${JSON.stringify(s.def)}${i < SETTINGS.length - 1 ? ',' : ''}`);
  });
  lines.push('}');
  return lines.join('\n');
}

/** Where a setting's value came from, in words (for errors that ask the operator to change it). */
export function settingSource(key: keyof NodeConfig, flags: Record<string, unknown>, env: NodeJS.ProcessEnv, file: Record<string, unknown>, fileExists: boolean): string {
  const s = SETTINGS.find((x) => x.key === key)!;
  if (flags[s.flag] !== undefined) return `--${s.flag}`;
  if (env[s.env] !== undefined && env[s.env] !== '') return `environment ${s.env}`;
  if (file[s.key] !== undefined) return `config.json "${s.key}"`;
  return `the default, since ${fileExists ? `config.json sets no "${s.key}"` : 'config.json is missing'}`;
}
