import { pino, type Logger, type Level } from 'pino';

export const LOG_LEVELS: Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** Structured JSON logs on stderr (stdout stays free for command output), as fastify does. */
export function createLogger(level: string, name = 'polchain'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

export type { Logger };
