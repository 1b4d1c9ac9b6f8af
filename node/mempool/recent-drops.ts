import type { CodedError } from '../../primitives/index.ts';

interface Drop {
  error: CodedError<string>;
  height: bigint; // committed height when it left
  until: bigint; // refused again while the committed height is below this
}

/**
 * Transactions that left the mempool without being included (a proposer's block left them out, they
 * stopped executing, or they expired), remembered for a while so that a peer's gossip cannot bring
 * them back in every round: offered again, they are refused with the code they left with. Bounded:
 * the oldest record goes first (a forgotten one is then judged by admission's checks again).
 */
export class RecentDrops {
  private readonly drops = new Map<string, Drop>(); // insertion order = age

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.drops.size;
  }

  add(key: string, error: CodedError<string>, height: bigint, until: bigint): void {
    this.drops.delete(key);
    this.drops.set(key, { error, height, until });
    while (this.drops.size > this.maxEntries) this.drops.delete(this.drops.keys().next().value!);
  }

  /** The record of `key` if it still bars re-admission at committed height `height`. */
  get(key: string, height: bigint): Drop | undefined {
    const d = this.drops.get(key);
    if (d && height >= d.until) {
      this.drops.delete(key);
      return undefined;
    }
    return d;
  }

  /** Forgets every record that no longer bars anything. */
  prune(height: bigint): void {
    for (const [k, d] of this.drops) if (height >= d.until) this.drops.delete(k);
  }
}
