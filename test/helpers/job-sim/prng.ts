// Deterministic pseudo-random choices for tests (which segments a cheater fakes).
import { sha256, utf8 } from '../../../primitives/index.ts';


/** Deterministic pseudo-random generator (SHA-256 in counter mode) for choosing faked segments. */
export class Prng {
  private counter = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private off = 0;
  constructor(private readonly seed: Uint8Array) {}
  u32(): number {
    if (this.off + 4 > this.buf.length) { this.buf = sha256(this.seed, utf8(`/${this.counter++}`)); this.off = 0; }
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.off, 4).getUint32(0);
    this.off += 4;
    return v;
  }
  /** uniform in [0, n) (rejection sampling) */
  below(n: number): number {
    const lim = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) { const v = this.u32(); if (v < lim) return v % n; }
  }
  /** `m` distinct values from [0, n), ascending */
  choose(m: number, n: number): number[] {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < m; i++) { const j = i + this.below(n - i); [a[i], a[j]] = [a[j]!, a[i]!]; }
    return a.slice(0, m).sort((x, y) => x - y);
  }
}

