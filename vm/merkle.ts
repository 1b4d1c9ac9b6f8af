import { sha256 } from './crypto/index.ts';

const LEAF = Uint8Array.of(0);
const INNER = Uint8Array.of(1);
const EMPTY_ROOT = new Uint8Array(32);

/**
 * Binary Merkle root over an ordered list of 32-byte leaf hashes (transactions, receipts).
 * Leaves and inner nodes are domain-separated; an odd node at the end of a level moves up unchanged.
 * The empty list has the all-zero root.
 */
export function orderedMerkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  let level = leaves.map((l) => sha256(LEAF, l));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? sha256(INNER, level[i]!, level[i + 1]!) : level[i]!);
    level = next;
  }
  return level[0]!;
}
