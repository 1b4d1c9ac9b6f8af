// Block pace: how long a block takes, estimated from the timestamps of recent committed blocks,
// so a verification task can be given a time budget that ends before the job's attest deadline.

const WINDOW = 32;

export class BlockPace {
  private readonly stamps: Array<{ height: bigint; ms: number }> = [];

  /** `fallbackMs` is used until two consecutive blocks have been seen. */
  constructor(private readonly fallbackMs: number) {}

  /** Records a committed block's header time (proposer clock, strictly increasing with height). */
  record(height: bigint, timestampMs: bigint): void {
    const last = this.stamps[this.stamps.length - 1];
    if (last && height <= last.height) return;
    this.stamps.push({ height, ms: Number(timestampMs) });
    if (this.stamps.length > WINDOW) this.stamps.shift();
  }

  /** Median milliseconds per block over the recent window (robust to one slow round). */
  msPerBlock(): number {
    const per: number[] = [];
    for (let i = 1; i < this.stamps.length; i++) {
      const a = this.stamps[i - 1]!, b = this.stamps[i]!;
      const blocks = Number(b.height - a.height);
      if (blocks > 0 && b.ms > a.ms) per.push((b.ms - a.ms) / blocks);
    }
    if (per.length === 0) return this.fallbackMs;
    per.sort((x, y) => x - y);
    return per[Math.floor(per.length / 2)]!;
  }

  /**
   * Milliseconds left to work on a job whose phase ends at `deadline` (the last height its tx may
   * land at) when the chain is at `height`, keeping `marginBlocks` blocks for the tx to be gossiped
   * and included. Never negative.
   */
  budgetMs(height: bigint, deadline: bigint, marginBlocks: number): number {
    const blocks = Number(deadline - height) - marginBlocks;
    return blocks <= 0 ? 0 : Math.floor(blocks * this.msPerBlock());
  }
}
