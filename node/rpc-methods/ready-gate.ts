import { RpcError, NOT_READY, SERVER_ERROR, type RpcMethod } from '../../rpc/index.ts';
import { NodeError } from '../util/index.ts';

export interface ReadyGate {
  /** Resolves when the node is ready (consensus state loaded, decider running). */
  ready: Promise<void>;
  /** How long a request made while starting waits before it is answered NOT_READY. */
  waitMs: number;
}

/** STORE_CORRUPT becomes SERVER_ERROR with its code; anything else is rethrown as it is. */
function mapStoreCorrupt(e: unknown): never {
  if (e instanceof NodeError && e.code === 'STORE_CORRUPT') throw new RpcError(SERVER_ERROR, e.message, { code: e.code });
  throw e;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/**
 * Wraps every method so that (a) a request that arrives while the node is still starting waits for
 * it (up to `waitMs`) and is then answered NOT_READY with data.code NODE_STARTING, never with a
 * half-built state, and (b) a damaged database (STORE_CORRUPT) is answered SERVER_ERROR with its
 * code instead of an internal error with a stack in the log.
 *
 * Once ready, the wrapper is synchronous: a synchronous handler (tx_submit) costs one call and no
 * promise here; an async one gets the same mapping through one `.then`. The dispatcher awaits what
 * it gets either way, so results and errors reach the client exactly as before.
 */
export function gateMethods(methods: RpcMethod[], gate: ReadyGate): RpcMethod[] {
  let ready = false;
  void gate.ready.then(() => { ready = true; }, () => {});
  const waitReady = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((res) => { timer = setTimeout(() => res('late'), gate.waitMs); });
    const r = await Promise.race([gate.ready.then(() => 'ok' as const, () => 'late' as const), late]);
    clearTimeout(timer);
    if (r === 'late') throw new RpcError(NOT_READY, 'the node is starting; retry in a moment', { code: 'NODE_STARTING' });
  };
  return methods.map((m) => {
    const run = (params: unknown, ctx: Parameters<RpcMethod['handler']>[1]): unknown => {
      let out: unknown;
      try {
        out = m.handler(params, ctx);
      } catch (e) {
        mapStoreCorrupt(e);
      }
      return isThenable(out) ? Promise.resolve(out).catch(mapStoreCorrupt) : out;
    };
    return {
      ...m,
      // what the gate can answer is part of every method's contract (rpc.discover lists it)
      errors: [...new Set([...(m.errors ?? []), NOT_READY, SERVER_ERROR])],
      handler(params, ctx) {
        if (ready) return run(params, ctx);
        return waitReady().then(() => run(params, ctx));
      },
    };
  });
}
