import { decodeCanonical, encode, VmError, type VmErrorCode } from '../../vm/index.ts';
import type { GossipVerdict } from '../p2p/index.ts';

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

/**
 * Codes that prove the sender of a transaction is at fault, not merely late: a bad signature, a
 * stake's BLS key or proof of possession that can never verify, or bytes no honest node would
 * encode. A batch holding one is rejected (the peer's score drops); other refusals (stale nonce,
 * full mempool, a duplicate, a transaction the state no longer lets execute) are the normal race of gossip.
 */
export const PEER_FAULT_TX_CODES: ReadonlySet<VmErrorCode> = new Set<VmErrorCode>([
  'TX_BAD_SIGNATURE', 'CODEC_MALFORMED', 'CODEC_NON_CANONICAL', 'STAKE_BLS_KEY_INVALID', 'STAKE_POP_INVALID', 'STAKE_POP_MISSING',
]);

/** Offers each transaction of a gossiped batch to the mempool; 'accept' when at least one was new. */
export function admitTxBatch(mempool: { add(raw: Uint8Array): unknown }, bytes: Uint8Array): GossipVerdict {
  let txs: Uint8Array[];
  try {
    txs = decodeTxBatch(bytes);
  } catch {
    return 'reject';
  }
  let admitted = 0;
  for (const tx of txs) {
    try {
      mempool.add(tx);
      admitted++;
    } catch (e) {
      if (e instanceof VmError && PEER_FAULT_TX_CODES.has(e.code)) return 'reject';
    }
  }
  return admitted > 0 ? 'accept' : 'ignore';
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
