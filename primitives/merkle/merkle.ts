// Binary Merkle tree over SHA-256 with domain-separated leaves and inner nodes.
//   leaf  = SHA-256(0x00 || data)
//   inner = SHA-256(0x01 || left || right)
//   empty tree root = SHA-256(0x02)
// Odd-node rule: when a level has an odd number of nodes, the last node is promoted unchanged
// to the next level (it is never duplicated, so no two different leaf lists share a root).
import { sha256 } from '../sha256.ts';
import { equalBytes } from '../bytes.ts';
import { MerkleError } from '../errors.ts';

const EMPTY = new Uint8Array([2]);
const LEAF = Uint8Array.of(0);
const INNER = Uint8Array.of(1);

export const EMPTY_ROOT: Uint8Array = sha256(EMPTY);

// sha256 of several small parts copies them into one buffer and hashes once (primitives/sha256.ts):
// a block hashes two trees of ~2x its transaction count nodes through here.
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(LEAF, data);
}

export function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(INNER, left, right);
}

function checkNode(h: Uint8Array, what: string): void {
  if (!(h instanceof Uint8Array) || h.length !== 32) throw new MerkleError(`${what} must be 32 bytes`);
}

/** Root over already-hashed leaves (each from `leafHash`). */
export function merkleRootFromLeafHashes(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  leaves.forEach((l, i) => checkNode(l, `leaf hash ${i}`));
  let level = leaves.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(innerHash(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** Root over raw leaf data. */
export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  return merkleRootFromLeafHashes(items.map(leafHash));
}

/** An inclusion proof: the sibling hashes from the leaf upwards (promoted levels contribute none). */
export interface MerkleProof {
  index: number;
  count: number;
  siblings: Uint8Array[];
}

/** Proof for leaf `index` among `leaves` (leaf hashes). */
export function merkleProof(leaves: readonly Uint8Array[], index: number): MerkleProof {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new MerkleError(`proof index ${index} out of range 0..${leaves.length - 1}`);
  }
  const siblings: Uint8Array[] = [];
  let level = leaves.slice();
  let i = index;
  while (level.length > 1) {
    const sib = i ^ 1;
    if (sib < level.length) siblings.push(level[sib]!);
    const next: Uint8Array[] = [];
    for (let j = 0; j + 1 < level.length; j += 2) next.push(innerHash(level[j]!, level[j + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
    i = i >> 1;
  }
  return { index, count: leaves.length, siblings };
}

/** Recomputes the root from a leaf hash and its proof; true when it equals `root`. */
export function verifyMerkleProof(leaf: Uint8Array, proof: MerkleProof, root: Uint8Array): boolean {
  const { index, count, siblings } = proof;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) return false;
  if (leaf.length !== 32 || root.length !== 32) return false;
  let h = leaf;
  let i = index;
  let n = count;
  let k = 0;
  while (n > 1) {
    const sib = i ^ 1;
    if (sib < n) {
      const s = siblings[k++];
      if (!s || s.length !== 32) return false;
      h = (i & 1) === 0 ? innerHash(h, s) : innerHash(s, h);
    }
    i >>= 1;
    n = (n + 1) >> 1;
  }
  return k === siblings.length && equalBytes(h, root);
}
