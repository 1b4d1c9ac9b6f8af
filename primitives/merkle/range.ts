// Range proofs: one proof for a contiguous run of leaves [from, to] in the tree of merkle.ts
// (same leaf/inner hashes, odd last node promoted unchanged). Cheaper than one proof per leaf,
// because the siblings inside the run are recomputed from the run itself.
//
// Sibling order (normative, docs/jobs.md JobReveal): level by level from the leaves up to the level
// below the root; at each level first the left neighbour of the run (when the run starts at an odd
// index), then the right neighbour (when the run ends at an even index that is not the last node of
// the level; a last node with no partner is promoted and needs none). A single-leaf range proof is
// therefore exactly merkleProof's sibling list.
import { equalBytes } from '../bytes.ts';
import { MerkleError } from '../errors.ts';
import { innerHash } from './merkle.ts';

/** One level up: pairs neighbours, promotes an unpaired last node. `row` starts at an even index. */
function pairUp(row: readonly Uint8Array[]): Uint8Array[] {
  const next: Uint8Array[] = [];
  for (let i = 0; i + 1 < row.length; i += 2) next.push(innerHash(row[i]!, row[i + 1]!));
  if (row.length % 2 === 1) next.push(row[row.length - 1]!);
  return next;
}

/** Proof for leaves from..to (inclusive) among `leafHashes`; siblings in the order documented above. */
export function merkleRangeProof(leafHashes: readonly Uint8Array[], from: number, to: number): Uint8Array[] {
  const n0 = leafHashes.length;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to >= n0) {
    throw new MerkleError(`range ${from}..${to} out of range 0..${n0 - 1}`);
  }
  leafHashes.forEach((l, i) => {
    if (!(l instanceof Uint8Array) || l.length !== 32) throw new MerkleError(`leaf hash ${i} must be 32 bytes`);
  });
  const siblings: Uint8Array[] = [];
  let level = leafHashes.slice();
  let lo = from;
  let hi = to;
  while (level.length > 1) {
    if (lo % 2 === 1) siblings.push(level[lo - 1]!);
    if (hi % 2 === 0 && hi + 1 < level.length) siblings.push(level[hi + 1]!);
    level = pairUp(level);
    lo >>= 1;
    hi >>= 1;
  }
  return siblings;
}

/**
 * True when `rangeLeafHashes` (leaf hashes, i.e. leafHash(data)) are the leaves from..from+len-1 of
 * a tree of `count` leaves with root `root`, given `siblings` in the documented order. Every
 * sibling must be used exactly once. Never throws: malformed input is simply not a valid proof.
 */
export function verifyMerkleRange(
  rangeLeafHashes: readonly Uint8Array[], from: number, count: number, siblings: readonly Uint8Array[], root: Uint8Array,
): boolean {
  try {
    if (!Array.isArray(rangeLeafHashes) || !Array.isArray(siblings)) return false;
    const len = rangeLeafHashes.length;
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(count) || len < 1 || from < 0 || count < 1 || from + len > count) return false;
    const is32 = (h: unknown): boolean => h instanceof Uint8Array && h.length === 32;
    if (!is32(root) || !rangeLeafHashes.every(is32) || !siblings.every(is32)) return false;
    let row: Uint8Array[] = rangeLeafHashes.slice();
    let lo = from;
    let n = count;
    let k = 0;
    while (n > 1) {
      const hi = lo + row.length - 1;
      if (lo % 2 === 1) {
        if (k >= siblings.length) return false;
        row.unshift(siblings[k++]!);
        lo -= 1;
      }
      if (hi % 2 === 0 && hi + 1 < n) {
        if (k >= siblings.length) return false;
        row.push(siblings[k++]!);
      }
      row = pairUp(row);
      lo >>= 1;
      n = (n + 1) >> 1;
    }
    return k === siblings.length && row.length === 1 && equalBytes(row[0]!, root);
  } catch {
    return false;
  }
}
