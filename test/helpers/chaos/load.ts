// The chaos driver's load: signed transfers from several dev accounts over JSON-RPC, spread over
// the live validators. A transaction counts as sent once a node's tx_submit accepted it. Until its
// receipt appears, its same bytes are offered again to another live node every `resendMs` (the node
// that took it may have been killed before gossiping it), so a transaction is never replaced by
// another with its nonce: each sent hash either gets a receipt or stays pending.
import { encodeTx, signTx } from '../../../vm/index.ts';
import { devAccountSeed, devAccount } from '../../../genesis/index.ts';
import { bytesToHex, errorMessage, sha256 } from '../../../primitives/index.ts';
import type { BatchCall, NodeApi } from '../../../rpc/index.ts';
import type { ChaosNet } from './validators.ts';

export interface Receipted { height: number; index: number; at: number }

interface Tx { hash: string; raw: string; sender: number; sentAt: number; tries: number }

export interface LoadOptions {
  /** dev accounts 0..senders-1 send; the account `senders` receives */
  senders: number;
  /** transactions in flight (sent, no receipt yet) per sender */
  window: number;
  /** stop creating transactions after this many (undefined: until stop()); the driver raises it in steps */
  limit?: number;
  /** new transactions per second at most (undefined: as the window allows) */
  rate?: number;
  resendMs: number;
}

export class TransferLoad {
  /** every sent transaction, by hash */
  readonly sent = new Map<string, Tx>();
  readonly receipts = new Map<string, Receipted>();
  /** submissions answered with an error (by code or message), not counting repeats of a sent one */
  readonly submitErrors = new Map<string, number>();
  /** tx_submit calls, repeats included */
  submits = 0;
  /** sent, no receipt yet */
  private readonly open = new Map<string, Tx>();
  private readonly openBySender: number[] = [];
  private readonly unsent: Tx[][] = [];
  private readonly nonces: bigint[] = [];
  private created = 0;
  private rr = 0;
  private nextSender = 0;
  private stopped = false;
  private readonly startedAt = Date.now();
  private readonly to: Uint8Array;

  constructor(private readonly net: ChaosNet, readonly o: LoadOptions) {
    for (let s = 0; s < o.senders; s++) { this.unsent.push([]); this.nonces.push(0n); this.openBySender.push(0); }
    this.to = devAccount(o.senders).address;
  }

  get pending(): number { return this.open.size; }

  /** Stops creating transactions; what is sent keeps being chased until drain() gives up. */
  stop(): void { this.stopped = true; }

  private inFlight(s: number): number { return this.unsent[s]!.length + this.openBySender[s]!; }

  /** Whether another transaction may be created now (limit, rate). */
  private mayCreate(): boolean {
    if (this.stopped || (this.o.limit !== undefined && this.created >= this.o.limit)) return false;
    return this.o.rate === undefined || this.created < ((Date.now() - this.startedAt) / 1000) * this.o.rate;
  }

  /** Every transaction the limit allows is sent. */
  get allSent(): boolean { return this.o.limit !== undefined && this.sent.size >= this.o.limit; }

  /** New transactions, one sender after the other, while the limit, the rate and the windows allow. */
  private create(): void {
    let blocked = 0;
    while (blocked < this.o.senders && this.mayCreate()) {
      const s = this.nextSender++ % this.o.senders;
      if (this.inFlight(s) >= this.o.window) { blocked++; continue; }
      blocked = 0;
      const raw = encodeTx(signTx({ chainId: this.net.chainId, nonce: this.nonces[s]!++, fee: 1n, payload: { kind: 'transfer', to: this.to, amount: 1n } }, devAccountSeed(s)));
      this.unsent[s]!.push({ hash: '0x' + bytesToHex(sha256(raw)), raw: '0x' + bytesToHex(raw), sender: s, sentAt: 0, tries: 0 });
      this.created++;
    }
  }

  /** The next live validator, round robin; null when none is up. */
  private nextRpc() {
    const live = this.net.live();
    if (!live.length) return null;
    return this.net.rpc(live[this.rr++ % live.length]!);
  }

  /** One round: create, submit the unsent and the overdue, poll receipts. */
  async step(): Promise<void> {
    this.create();
    const now = Date.now();
    const due = [
      ...this.unsent.flatMap((q) => q),
      ...[...this.open.values()].filter((t) => now - t.sentAt > this.o.resendMs),
    ].slice(0, 100);
    const rpc = this.nextRpc();
    if (due.length && rpc) {
      this.submits += due.length;
      const res = await rpc.batch(due.map((t): BatchCall<NodeApi, 'tx_submit'> => ({ method: 'tx_submit', params: [t.raw] }))).catch((e: unknown) => {
        this.count((e as { code?: unknown }).code === undefined ? errorMessage(e).slice(0, 40) : String((e as { code: unknown }).code));
        return null;
      });
      res?.forEach((r, j) => {
        const t = due[j]!;
        t.tries++;
        if (r.ok || this.sent.has(t.hash)) {
          t.sentAt = now;
          if (!this.sent.has(t.hash)) {
            this.sent.set(t.hash, t);
            this.open.set(t.hash, t);
            this.openBySender[t.sender]!++;
            const q = this.unsent[t.sender]!;
            q.splice(q.indexOf(t), 1);
          }
        } else this.count(String(r.error.code) + ' ' + r.error.message.split(/[ :]/)[0]);
      });
    }
    await this.poll();
  }

  private count(key: string): void { this.submitErrors.set(key, (this.submitErrors.get(key) ?? 0) + 1); }

  private async poll(): Promise<void> {
    const rpc = this.nextRpc();
    const waiting = [...this.open.keys()];
    if (!rpc || !waiting.length) return;
    for (let i = 0; i < waiting.length; i += 100) {
      const chunk = waiting.slice(i, i + 100);
      const res = await rpc.batch(chunk.map((h): BatchCall<NodeApi, 'tx_getReceipt'> => ({ method: 'tx_getReceipt', params: [h] }))).catch(() => null);
      if (!res) return;
      res.forEach((r, j) => {
        const h = chunk[j]!;
        const t = this.open.get(h);
        if (!r.ok || !r.result || !t) return;
        this.receipts.set(h, { height: Number(r.result.height), index: r.result.index, at: Date.now() });
        this.open.delete(h);
        this.openBySender[t.sender]!--;
      });
    }
  }

  /** Rounds until stop(), about every `pauseMs`. */
  async run(pauseMs: number, until: () => boolean): Promise<void> {
    while (!until()) {
      await this.step();
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }

  /** After stop(): rounds until every sent transaction has a receipt, or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<void> {
    this.stop();
    const end = Date.now() + timeoutMs;
    while ((this.pending > 0 || this.unsent.some((q) => q.length)) && Date.now() < end) {
      await this.step();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
