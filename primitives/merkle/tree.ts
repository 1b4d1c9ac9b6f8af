// A Merkle tree kept in memory level by level, with the leaf/inner rules and the odd-node promotion
// of primitives/merkle/merkle.ts (same roots, same sibling lists). merkleProof and
// merkleRangeProof rebuild the whole tree per call; a server answering one proof per chunk or per
// sample, or a solver building dozens of reveal items over T + 1 leaves, would pay O(n) hashes for
// each. Here the tree is built once (flat buffers: 32 bytes per node, no per-node objects) and every
// proof is a lookup.
import { EMPTY_ROOT, innerHash } from './merkle.ts';
import { MerkleError } from '../errors.ts';

export class MerkleTree {
  /** levels[0] holds the leaf hashes, each level one flat buffer of 32-byte nodes. */
  private readonly levels: Uint8Array[] = [];
  private readonly sizes: number[] = [];

  /** `leafHashes`: n leaf hashes (leafHash(data)) as one flat buffer of n * 32 bytes. */
  constructor(leafHashes: Uint8Array) {
    if (leafHashes.length % 32 !== 0) throw new MerkleError(`leaf hash buffer of ${leafHashes.length} bytes is not a multiple of 32`);
    let level = leafHashes;
    let n = leafHashes.length / 32;
    this.levels.push(level);
    this.sizes.push(n);
    while (n > 1) {
      const m = (n + 1) >> 1;
      const next = new Uint8Array(m * 32);
      for (let i = 0; i + 1 < n; i += 2) next.set(innerHash(level.subarray(i * 32, i * 32 + 32), level.subarray(i * 32 + 32, i * 32 + 64)), (i >> 1) * 32);
      if (n % 2 === 1) next.set(level.subarray((n - 1) * 32, n * 32), (m - 1) * 32);
      level = next;
      n = m;
      this.levels.push(level);
      this.sizes.push(n);
    }
  }

  static fromLeafHashes(leafHashes: readonly Uint8Array[]): MerkleTree {
    const flat = new Uint8Array(leafHashes.length * 32);
    leafHashes.forEach((h, i) => {
      if (h.length !== 32) throw new MerkleError(`leaf hash ${i} is ${h.length} bytes, not 32`);
      flat.set(h, i * 32);
    });
    return new MerkleTree(flat);
  }

  get count(): number {
    return this.sizes[0]!;
  }

  get root(): Uint8Array {
    return this.count === 0 ? EMPTY_ROOT : this.node(this.levels.length - 1, 0);
  }

  /** A copy: callers put nodes into messages that outlive the tree. */
  private node(level: number, i: number): Uint8Array {
    return this.levels[level]!.slice(i * 32, i * 32 + 32);
  }

  private check(from: number, to: number): void {
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to >= this.count) {
      throw new MerkleError(`leaf range ${from}..${to} outside 0..${this.count - 1}`);
    }
  }

  /** Leaf hash `index`. */
  leaf(index: number): Uint8Array {
    this.check(index, index);
    return this.node(0, index);
  }

  /** Siblings for leaf `index`, as ml-runtime merkleProof(...).siblings. */
  proof(index: number): Uint8Array[] {
    return this.rangeProof(index, index);
  }

  /** Siblings for leaves from..to (inclusive), in the order of ml-runtime merkleRangeProof. */
  rangeProof(from: number, to: number): Uint8Array[] {
    this.check(from, to);
    const out: Uint8Array[] = [];
    let lo = from;
    let hi = to;
    for (let L = 0; L < this.levels.length - 1; L++) {
      const n = this.sizes[L]!;
      if (lo % 2 === 1) out.push(this.node(L, lo - 1));
      if (hi % 2 === 0 && hi + 1 < n) out.push(this.node(L, hi + 1));
      lo >>= 1;
      hi >>= 1;
    }
    return out;
  }
}
