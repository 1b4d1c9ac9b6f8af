// What `polchain watch` and `polchain job dispute` both run: the node's JSON-RPC as a chain, a libp2p
// host to fetch solvers' data with, and the watchtower over them; torn down in reverse order.
import type { Logger } from 'pino';
import { selectBackend } from '../../ml-runtime/index.ts';
import { createP2pHost, type P2pHost } from '../p2p/index.ts';
import { Progress } from '../util/index.ts';
import { RpcWatchChain, Watchtower, formatEvent, type WatchEvent, type WatchtowerOptions } from '../watchtower/index.ts';

export interface WatchStackOptions {
  rpcUrl: string;
  seed: Uint8Array;
  fee: bigint;
  listen: string[] | undefined;
  logger: Logger;
  fraction: number;
  /** attempts at the first node_status before giving up (later calls retry about two minutes) */
  startAttempts: number;
  pollIntervalMs?: number;
  statusIntervalMs?: number;
  /** events whose readable line is not printed (the command prints its own) */
  quiet?: ReadonlyArray<WatchEvent['type']>;
  onEvent?(e: WatchEvent): void;
}

export interface WatchStack {
  wt: Watchtower;
  chain: RpcWatchChain;
  host: P2pHost;
  stop(): Promise<void>;
}

/** Starts the chain client, the host and the watchtower (not its loop: call wt.start()). */
export async function watchStack(o: WatchStackOptions): Promise<WatchStack> {
  // the replay worker refuses any other backend; fail here, before a bond is at stake
  await selectBackend('det', { allowFallback: false });
  const ac = new AbortController();
  const chain = new RpcWatchChain({ rpcUrl: o.rpcUrl, seed: o.seed, log: o.logger.child({ module: 'watch-rpc' }), signal: ac.signal, fee: o.fee, attempts: 30 });
  let host: P2pHost | null = null;
  try {
    const st = await chain.status(o.startAttempts);
    host = await createP2pHost({ chainId: st.chainId, listen: o.listen ?? ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], logger: o.logger.child({ module: 'watch-p2p' }) });
  } catch (e) {
    ac.abort();
    await chain.close();
    throw e;
  }
  const bar: { p: Progress | null; key: string } = { p: null, key: '' };
  const opts: WatchtowerOptions = {
    chain, host, fraction: o.fraction, logger: o.logger,
    ...(o.pollIntervalMs !== undefined ? { pollIntervalMs: o.pollIntervalMs } : {}),
    ...(o.statusIntervalMs !== undefined ? { statusIntervalMs: o.statusIntervalMs } : {}),
    onProgress: (jobId, p) => {
      const key = `${jobId}/${p.segment}`;
      if (bar.key !== key) {
        bar.p?.finish();
        bar.key = key;
        bar.p = new Progress({ total: p.stepsTotal, label: `replay segment ${p.segment}`, unit: 'steps' });
      }
      bar.p!.update(p.stepsDone);
    },
    onEvent: (e) => {
      if (bar.p) {
        bar.p.finish();
        bar.p = null;
        bar.key = '';
      }
      if (!o.quiet?.includes(e.type)) {
        const line = formatEvent(e);
        if (line !== null) process.stdout.write(`${line}\n`);
      }
      o.onEvent?.(e);
    },
  };
  const wt = new Watchtower(opts);
  const h = host;
  return {
    wt, chain, host: h,
    async stop() {
      await wt.stop();
      bar.p?.finish();
      ac.abort();
      await h.stop();
      await chain.close();
    },
  };
}
