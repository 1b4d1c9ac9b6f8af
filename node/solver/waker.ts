// Wakes the solver when the chain may have moved: on each `newHeads` or `jobs` notification over
// WebSocket, and on a polling timer as a fallback (subscriptions that fail are retried later).
import type { Logger } from 'pino';
import type { RpcClient } from '../../rpc/index.ts';
import { errorMessage } from '../../primitives/index.ts';

const SUBSCRIBE_TIMEOUT_MS = 5_000;

export interface ChainTick {
  height: bigint | null;
  /** set for a `jobs` notification */
  job?: { jobId: string; status: string; outcome: string | null };
}

export class Waker {
  private waiters: Array<() => void> = [];
  private unsubs: Array<() => Promise<void>> = [];
  private subscribed = new Set<string>();
  private resubTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private subscribing = false;
  private failures = 0;
  private nextAttemptAt = 0;
  /** Highest block height seen in a notification. */
  height: bigint | null = null;

  constructor(
    private readonly rpc: RpcClient,
    private readonly log: Logger,
    private readonly pollMs: number,
    private readonly onTick: (t: ChainTick) => void = () => {},
  ) {}

  /**
   * Subscribes to newHeads and jobs in the background (a node that never answers the WebSocket
   * handshake must not hold the solver up); failures are logged and retried every few polls.
   */
  start(): void {
    void this.subscribeAll();
    this.resubTimer = setInterval(() => void this.subscribeAll(), Math.max(2_000, this.pollMs * 5));
    this.resubTimer.unref();
  }

  private async subscribeAll(): Promise<void> {
    if (this.subscribing || performance.now() < this.nextAttemptAt) return;
    this.subscribing = true;
    let failed = false;
    try {
      for (const topic of ['newHeads', 'jobs'] as const) {
        if (this.closed || this.subscribed.has(topic)) continue;
        let timer: NodeJS.Timeout | undefined;
        const attempt = this.rpc.subscribe(topic, (d) => this.onData(topic, d), (err) => {
          this.subscribed.delete(topic);
          this.log.debug({ topic, err: err.message }, 'subscription closed; will resubscribe');
          this.wake();
        });
        try {
          const unsub = await Promise.race([attempt, new Promise<never>((_, rej) => {
            timer = setTimeout(() => rej(new Error(`no answer to subscribe ${topic} in ${SUBSCRIBE_TIMEOUT_MS} ms`)), SUBSCRIBE_TIMEOUT_MS);
          })]);
          if (this.closed) { await unsub(); return; }
          this.subscribed.add(topic);
          this.unsubs.push(unsub);
          this.log.debug({ topic }, 'subscribed');
        } catch (e) {
          // a late success must not leak a subscription
          attempt.then((unsub) => unsub(), () => undefined).catch(() => undefined);
          failed = true;
          this.log.debug({ topic, err: errorMessage(e) }, 'cannot subscribe; polling instead');
        } finally {
          clearTimeout(timer);
        }
      }
    } finally {
      this.subscribing = false;
      // back off (up to 5 minutes) while the node offers no working WebSocket
      this.failures = failed ? this.failures + 1 : 0;
      this.nextAttemptAt = failed ? performance.now() + Math.min(300_000, 2_000 * 2 ** Math.min(this.failures, 8)) : 0;
    }
  }

  private onData(topic: string, d: { height?: unknown; jobId?: unknown; status?: unknown; outcome?: unknown }): void {
    let h: bigint | null = null;
    try {
      if (d.height !== undefined && d.height !== null) h = BigInt(d.height as string);
    } catch { /* not a height */ }
    if (h !== null && (this.height === null || h > this.height)) this.height = h;
    const tick: ChainTick = { height: h };
    if (topic === 'jobs' && typeof d.jobId === 'string') {
      tick.job = { jobId: d.jobId.replace(/^0x/, '').toLowerCase(), status: String(d.status), outcome: (d.outcome as string | null) ?? null };
    }
    this.onTick(tick);
    this.wake();
  }

  /** Records a height learnt another way (e.g. a job_get answer). */
  seeHeight(h: bigint | null): void {
    if (h !== null && (this.height === null || h > this.height)) this.height = h;
  }

  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves on the next notification, after `timeoutMs` (default the poll interval), or when `signal` aborts. */
  wait(signal?: AbortSignal, timeoutMs = this.pollMs): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      const t = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.resubTimer) clearInterval(this.resubTimer);
    this.wake();
    const u = this.unsubs;
    this.unsubs = [];
    await Promise.all(u.map((f) => f().catch(() => undefined)));
  }
}
