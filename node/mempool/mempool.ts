import type { Logger } from 'pino';
import {
  checkTxAgainst, isVmError, pendingState, txUpfrontCost, verifyTxBytes, VmError, type ChainState, type StateOverlay, type VerifiedTx,
} from '../../vm/index.ts';
import { NodeError, logHex } from '../util/index.ts';
import { Heap } from './heap.ts';
import { RecentDrops } from './recent-drops.ts';
import { bytesToHex, sha256, type CodedError } from '../../primitives/index.ts';

export interface MempoolOptions {
  maxTxs: number;
  maxBytes: number;
  /** How far ahead of the account's committed nonce a transaction may be queued. */
  maxNonceGap: bigint;
  /**
   * Blocks a transaction may wait: it expires once the chain is this many blocks past the height at
   * which it arrived. Counted in blocks, not wall time, because a block is a chance to be included:
   * a stalled chain expires nothing (there was no chance), and every node agrees on the count.
   */
  ttlBlocks: bigint;
  /**
   * How many pending transactions the commit path executes again after a block; queues beyond it
   * are re-checked when next used (admission, pendingNonce, block selection), so a full pool costs
   * a block a bounded delay, not a stall.
   */
  recheckPerBlock?: number;
}

/**
 * How long a transaction that left is refused when offered again (at most ttlBlocks): long enough
 * for every node to have re-checked its own pool after the block that made it fail, so gossip cannot
 * bounce it between nodes; short enough that a sender re-sending the same bytes once the state
 * allows it is not locked out for long.
 */
const REFUSE_AGAIN_BLOCKS = 10n;

/** ttlBlocks 600: ten minutes at the default 1 s block interval. */
export const DEFAULT_MEMPOOL: MempoolOptions = { maxTxs: 50_000, maxBytes: 64 * 1024 * 1024, maxNonceGap: 256n, ttlBlocks: 600n, recheckPerBlock: 4_000 };

interface Entry {
  vtx: VerifiedTx;
  key: string; // tx hash hex
  account: string; // sender hex
  nonce: bigint;
  fee: bigint;
  seq: number; // arrival order breaks fee ties, so selection never depends on Map order
  height: bigint; // committed height when it arrived (expiry counts from it)
}

/** An account's pending state after its contiguous pending transactions (nonce `next` comes next). */
interface Tip { pending: StateOverlay; next: bigint }

export interface MempoolStats { size: number; bytes: number; expired: number; evicted: number }

/** The vm's upfront cost; a JobAccept's bond is known only when its job is committed already. */
const costOf = (v: VerifiedTx, state: ChainState): bigint => {
  const b = v.tx.body;
  const k = b.payload.kind;
  const bonded = k === 'job-accept' || k === 'dispute-open' || k === 'da-demand';
  return txUpfrontCost(b, bonded ? state.getJob((b.payload as { jobId: Uint8Array }).jobId) : undefined);
};

/** What a block changed (vm StateChanges' maps are keyed by hex address). */
export interface BlockTouch { accounts: ReadonlyMap<string, unknown>; validators: ReadonlyMap<string, unknown> }

/** Whether a pending transaction's checks read state the block changed beyond its sender's account. */
function readsBlockChanges(e: Entry, touched: BlockTouch): boolean {
  switch (e.vtx.tx.body.payload.kind) {
    case 'transfer': return false;
    case 'stake': return touched.validators.has(e.account);
    case 'unbond': return touched.validators.size > 0;
    default: return true;
  }
}

/** The same class and code as the error a transaction left with, saying when. */
const refusedAgain = (e: CodedError<string>, key: string, height: bigint, until: bigint): Error => {
  const msg = `transaction 0x${key} left the mempool at height ${height} (${e.message}); it is refused until height ${until}`;
  return e instanceof VmError ? new VmError(e.code, msg) : new NodeError(e.code as NodeError['code'], msg);
};

/**
 * Pending transactions. Admission runs block execution's own checks (vm `verifyTxBytes`, then
 * `checkTxAgainst` on the pending state: the committed state after the sender's earlier pending
 * transactions), so the pool holds only transactions that would execute; every block re-checks
 * them against the new state. A transaction whose nonce leaves a gap waits unchecked until the gap
 * is filled (it is not counted by `pendingNonce` and expires like any other).
 * Per account, transactions are kept by nonce; block selection takes the highest fee among the
 * accounts' next executable transactions, so nonce order is never broken.
 */
export class Mempool {
  private readonly byHash = new Map<string, Entry>();
  private readonly byAccount = new Map<string, Entry[]>(); // sorted by nonce
  private readonly tips = new Map<string, Tip>(); // valid for this.state and the account's queue
  private readonly stale = new Set<string>(); // accounts whose queues a block may have made fail, not re-checked yet
  private readonly recent: RecentDrops;
  private totalBytes = 0;
  private seq = 0;
  private expiredCount = 0;
  private evictedCount = 0;

  constructor(private state: ChainState, private readonly opts: MempoolOptions = DEFAULT_MEMPOOL, private readonly logger?: Logger) {
    this.recent = new RecentDrops(Math.max(1024, opts.maxTxs));
  }

  get size(): number {
    return this.byHash.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Counters for node_status: expired (aged out) and evicted (left out by a proposer or no longer executable) since start. */
  stats(): MempoolStats {
    return { size: this.size, bytes: this.totalBytes, expired: this.expiredCount, evicted: this.evictedCount };
  }

  /** Signature-checked transactions by hex hash, so block validation need not verify them again. */
  readonly verified = { get: (hashHex: string): VerifiedTx | undefined => this.byHash.get(hashHex)?.vtx };

  has(hash: Uint8Array): boolean {
    return this.byHash.has(bytesToHex(hash));
  }

  /** Told of each admission (null) or refusal (its error code), from RPC and gossip alike: for metrics. */
  onAdmission: ((code: string | null) => void) | undefined;

  /** Admits a transaction or throws a typed error saying why not (nothing changes then). Returns the verified form. */
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
    const gone = this.recent.get(key, this.state.height);
    if (gone) throw refusedAgain(gone.error, key, gone.height, gone.until);
    const vtx = verifyTxBytes(raw, this.state.chainId, this.state.params.maxTxBytes, hash);
    const body = vtx.tx.body;
    const hex = bytesToHex(vtx.sender);
    const account = this.byAccount.get(hex)?.[0]?.account ?? hex; // the queue's string: its entries share one
    const committed = this.state.accounts.get(account) ?? { balance: 0n, nonce: 0n };
    if (body.nonce < committed.nonce) throw new VmError('TX_NONCE_STALE', `nonce ${body.nonce} already used; the account's next nonce is ${committed.nonce}`);
    if (body.nonce > committed.nonce + this.opts.maxNonceGap) {
      throw new NodeError('MEMPOOL_NONCE_GAP', `nonce ${body.nonce} is more than ${this.opts.maxNonceGap} ahead of the account's next nonce ${committed.nonce}`);
    }
    if (body.fee < this.state.params.minFee) throw new VmError('TX_FEE_TOO_LOW', `fee ${body.fee} is below the minimum ${this.state.params.minFee}`);
    this.recheck(account);
    const queue = this.byAccount.get(account) ?? [];
    const same = queue.find((e) => e.nonce === body.nonce);
    if (same) {
      const needed = same.fee + same.fee / 10n + 1n;
      if (body.fee < needed) throw new NodeError('MEMPOOL_UNDERPRICED', `nonce ${body.nonce} is already pending; a replacement needs a fee of at least ${needed}`);
    }
    const entry: Entry = { vtx, key, account, nonce: body.nonce, fee: body.fee, seq: this.seq, height: this.state.height };
    const { tip, drops } = this.admissionCheck(entry, queue, same);
    if (tip.next <= entry.nonce) {
      // behind a nonce gap: execution cannot be checked yet, but the sender must at least afford it
      const cost = costOf(vtx, this.state);
      if (cost > committed.balance) throw new VmError('TX_INSUFFICIENT_BALANCE', `${body.payload.kind} costs ${cost} but the balance is ${committed.balance}`);
    }
    let evictedOwn = false;
    try {
      if (!same) evictedOwn = this.makeRoom(entry, raw.length);
    } catch (e) {
      this.tips.delete(account); // the cached pending state may hold the refused transaction's effects
      throw e;
    }
    for (const d of drops) this.drop(d.entry, d.error, 'evicted');
    if (same) this.remove(same);
    this.seq++;
    this.insert(entry);
    if (!evictedOwn) this.tips.set(account, tip);
    return vtx;
  }

  /**
   * Checks `entry` (replacing `same`) against the pending state of its account. Appending to a queue
   * without a gap checks only the newcomer against the cached tip; anything else walks the queue
   * again. Throws the newcomer's VmError; later transactions it makes fail are returned to be dropped.
   */
  private admissionCheck(entry: Entry, queue: Entry[], same: Entry | undefined): { tip: Tip; drops: Array<{ entry: Entry; error: VmError }> } {
    const cached = this.tips.get(entry.account);
    const last = queue[queue.length - 1];
    if (!same && cached && cached.next === entry.nonce && (!last || last.nonce < entry.nonce)) {
      checkTxAgainst(cached.pending, entry.vtx); // unchanged if it throws
      return { tip: { pending: cached.pending, next: cached.next + 1n }, drops: [] };
    }
    const candidate = [...queue.filter((e) => e !== same), entry].sort((a, b) => (a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0));
    // A newcomer at or beyond the cached tip leaves the executed prefix as it is: go on from the tip (a full walk
    // per transaction gossiped out of nonce order was quadratic). A replacement may change the prefix.
    if (!same && cached && entry.nonce >= cached.next) return this.walk(entry.account, candidate, entry, cached);
    return this.walk(entry.account, candidate, entry);
  }

  /**
   * Executes an account's queue in nonce order on a fresh pending state (or from a cached tip), up to the first gap. The
   * first transaction that fails ends the walk (those after it wait behind a gap now); it is returned
   * to be dropped, unless it is `newcomer`, whose error is thrown.
   */
  private walk(account: string, queue: readonly Entry[], newcomer?: Entry, from?: Tip): { tip: Tip; drops: Array<{ entry: Entry; error: VmError }> } {
    // from: a valid tip (the queue executed below from.next), advanced in place; checkTxAgainst leaves it as it was if it throws
    const pending = from?.pending ?? pendingState(this.state);
    let next = from?.next ?? this.state.accounts.get(account)?.nonce ?? 0n;
    for (const e of queue) {
      if (e.nonce < next && from) continue;
      if (e.nonce !== next) break;
      try {
        checkTxAgainst(pending, e.vtx);
      } catch (err) {
        if (!isVmError(err) || e === newcomer) throw err;
        return { tip: { pending, next }, drops: [{ entry: e, error: err }] };
      }
      next++;
    }
    return { tip: { pending, next }, drops: [] };
  }

  /** Executes a queue a block may have made fail again, dropping its first failure; returns how many it executed. */
  private recheck(account: string): number {
    if (!this.stale.delete(account)) return 0;
    const q = this.byAccount.get(account);
    if (!q) return 0;
    const { tip, drops } = this.walk(account, q);
    for (const d of drops) this.drop(d.entry, d.error, 'evicted');
    if (drops.length === 0) this.tips.set(account, tip);
    return Number(tip.next - (this.state.accounts.get(account)?.nonce ?? 0n)) + drops.length;
  }

  /** Evicts pool entries to fit `incoming`; true when one of them belonged to the incoming account. */
  private makeRoom(incoming: Entry, size: number): boolean {
    let own = false;
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
      own ||= victim.account === incoming.account;
      this.remove(victim);
    }
    return own;
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
    this.tips.delete(e.account);
    this.totalBytes -= e.vtx.bytes.length;
    const q = this.byAccount.get(e.account)!;
    q.splice(q.indexOf(e), 1);
    if (q.length === 0) {
      this.byAccount.delete(e.account);
      this.stale.delete(e.account);
    }
  }

  /** Removes an entry that will not be included (evicted: it will not execute; expired) and bars its return for a while. */
  private drop(e: Entry, error: CodedError<string>, why: 'evicted' | 'expired'): void {
    if (!this.byHash.has(e.key)) return;
    this.remove(e);
    if (why === 'evicted') this.evictedCount++;
    else this.expiredCount++;
    const bar = this.opts.ttlBlocks < REFUSE_AGAIN_BLOCKS ? this.opts.ttlBlocks : REFUSE_AGAIN_BLOCKS;
    this.recent.add(e.key, error, this.state.height, this.state.height + bar);
    this.logger?.debug({ tx: logHex(e.vtx.hash), nonce: Number(e.nonce), code: error.code, message: error.message }, `mempool: transaction ${why}`);
  }

  /**
   * Transactions a proposer's buildBlock left out (with the vm's reason): they leave at once, so the
   * sender's next transaction at `pendingNonce` can take their nonce, and gossip cannot bring them back.
   */
  evict(rejected: ReadonlyArray<{ hash: Uint8Array | null; bytes: Uint8Array; error: VmError }>): number {
    let n = 0;
    for (const r of rejected) {
      // TX_NONCE_FUTURE in a built block means an earlier transaction of the sender failed: this one
      // stays, behind the gap, for when the sender fills it
      if (r.error.code === 'TX_NONCE_FUTURE') continue;
      const e = this.byHash.get(bytesToHex(r.hash ?? sha256(r.bytes)));
      if (!e) continue;
      this.drop(e, r.error, 'evicted');
      n++;
    }
    if (n > 0) this.logger?.info({ evicted: n, codes: [...new Set(rejected.map((r) => r.error.code))] }, 'mempool evicted transactions the block builder left out');
    return n;
  }

  /** Executable transactions for the next block, highest fee first, each account in nonce order. */
  reap(maxTxs: number, maxBytes: number): { txs: Uint8Array[]; preverified: Map<string, VerifiedTx> } {
    const heap = new Heap<{ q: Entry[]; i: number }>((a, b) => {
      const x = a.q[a.i]!, y = b.q[b.i]!;
      return x.fee !== y.fee ? x.fee > y.fee : x.seq < y.seq;
    });
    const head = (account: string) => {
      const q = this.byAccount.get(account);
      if (q && q[0]!.nonce === (this.state.accounts.get(account)?.nonce ?? 0n)) heap.push({ q, i: 0 });
    };
    for (const account of this.byAccount.keys()) head(account);
    const txs: Uint8Array[] = [];
    const preverified = new Map<string, VerifiedTx>();
    let bytes = 0;
    while (txs.length < maxTxs) {
      const top = heap.pop();
      if (!top) break;
      const e = top.q[top.i]!;
      if (top.i === 0 && this.stale.has(e.account)) {
        // checked only now that it is wanted: what fails leaves, the rest competes again
        this.recheck(e.account);
        head(e.account);
        continue;
      }
      if (bytes + e.vtx.bytes.length > maxBytes) continue;
      txs.push(e.vtx.bytes);
      preverified.set(e.key, e.vtx);
      bytes += e.vtx.bytes.length;
      const n = top.q[top.i + 1];
      if (n && n.nonce === e.nonce + 1n) heap.push({ q: top.q, i: top.i + 1 });
    }
    return { txs, preverified };
  }

  /**
   * After a block: drop what it included, what its nonces made stale, what expired, and what no
   * longer executes against the new state. Returns how many left other than by inclusion.
   * With `touched` (the block's state changes, by hex address) only the queues the block can have
   * affected are executed again: one whose account or validator record changed, unbonds when any
   * validator changed (the last-validator rule counts them all), job transactions always (they read
   * jobs and the height). Without it every queue is.
   */
  update(state: ChainState, included: Uint8Array[], touched?: BlockTouch): number {
    this.state = state;
    this.tips.clear();
    this.recent.prune(state.height);
    for (const h of included) {
      const e = this.byHash.get(bytesToHex(h));
      if (e) this.remove(e);
    }
    let dropped = 0;
    let expired = 0;
    let budget = this.opts.recheckPerBlock ?? Infinity;
    for (const [account, q] of [...this.byAccount]) {
      const committed = state.accounts.get(account)?.nonce ?? 0n;
      const before = q.length;
      for (const e of [...q]) {
        if (e.nonce < committed) {
          this.remove(e);
          dropped++;
        } else if (state.height >= e.height + this.opts.ttlBlocks) {
          this.drop(e, new NodeError('MEMPOOL_EXPIRED', `not included within ${this.opts.ttlBlocks} blocks of height ${e.height}`), 'expired');
          expired++;
        }
      }
      const rest = this.byAccount.get(account);
      if (!rest) continue;
      if (touched && rest.length === before && !touched.accounts.has(account) && !rest.some((e) => readsBlockChanges(e, touched))) continue;
      this.stale.add(account);
      if (budget <= 0) continue;
      const size = this.size;
      budget -= this.recheck(account);
      dropped += size - this.size;
    }
    if (expired > 0) this.logger?.info({ height: Number(state.height), expired, ttlBlocks: Number(this.opts.ttlBlocks) }, 'mempool transactions expired');
    return dropped + expired;
  }

  /** The nonce a wallet should use next: the committed one plus this account's pending transactions that will execute. */
  pendingNonce(address: Uint8Array): bigint {
    const account = bytesToHex(address);
    this.recheck(account);
    let n = this.state.accounts.get(account)?.nonce ?? 0n;
    for (const e of this.byAccount.get(account) ?? []) if (e.nonce === n) n++;
    return n;
  }
}
