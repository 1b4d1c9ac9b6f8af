// Fan-out of a committed block's notifications, off the commit path.

/** What the queue publishes to: the rpc server (its `publish` writes to every subscriber's socket). */
export interface Publisher {
  publish(topic: string, data: unknown, key?: string): number;
}

export interface Publication {
  topic: string;
  /** Built at commit time: the queue only sends it. */
  data: unknown;
  key?: string;
}

/**
 * Sends queued notifications on a later turn of the event loop, in the order they were queued.
 * Why: a send costs about 20 µs per WebSocket subscriber (1,000 subscribers: 20 ms and more on a
 * busy machine, measured by `npm run bench:rpc`), and inside the commit hook that time delayed the
 * solo producer's next block and a BFT node's next height. One queue for all topics keeps the
 * order of heads, job and dispute updates what it was.
 */
export class PublishQueue {
  private pending: Publication[] = [];
  private scheduled = false;

  constructor(
    private readonly target: () => Publisher | undefined,
    private readonly onError: (err: unknown, topic: string) => void,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  push(items: Publication[]): void {
    if (items.length === 0) return;
    this.pending.push(...items);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends everything queued now (on its turn, and before the rpc server closes so no committed head is lost). */
  flush(): void {
    this.scheduled = false;
    const items = this.pending;
    this.pending = [];
    const t = this.target();
    if (!t) return;
    for (const p of items) {
      try {
        t.publish(p.topic, p.data, p.key);
      } catch (err) {
        this.onError(err, p.topic); // one bad notification must not stop the others
      }
    }
  }
}
