// Splits JobReveal items across transactions so that every signed transaction stays within the
// chain's maxTxBytes. Sizes are measured on the real encoding: a signed transaction's length does
// not depend on the nonce, fee or signature values (u64s always take 9 bytes, keys and signatures
// have fixed lengths), so a body signed with placeholders has exactly the final size.
import type { JobRevealPayload } from '../../vm/index.ts';
import { signedSize } from '../jobs/index.ts';
import { SolverError } from './errors.ts';

export type RevealItem = JobRevealPayload['items'][number];

/**
 * Greedy, order-keeping packing: each batch holds as many consecutive items as fit under
 * `maxBytes` as measured by `sizeOf(batch)`. Throws SOLVER_TX_TOO_LARGE when one item alone does not fit.
 */
export function packBySize<T>(items: readonly T[], sizeOf: (batch: T[]) => number, maxBytes: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  for (let i = 0; i < items.length; i++) {
    const next = [...cur, items[i]!];
    if (sizeOf(next) <= maxBytes) { cur = next; continue; }
    if (cur.length === 0) {
      throw new SolverError('SOLVER_TX_TOO_LARGE', `item ${i} alone needs ${sizeOf(next)} bytes; the transaction limit is ${maxBytes}`);
    }
    out.push(cur);
    cur = [items[i]!];
    const alone = sizeOf(cur);
    if (alone > maxBytes) throw new SolverError('SOLVER_TX_TOO_LARGE', `item ${i} alone needs ${alone} bytes; the transaction limit is ${maxBytes}`);
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Encoded size of a signed transaction carrying `payload` (exact: see the file comment). */
export const signedTxSize = signedSize;

/** JobReveal payloads, in order, each of whose signed transactions is at most maxTxBytes. */
export function splitRevealPayloads(chainId: string, jobId: Uint8Array, items: readonly RevealItem[], maxTxBytes: number): JobRevealPayload[] {
  const mk = (batch: RevealItem[]): JobRevealPayload => ({ kind: 'job-reveal', jobId, items: batch });
  return packBySize(items, (b) => signedTxSize(chainId, mk(b)), maxTxBytes).map(mk);
}
