/**
 * Persistent compact sparse Merkle tree over 32-byte keys and 32-byte value hashes (docs/state-tree.md).
 *
 * - Keys are walked most-significant bit first; the node at depth d splits on key bit d.
 * - Compact: a subtree holding exactly one leaf IS that leaf (so depth is about log2(N));
 *   a subtree holding none is EMPTY; an inner node always holds >= 2 leaves.
 * - leaf = sha256(0x00 || key || valueHash), inner = sha256(0x01 || left || right), EMPTY = 32 zero bytes.
 * - Immutable, structure-sharing: update() returns a new tree and leaves the old one intact;
 *   untouched subtrees are shared. Hashes are computed lazily and cached per node, so a batch of
 *   updates hashes each dirty node once, on the next root()/prove().
 * - The shape depends only on the key set, so the root depends only on the (key, value) set.
 * Pure: no IO, no clocks, no randomness.
 */
import { CodedError, sha256 } from '../../primitives/index.ts';

export const SMT_KEY_LENGTH = 32;
export const SMT_HASH_LENGTH = 32;
export const SMT_MAX_DEPTH = 256;
const EMPTY_HASH: Uint8Array = new Uint8Array(32);

export type SmtErrorCode = 'SMT_BAD_KEY' | 'SMT_BAD_VALUE' | 'SMT_BAD_PROOF';

export class SmtError extends CodedError<SmtErrorCode> {}

class Leaf {
  hash: Uint8Array | undefined = undefined;
  constructor(readonly key: Uint8Array, readonly value: Uint8Array) {}
}

class Inner {
  hash: Uint8Array | undefined = undefined;
  readonly size: number;
  constructor(readonly left: SmtNode, readonly right: SmtNode) {
    this.size = nodeSize(left) + nodeSize(right);
  }
}

type SmtNode = Leaf | Inner | null;

function nodeSize(n: SmtNode): number {
  return n === null ? 0 : n instanceof Leaf ? 1 : n.size;
}

const scratch = new Uint8Array(65);

/** sha256(0x00 || key || valueHash) */
export function smtLeafHash(key: Uint8Array, valueHash: Uint8Array): Uint8Array {
  scratch[0] = 0;
  scratch.set(key, 1);
  scratch.set(valueHash, 33);
  return sha256(scratch);
}

/** sha256(0x01 || left || right) */
export function smtInnerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  scratch[0] = 1;
  scratch.set(left, 1);
  scratch.set(right, 33);
  return sha256(scratch);
}

function hashOf(n: SmtNode): Uint8Array {
  if (n === null) return EMPTY_HASH;
  if (n.hash !== undefined) return n.hash;
  if (n instanceof Leaf) {
    n.hash = smtLeafHash(n.key, n.value);
  } else {
    const l = hashOf(n.left);
    const r = hashOf(n.right);
    n.hash = smtInnerHash(l, r);
  }
  return n.hash;
}

function bit(key: Uint8Array, depth: number): number {
  return (key[depth >> 3] >> (7 - (depth & 7))) & 1;
}

function cmp(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d;
  }
  return 0;
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

type Entry = { key: Uint8Array; value: Uint8Array | null };

/** First index in sorted es[lo..hi) whose key has bit `depth` set. */
function splitIndex(es: Entry[], lo: number, hi: number, depth: number): number {
  let a = lo, b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (bit(es[m].key, depth) === 0) a = m + 1; else b = m;
  }
  return a;
}

/** Builds the canonical subtree at `depth` for sorted, distinct, non-null entries es[lo..hi). */
function build(es: Entry[], lo: number, hi: number, depth: number): SmtNode {
  const n = hi - lo;
  if (n === 0) return null;
  if (n === 1) return new Leaf(es[lo].key, es[lo].value as Uint8Array);
  const mid = splitIndex(es, lo, hi, depth);
  return new Inner(build(es, lo, mid, depth + 1), build(es, mid, hi, depth + 1));
}

/** Joins two children into the canonical parent: collapses a lone leaf upward. */
function join(left: SmtNode, right: SmtNode): SmtNode {
  if (left === null && (right === null || right instanceof Leaf)) return right;
  if (right === null && left instanceof Leaf) return left;
  return new Inner(left, right);
}

/** Applies sorted distinct entries es[lo..hi) (all sharing the node's path prefix) to `node` at `depth`. */
function apply(node: SmtNode, es: Entry[], lo: number, hi: number, depth: number): SmtNode {
  if (lo === hi) return node;
  if (node === null) {
    const live: Entry[] = [];
    for (let i = lo; i < hi; i++) if (es[i].value !== null) live.push(es[i]);
    return build(live, 0, live.length, depth);
  }
  if (node instanceof Leaf) {
    // Merge the existing leaf into the entry list unless an entry overrides it.
    if (hi - lo === 1 && eq(es[lo].key, node.key)) {
      const v = es[lo].value;
      if (v === null) return null;
      return eq(v, node.value) ? node : new Leaf(node.key, v);
    }
    const live: Entry[] = [];
    let placed = false;
    for (let i = lo; i < hi; i++) {
      const e = es[i];
      if (!placed) {
        const c = cmp(node.key, e.key);
        if (c < 0) { live.push({ key: node.key, value: node.value }); placed = true; }
        else if (c === 0) {
          placed = true;
          if (e.value !== null) live.push(eq(e.value, node.value) ? { key: node.key, value: node.value } : e);
          continue;
        }
      }
      if (e.value !== null) live.push(e);
    }
    if (!placed) live.push({ key: node.key, value: node.value });
    if (live.length === 1 && live[0].key === node.key && live[0].value === node.value) return node;
    return build(live, 0, live.length, depth);
  }
  const mid = splitIndex(es, lo, hi, depth);
  const l = apply(node.left, es, lo, mid, depth + 1);
  const r = apply(node.right, es, mid, hi, depth + 1);
  if (l === node.left && r === node.right) return node;
  return join(l, r);
}

function checkKey(key: Uint8Array, where: string): void {
  if (!(key instanceof Uint8Array) || key.length !== SMT_KEY_LENGTH) {
    throw new SmtError('SMT_BAD_KEY', `${where}: key must be ${SMT_KEY_LENGTH} bytes`);
  }
}

/** Proof for one key: sibling hashes from the root down, and the leaf found where the key's path ends. */
export interface SmtProof {
  /** siblings[i] = hash of the sibling subtree at depth i + 1 on the key's path (root's child first). */
  siblings: Uint8Array[];
  /** The leaf at the end of the path (the key's own, or another key sharing the path), or null if empty. */
  leaf: { key: Uint8Array; valueHash: Uint8Array } | null;
}

/** JSON-friendly SmtProof (lowercase hex strings). */
export interface SmtProofJson {
  siblings: string[];
  leaf: { key: string; valueHash: string } | null;
}

export class SparseMerkleTree {
  private constructor(private readonly node: SmtNode) {}

  private static readonly EMPTY = new SparseMerkleTree(null);

  static empty(): SparseMerkleTree {
    return SparseMerkleTree.EMPTY;
  }

  /** Number of keys. */
  get size(): number {
    return nodeSize(this.node);
  }

  get(key: Uint8Array): Uint8Array | undefined {
    checkKey(key, 'SparseMerkleTree.get');
    let n = this.node;
    let depth = 0;
    while (n instanceof Inner) {
      n = bit(key, depth) === 0 ? n.left : n.right;
      depth++;
    }
    return n !== null && eq(n.key, key) ? n.value : undefined;
  }

  /**
   * Returns a new tree with the entries applied (null deletes); this tree is unchanged.
   * Within one batch, a later entry for the same key wins. Keys and values are copied.
   */
  update(entries: Array<[key: Uint8Array, valueHash: Uint8Array | null]>): SparseMerkleTree {
    if (entries.length === 0) return this;
    const es: Entry[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i];
      checkKey(k, 'SparseMerkleTree.update');
      if (v !== null && (!(v instanceof Uint8Array) || v.length !== SMT_HASH_LENGTH)) {
        throw new SmtError('SMT_BAD_VALUE', `SparseMerkleTree.update: value hash must be ${SMT_HASH_LENGTH} bytes or null`);
      }
      es[i] = { key: Uint8Array.from(k), value: v === null ? null : Uint8Array.from(v) };
    }
    // Stable sort, then keep the last entry per key.
    const order = es.map((_, i) => i).sort((a, b) => cmp(es[a].key, es[b].key) || a - b);
    const sorted: Entry[] = [];
    for (const i of order) {
      const e = es[i];
      if (sorted.length > 0 && eq(sorted[sorted.length - 1].key, e.key)) sorted[sorted.length - 1] = e;
      else sorted.push(e);
    }
    const next = apply(this.node, sorted, 0, sorted.length, 0);
    return next === this.node ? this : new SparseMerkleTree(next);
  }

  /** Root hash (32 zero bytes for the empty tree). Computes only hashes not yet cached. */
  root(): Uint8Array {
    return Uint8Array.from(hashOf(this.node));
  }

  /** Inclusion proof if the key is present, otherwise a non-inclusion proof. */
  prove(key: Uint8Array): SmtProof {
    checkKey(key, 'SparseMerkleTree.prove');
    const siblings: Uint8Array[] = [];
    let n = this.node;
    let depth = 0;
    while (n instanceof Inner) {
      if (bit(key, depth) === 0) { siblings.push(Uint8Array.from(hashOf(n.right))); n = n.left; }
      else { siblings.push(Uint8Array.from(hashOf(n.left))); n = n.right; }
      depth++;
    }
    return { siblings, leaf: n === null ? null : { key: Uint8Array.from(n.key), valueHash: Uint8Array.from(n.value) } };
  }

  /** All (key, valueHash) pairs in ascending key order. */
  *entries(): Generator<[Uint8Array, Uint8Array]> {
    const stack: SmtNode[] = [this.node];
    while (stack.length > 0) {
      const n = stack.pop() as SmtNode;
      if (n === null) continue;
      if (n instanceof Leaf) yield [n.key, n.value];
      else { stack.push(n.right); stack.push(n.left); }
    }
  }
}

function isBytes32(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === 32;
}

/**
 * Checks an inclusion proof (valueHash given) or a non-inclusion proof (valueHash null) against root.
 * Never throws: malformed input gives false.
 */
export function verifySmtProof(root: Uint8Array, key: Uint8Array, valueHash: Uint8Array | null, proof: SmtProof): boolean {
  try {
    if (!isBytes32(root) || !isBytes32(key)) return false;
    if (valueHash !== null && !isBytes32(valueHash)) return false;
    if (proof === null || typeof proof !== 'object' || !Array.isArray(proof.siblings)) return false;
    const sib = proof.siblings;
    if (sib.length > SMT_MAX_DEPTH) return false;
    for (const s of sib) if (!isBytes32(s)) return false;
    const leaf = proof.leaf;
    let h: Uint8Array;
    if (leaf === null) {
      if (valueHash !== null) return false;
      h = EMPTY_HASH;
    } else {
      if (typeof leaf !== 'object' || !isBytes32(leaf.key) || !isBytes32(leaf.valueHash)) return false;
      if (valueHash !== null) {
        if (!eq(leaf.key, key) || !eq(leaf.valueHash, valueHash)) return false;
      } else {
        if (eq(leaf.key, key)) return false;
        // The other leaf must lie on the key's path: share its first sib.length bits.
        for (let d = 0; d < sib.length; d++) if (bit(leaf.key, d) !== bit(key, d)) return false;
      }
      h = smtLeafHash(leaf.key, leaf.valueHash);
    }
    for (let d = sib.length - 1; d >= 0; d--) {
      h = bit(key, d) === 0 ? smtInnerHash(h, sib[d]) : smtInnerHash(sib[d], h);
    }
    return eq(h, root);
  } catch {
    return false;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function unhex32(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || !HEX64.test(s)) throw new SmtError('SMT_BAD_PROOF', `decodeSmtProof: ${what} must be 64 lowercase hex characters`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

export function encodeSmtProof(p: SmtProof): SmtProofJson {
  return {
    siblings: p.siblings.map(hex),
    leaf: p.leaf === null ? null : { key: hex(p.leaf.key), valueHash: hex(p.leaf.valueHash) },
  };
}

/** Parses the JSON form; throws SmtError SMT_BAD_PROOF on malformed input. */
export function decodeSmtProof(j: unknown): SmtProof {
  if (j === null || typeof j !== 'object') throw new SmtError('SMT_BAD_PROOF', 'decodeSmtProof: expected an object');
  const o = j as { siblings?: unknown; leaf?: unknown };
  if (!Array.isArray(o.siblings)) throw new SmtError('SMT_BAD_PROOF', 'decodeSmtProof: siblings must be an array');
  if (o.siblings.length > SMT_MAX_DEPTH) throw new SmtError('SMT_BAD_PROOF', `decodeSmtProof: more than ${SMT_MAX_DEPTH} siblings`);
  const siblings = o.siblings.map((s, i) => unhex32(s, `siblings[${i}]`));
  let leaf: SmtProof['leaf'] = null;
  if (o.leaf !== null) {
    if (o.leaf === undefined || typeof o.leaf !== 'object') throw new SmtError('SMT_BAD_PROOF', 'decodeSmtProof: leaf must be an object or null');
    const l = o.leaf as { key?: unknown; valueHash?: unknown };
    leaf = { key: unhex32(l.key, 'leaf.key'), valueHash: unhex32(l.valueHash, 'leaf.valueHash') };
  }
  return { siblings, leaf };
}
