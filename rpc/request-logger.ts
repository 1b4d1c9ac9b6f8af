// Fastify gives every request a child of the server's logger (pino: a new logger object with its
// bindings serialised) even when the request never logs, which the submit path of a node under load
// paid on every call. The factory below hands fastify a stand-in that builds that same child the
// first time the request logs; a request that does not log allocates one small object.
import type { Logger } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

class LazyChild {
  private real: Logger | undefined;
  // with a level of its own (a route's logLevel) the parent's level says nothing about the child's
  private readonly ownLevel: boolean;
  constructor(private readonly parent: Logger, private readonly own: Record<string, unknown>, private readonly opts: object) {
    this.ownLevel = 'level' in opts;
  }
  private get log(): Logger {
    return (this.real ??= this.parent.child(this.own, this.opts));
  }
  get level(): string { return this.real?.level ?? this.parent.level; }
  isLevelEnabled(l: string): boolean { return this.log.isLevelEnabled(l); }
  // a call below the level would build the child only for pino to drop the line
  private at(l: Level, args: unknown[]): void {
    if (this.real === undefined && !this.ownLevel && !this.parent.isLevelEnabled(l)) return;
    (this.log[l] as (...a: unknown[]) => void)(...args);
  }
  fatal(...a: unknown[]): void { this.at('fatal', a); }
  error(...a: unknown[]): void { this.at('error', a); }
  warn(...a: unknown[]): void { this.at('warn', a); }
  info(...a: unknown[]): void { this.at('info', a); }
  debug(...a: unknown[]): void { this.at('debug', a); }
  trace(...a: unknown[]): void { this.at('trace', a); }
  silent(): void {}
  child(bindings: Record<string, unknown>, opts?: object): Logger { return this.log.child(bindings, opts); }
  bindings(): Record<string, unknown> { return this.log.bindings(); }
}

/** fastify's childLoggerFactory: the request's logger, built on first use. */
export function lazyChildLogger(this: unknown, parent: Logger, bindings: Record<string, unknown>, opts: object): Logger {
  return new LazyChild(parent, bindings, opts) as unknown as Logger;
}
