import { decodeCanonical, encode } from '../../vm/index.ts';

/**
 * Transactions travel in batches on the `tx` topic: one gossip message holds the canonical
 * encoding of an array of transaction byte strings. Batching turns a burst of N submissions into a
 * few messages, so per-message gossip overhead does not cap throughput.
 */
export const TX_BATCH_MAX_BYTES = 60 * 1024;
const FLUSH_MS = 5;

export function decodeTxBatch(bytes: Uint8Array): Uint8Array[] {
  const v = decodeCanonical(bytes, 'tx batch');
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => x instanceof Uint8Array)) throw new Error('tx batch: expected a non-empty array of byte strings');
  return v as Uint8Array[];
}

export class TxBatcher {
  private pending: Uint8Array[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly publish: (batch: Uint8Array) => void) {}

  add(tx: Uint8Array): void {
    if (this.bytes + tx.length + 16 > TX_BATCH_MAX_BYTES) this.flush();
    this.pending.push(tx);
    this.bytes += tx.length + 4;
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = encode(this.pending);
    this.pending = [];
    this.bytes = 0;
    this.publish(batch);
  }
}
