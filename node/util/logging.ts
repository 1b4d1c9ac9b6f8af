import { createRequire } from 'node:module';
import { pino, type Logger, type Level, type LevelWithSilent, type DestinationStream } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import { bytesToHex } from '../../primitives/index.ts';
import { NodeError } from './errors.ts';

export const LOG_LEVELS: Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const ANY_LEVEL: readonly string[] = [...LOG_LEVELS, 'silent'];

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The syntax of --log-level, for help texts: a default level, then module=level overrides. */
export const LOG_LEVEL_SYNTAX = `LEVEL[,MODULE=LEVEL...] with LEVEL one of ${LOG_LEVELS.join('|')}|silent (e.g. info,p2p=debug)`;

/** A parsed --log-level: the level of every logger, and the levels of the modules named apart. */
export interface LogLevels {
  level: LevelWithSilent;
  modules: Record<string, LevelWithSilent>;
}

/**
 * Parses `debug`, or `info,p2p=debug,rpc=warn`: at most one bare level (the default, `info` when
 * absent) and one `module=level` per module. A module is the `module` a child logger is tagged with
 * (`logger.child({ module: 'p2p' })`). The error names the part at fault.
 */
export function parseLogLevels(spec: string): LogLevels {
  const bad = (why: string) => new NodeError('LOG_LEVEL_INVALID', `${JSON.stringify(spec)}: ${why}; expected ${LOG_LEVEL_SYNTAX}`);
  const isLevel = (s: string): s is LevelWithSilent => ANY_LEVEL.includes(s);
  let level: LevelWithSilent | undefined;
  const modules: Record<string, LevelWithSilent> = {};
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') throw bad('an empty part');
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (!isLevel(part)) throw bad(`"${part}" is not a level`);
      if (level !== undefined) throw bad(`two default levels ("${level}" and "${part}")`);
      level = part;
      continue;
    }
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw bad(`"${name}" in "${part}" is not a module name (lowercase letters, digits and -)`);
    if (!isLevel(value)) throw bad(`"${value}" in "${part}" is not a level`);
    if (Object.hasOwn(modules, name)) throw bad(`module "${name}" is given twice`);
    modules[name] = value;
  }
  return { level: level ?? 'info', modules };
}

/** Where createLogger writes, and how; by default stderr, pretty when it is a terminal. */
export interface LogOutput {
  /** pretty or json; default: POLCHAIN_LOG_FORMAT, else pretty when stderr is a TTY, else json */
  format?: LogFormat;
  /** a stream instead of stderr (tests) */
  destination?: DestinationStream;
  /** colours in pretty output; default: stderr is a TTY and NO_COLOR is unset */
  colorize?: boolean;
}

/** The format from a flag or POLCHAIN_LOG_FORMAT; a terminal gets pretty lines, anything else JSON. */
export function resolveLogFormat(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, isTTY = process.stderr.isTTY === true): LogFormat {
  const [value, source] = flag !== undefined ? [flag, '--log-format'] : env.POLCHAIN_LOG_FORMAT ? [env.POLCHAIN_LOG_FORMAT, 'environment POLCHAIN_LOG_FORMAT'] : [undefined, ''];
  if (value === undefined) return isTTY ? 'pretty' : 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(value)) {
    throw new NodeError(flag !== undefined ? 'USAGE' : 'CONFIG_INVALID', `${source}: expected ${LOG_FORMATS.join(' or ')}, got ${JSON.stringify(value)}`);
  }
  return value as LogFormat;
}

/**
 * Logs on stderr (stdout stays free for command output): JSON lines for machines (pino's format,
 * as fastify writes it), or coloured one-line records for a person at a terminal. `levels` is a
 * --log-level spec (parseLogLevels); a child logger tagged with a module listed there gets that
 * module's level, and so do the children it makes.
 */
export function createLogger(levels: string, name = 'polchain', out: LogOutput = {}): Logger {
  const { level, modules } = parseLogLevels(levels);
  const format = out.format ?? resolveLogFormat(undefined);
  const destination = format === 'pretty' ? prettyStream(out.colorize, out.destination) : out.destination ?? pino.destination({ fd: 2, sync: true });
  const overridden = Object.keys(modules).length > 0;
  return pino({
    name, level, base: { pid: process.pid },
    // A child's own module decides its level; one without a module keeps its parent's.
    onChild: overridden ? (child) => {
      const module = (child.bindings() as { module?: unknown }).module;
      if (typeof module === 'string') child.level = modules[module] ?? level;
    } : undefined,
  }, destination);
}

/**
 * pino-pretty as an in-process stream (not a transport worker): a line is written before the call
 * returns, so nothing is lost when the process exits right after. Loaded only when used.
 */
function prettyStream(colorize?: boolean, destination?: DestinationStream): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (o: PrettyOptions) => DestinationStream;
  return pretty({
    colorize: colorize ?? (process.stderr.isTTY === true && !process.env.NO_COLOR),
    destination: destination ?? 2,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name,module',
    messageFormat: '{if module}{module}: {end}{msg}',
    singleLine: true,
  });
}

export type { Logger };

/** A hash or id as logs carry it: all of it, 0x-prefixed, as the RPC API writes it (so it can be pasted into a call). */
export const logHex = (b: Uint8Array): string => `0x${bytesToHex(b)}`;
