import { txUpfrontCost, verifyTxBytes, VmError, type ChainState, type VerifiedTx } from '../../vm/index.ts';
import { NodeError } from '../util/index.ts';
import { Heap } from './heap.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

export interface MempoolOptions {
  maxTxs: number;
  maxBytes: number;
  /** How far ahead of the account's committed nonce a transaction may be queued. */
  maxNonceGap: bigint;
}

export const DEFAULT_MEMPOOL: MempoolOptions = { maxTxs: 50_000, maxBytes: 64 * 1024 * 1024, maxNonceGap: 256n };

interface Entry {
  vtx: VerifiedTx;
  key: string; // tx hash hex
  account: string; // sender hex
  nonce: bigint;
  fee: bigint;
  cost: bigint;
  seq: number; // arrival order breaks fee ties, so selection never depends on Map order
}

/** The vm's upfront cost; a JobAccept's bond is known only when its job is committed already. */
const costOf = (v: VerifiedTx, state: ChainState): bigint => {
  const b = v.tx.body;
  const k = b.payload.kind;
  const bonded = k === 'job-accept' || k === 'dispute-open' || k === 'da-demand';
  return txUpfrontCost(b, bonded ? state.getJob((b.payload as { jobId: Uint8Array }).jobId) : undefined);
};

/**
 * Pending transactions, checked against committed state on entry and re-checked after every block.
 * Per account, transactions are kept by nonce; block selection takes the highest fee among the
 * accounts' next executable transactions, so nonce order is never broken.
 */
export class Mempool {
  private readonly byHash = new Map<string, Entry>();
  private readonly byAccount = new Map<string, Entry[]>(); // sorted by nonce
  private totalBytes = 0;
  private seq = 0;

  constructor(private state: ChainState, private readonly opts: MempoolOptions = DEFAULT_MEMPOOL) {}

  get size(): number {
    return this.byHash.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Signature-checked transactions by hex hash, so block validation need not verify them again. */
  readonly verified = { get: (hashHex: string): VerifiedTx | undefined => this.byHash.get(hashHex)?.vtx };

  has(hash: Uint8Array): boolean {
    return this.byHash.has(bytesToHex(hash));
  }

  /** Told of each admission (null) or refusal (its error code), from RPC and gossip alike: for metrics. */
  onAdmission: ((code: string | null) => void) | undefined;

  /** Admits a transaction or throws a typed error saying why not. Returns the verified form. */
  add(raw: Uint8Array): VerifiedTx {
    if (!this.onAdmission) return this.admit(raw);
    let vtx: VerifiedTx;
    try {
      vtx = this.admit(raw);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      this.onAdmission(typeof code === 'string' ? code : 'INTERNAL');
      throw e;
    }
    this.onAdmission(null);
    return vtx;
  }

  private admit(raw: Uint8Array): VerifiedTx {
    const hash = sha256(raw);
    const key = bytesToHex(hash);
    if (this.byHash.has(key)) throw new NodeError('MEMPOOL_DUPLICATE', `transaction 0x${key} is already pending`);
    const vtx = verifyTxBytes(raw, this.state.chainId, this.state.params.maxTxBytes, hash);
    const body = vtx.tx.body;
    const account = bytesToHex(vtx.sender);
    const committed = this.state.accounts.get(account) ?? { balance: 0n, nonce: 0n };
    if (body.nonce < committed.nonce) throw new VmError('TX_NONCE_STALE', `nonce ${body.nonce} already used; the account's next nonce is ${committed.nonce}`);
    if (body.nonce > committed.nonce + this.opts.maxNonceGap) {
      throw new NodeError('MEMPOOL_NONCE_GAP', `nonce ${body.nonce} is more than ${this.opts.maxNonceGap} ahead of the account's next nonce ${committed.nonce}`);
    }
    if (body.fee < this.state.params.minFee) throw new VmError('TX_FEE_TOO_LOW', `fee ${body.fee} is below the minimum ${this.state.params.minFee}`);
    const queue = this.byAccount.get(account) ?? [];
    const same = queue.find((e) => e.nonce === body.nonce);
    if (same) {
      const needed = same.fee + same.fee / 10n + 1n;
      if (body.fee < needed) throw new NodeError('MEMPOOL_UNDERPRICED', `nonce ${body.nonce} is already pending; a replacement needs a fee of at least ${needed}`);
    }
    const cost = costOf(vtx, this.state);
    let pendingCost = cost;
    for (const e of queue) if (e !== same) pendingCost += e.cost;
    if (pendingCost > committed.balance) {
      throw new VmError('TX_INSUFFICIENT_BALANCE', `pending transactions of this account cost ${pendingCost} but the balance is ${committed.balance}`);
    }
    const entry: Entry = { vtx, key, account, nonce: body.nonce, fee: body.fee, cost, seq: this.seq++ };
    if (!same) this.makeRoom(entry, raw.length);
    if (same) this.remove(same);
    this.insert(entry);
    return vtx;
  }

  private makeRoom(incoming: Entry, size: number): void {
    while (this.byHash.size + 1 > this.opts.maxTxs || this.totalBytes + size > this.opts.maxBytes) {
      // Only an account's last transaction may be evicted, so no queue is left with a nonce gap.
      let victim: Entry | undefined;
      for (const q of this.byAccount.values()) {
        const last = q[q.length - 1]!;
        if (!victim || last.fee < victim.fee || (last.fee === victim.fee && last.seq > victim.seq)) victim = last;
      }
      if (!victim || victim.fee >= incoming.fee) {
        throw new NodeError('MEMPOOL_FULL', `mempool is full (${this.byHash.size} txs, ${this.totalBytes} bytes); a fee above ${victim?.fee ?? 0n} is needed`);
      }
      this.remove(victim);
    }
  }

  private insert(e: Entry): void {
    const q = this.byAccount.get(e.account) ?? [];
    let i = q.length;
    while (i > 0 && q[i - 1]!.nonce > e.nonce) i--;
    q.splice(i, 0, e);
    this.byAccount.set(e.account, q);
    this.byHash.set(e.key, e);
    this.totalBytes += e.vtx.bytes.length;
  }

  private remove(e: Entry): void {
    if (!this.byHash.delete(e.key)) return;
    this.totalBytes -= e.vtx.bytes.length;
    const q = this.byAccount.get(e.account)!;
    q.splice(q.indexOf(e), 1);
    if (q.length === 0) this.byAccount.delete(e.account);
  }

  /** Executable transactions for the next block, highest fee first, each account in nonce order. */
  reap(maxTxs: number, maxBytes: number): { txs: Uint8Array[]; preverified: Map<string, VerifiedTx> } {
    const heap = new Heap<{ q: Entry[]; i: number }>((a, b) => {
      const x = a.q[a.i]!, y = b.q[b.i]!;
      return x.fee !== y.fee ? x.fee > y.fee : x.seq < y.seq;
    });
    for (const [account, q] of this.byAccount) {
      const next = this.state.accounts.get(account)?.nonce ?? 0n;
      if (q[0]!.nonce === next) heap.push({ q, i: 0 });
    }
    const txs: Uint8Array[] = [];
    const preverified = new Map<string, VerifiedTx>();
    let bytes = 0;
    while (txs.length < maxTxs) {
      const top = heap.pop();
      if (!top) break;
      const e = top.q[top.i]!;
      if (bytes + e.vtx.bytes.length > maxBytes) continue;
      txs.push(e.vtx.bytes);
      preverified.set(e.key, e.vtx);
      bytes += e.vtx.bytes.length;
      const n = top.q[top.i + 1];
      if (n && n.nonce === e.nonce + 1n) heap.push({ q: top.q, i: top.i + 1 });
    }
    return { txs, preverified };
  }

  /** After a block: drop what it included and anything the new state makes invalid. */
  update(state: ChainState, included: Uint8Array[]): number {
    this.state = state;
    for (const h of included) {
      const e = this.byHash.get(bytesToHex(h));
      if (e) this.remove(e);
    }
    let dropped = 0;
    for (const [account, q] of [...this.byAccount]) {
      const committed = state.accounts.get(account) ?? { balance: 0n, nonce: 0n };
      let spend = 0n;
      for (const e of [...q]) {
        if (e.nonce >= committed.nonce && spend + e.cost <= committed.balance) {
          spend += e.cost;
          continue;
        }
        this.remove(e);
        dropped++;
      }
    }
    return dropped;
  }

  /** The nonce a wallet should use next, counting this account's pending transactions. */
  pendingNonce(address: Uint8Array): bigint {
    const account = bytesToHex(address);
    let n = this.state.accounts.get(account)?.nonce ?? 0n;
    for (const e of this.byAccount.get(account) ?? []) if (e.nonce === n) n++;
    return n;
  }
}
