import { RpcError, NOT_READY, SERVER_ERROR, type RpcMethod } from '../../rpc/index.ts';
import { NodeError } from '../util/index.ts';

export interface ReadyGate {
  /** Resolves when the node is ready (consensus state loaded, decider running). */
  ready: Promise<void>;
  /** How long a request made while starting waits before it is answered NOT_READY. */
  waitMs: number;
}

/**
 * Wraps every method so that (a) a request that arrives while the node is still starting waits for
 * it (up to `waitMs`) and is then answered NOT_READY with data.code NODE_STARTING, never with a
 * half-built state, and (b) a damaged database (STORE_CORRUPT) is answered SERVER_ERROR with its
 * code instead of an internal error with a stack in the log.
 */
export function gateMethods(methods: RpcMethod[], gate: ReadyGate): RpcMethod[] {
  let ready = false;
  void gate.ready.then(() => { ready = true; }, () => {});
  const waitReady = async (): Promise<void> => {
    if (ready) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((res) => { timer = setTimeout(() => res('late'), gate.waitMs); });
    const r = await Promise.race([gate.ready.then(() => 'ok' as const, () => 'late' as const), late]);
    clearTimeout(timer);
    if (r === 'late') throw new RpcError(NOT_READY, 'the node is starting; retry in a moment', { code: 'NODE_STARTING' });
  };
  return methods.map((m) => ({
    ...m,
    // what the gate can answer is part of every method's contract (rpc.discover lists it)
    errors: [...new Set([...(m.errors ?? []), NOT_READY, SERVER_ERROR])],
    async handler(params, ctx) {
      await waitReady();
      try {
        return await m.handler(params, ctx);
      } catch (e) {
        if (e instanceof NodeError && e.code === 'STORE_CORRUPT') throw new RpcError(SERVER_ERROR, e.message, { code: e.code });
        throw e;
      }
    },
  }));
}
