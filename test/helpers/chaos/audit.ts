// The chaos driver's end checks, over JSON-RPC on every validator: block hash and state root agree
// at every height all of them have (a disagreement is a fork), and every transaction that got a
// receipt sits in the block its receipt named, at the index it named, on every validator (one that
// does not is lost). A transaction included twice anywhere is counted too.
import type { BatchCall, NodeApi, RpcClient } from '../../../rpc/index.ts';
import type { Receipted } from './load.ts';

interface BlockView { hash: string; stateRoot: string; txs: string[] }

export interface AuditResult {
  /** heights every validator has, 1..commonHeight */
  commonHeight: number;
  /** heights where validators disagree on block hash or state root */
  forks: number[];
  /** receipted transactions missing from their receipt's block/index on some validator */
  lost: string[];
  /** transactions found in more than one block position */
  duplicates: string[];
  txsInChain: number;
}

async function blocks(rpc: RpcClient, top: number): Promise<BlockView[]> {
  const out: BlockView[] = [];
  for (let h = 1; h <= top; h += 100) {
    const calls: BatchCall<NodeApi, 'chain_getBlock'>[] = [];
    for (let k = h; k <= Math.min(top, h + 99); k++) calls.push({ method: 'chain_getBlock', params: [k] });
    const res = await rpc.batch(calls);
    for (const r of res) {
      if (!r.ok) throw new Error(`chain_getBlock failed: ${r.error.message}`);
      out.push({ hash: r.result.hash, stateRoot: r.result.stateRoot, txs: r.result.txs.map((t) => (typeof t === 'string' ? t : t.hash)) });
    }
  }
  return out;
}

/** Audits the chains of `rpcs` (every validator, all running) against the receipts the load collected. */
export async function auditChains(rpcs: RpcClient[], receipts: Map<string, Receipted>): Promise<AuditResult> {
  const tops = await Promise.all(rpcs.map(async (r) => Number((await r.call('node_status', [])).height)));
  const commonHeight = Math.min(...tops);
  const chains = await Promise.all(rpcs.map((r) => blocks(r, commonHeight)));
  const forks: number[] = [];
  for (let i = 0; i < commonHeight; i++) {
    const views = chains.map((c) => c[i]!);
    if (views.some((v) => v.hash !== views[0]!.hash || v.stateRoot !== views[0]!.stateRoot)) forks.push(i + 1);
  }
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  for (const b of chains[0]!) for (const t of b.txs) { if (seen.has(t)) duplicates.push(t); seen.set(t, 1); }
  const lost: string[] = [];
  for (const [hash, r] of receipts) {
    if (r.height > commonHeight || chains.some((c) => c[r.height - 1]!.txs[r.index] !== hash)) lost.push(hash);
  }
  return { commonHeight, forks, lost, duplicates, txsInChain: seen.size };
}
