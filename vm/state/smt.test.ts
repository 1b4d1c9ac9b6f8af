import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  SparseMerkleTree, verifySmtProof, encodeSmtProof, decodeSmtProof, smtLeafHash, smtInnerHash, SmtError,
  type SmtProof,
} from './smt.ts';

const h = (s: string): Uint8Array => Uint8Array.from(createHash('sha256').update(s).digest());
const hex = (b: Uint8Array | string) => typeof b === 'string' ? b : Buffer.from(b).toString('hex');
const key = (i: number) => h(`key-${i}`);
const val = (i: number, v = 0) => h(`val-${i}-${v}`);
const ZERO = new Uint8Array(32);

/** Deterministic shuffle (sha256-driven Fisher-Yates). */
function shuffle<T>(xs: T[], label: string): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const r = h(`${label}:${i}`);
    const j = ((r[0] << 16) | (r[1] << 8) | r[2]) % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Reference root computed directly from the definition (non-incremental). */
function referenceRoot(pairs: Array<[Uint8Array, Uint8Array]>): Uint8Array {
  const bit = (k: Uint8Array, d: number) => (k[d >> 3] >> (7 - (d & 7))) & 1;
  const rec = (ps: Array<[Uint8Array, Uint8Array]>, d: number): Uint8Array => {
    if (ps.length === 0) return ZERO;
    if (ps.length === 1) return smtLeafHash(ps[0][0], ps[0][1]);
    return smtInnerHash(rec(ps.filter((p) => bit(p[0], d) === 0), d + 1), rec(ps.filter((p) => bit(p[0], d) === 1), d + 1));
  };
  return rec(pairs, 0);
}

test('empty tree: zero root, size 0, get undefined, non-inclusion proof verifies', () => {
  const t = SparseMerkleTree.empty();
  assert.deepEqual(t.root(), ZERO);
  assert.equal(t.size, 0);
  assert.equal(t.get(key(1)), undefined);
  const p = t.prove(key(1));
  assert.deepEqual(p, { siblings: [], leaf: null });
  assert.equal(verifySmtProof(t.root(), key(1), null, p), true);
  assert.equal(verifySmtProof(t.root(), key(1), val(1), p), false);
});

test('single leaf: root is the leaf hash; two leaves: inner hash of the two in bit order', () => {
  const t1 = SparseMerkleTree.empty().update([[key(1), val(1)]]);
  assert.deepEqual(t1.root(), smtLeafHash(key(1), val(1)));
  const a = new Uint8Array(32); a[0] = 0x00;
  const b = new Uint8Array(32); b[0] = 0x80;
  const t2 = SparseMerkleTree.empty().update([[b, val(2)], [a, val(1)]]);
  assert.deepEqual(t2.root(), smtInnerHash(smtLeafHash(a, val(1)), smtLeafHash(b, val(2))));
  // keys sharing a 3-bit prefix: chain of inner nodes with empty siblings
  const c = new Uint8Array(32); c[0] = 0b00010000;
  const t3 = SparseMerkleTree.empty().update([[a, val(1)], [c, val(3)]]);
  const bottom = smtInnerHash(smtLeafHash(a, val(1)), smtLeafHash(c, val(3)));
  assert.deepEqual(t3.root(), smtInnerHash(smtInnerHash(smtInnerHash(bottom, ZERO), ZERO), ZERO));
});

test('root matches the reference definition and is independent of insertion order (shuffles, batch splits)', () => {
  const N = 500;
  const pairs: Array<[Uint8Array, Uint8Array]> = Array.from({ length: N }, (_, i) => [key(i), val(i)]);
  const ref = referenceRoot(pairs);
  const oneBatch = SparseMerkleTree.empty().update(pairs);
  assert.deepEqual(oneBatch.root(), ref);
  assert.equal(oneBatch.size, N);
  for (let s = 0; s < 5; s++) {
    const sh = shuffle(pairs, `order-${s}`);
    let t = SparseMerkleTree.empty();
    const step = 1 + s * 37;
    for (let i = 0; i < sh.length; i += step) t = t.update(sh.slice(i, i + step));
    assert.deepEqual(t.root(), ref, `shuffle ${s}`);
    assert.equal(t.size, N);
  }
});

test('deletions restore earlier roots exactly (canonical shape after collapse)', () => {
  const pairs: Array<[Uint8Array, Uint8Array]> = Array.from({ length: 300 }, (_, i) => [key(i), val(i)]);
  const base = SparseMerkleTree.empty().update(pairs.slice(0, 200));
  const grown = base.update(pairs.slice(200));
  const shrunk = grown.update(shuffle(pairs.slice(200), 'del').map(([k]) => [k, null]));
  assert.deepEqual(shrunk.root(), base.root());
  assert.equal(shrunk.size, 200);
  // delete everything, in random single-key steps
  let t = grown;
  for (const [k] of shuffle(pairs, 'all')) t = t.update([[k, null]]);
  assert.deepEqual(t.root(), ZERO);
  assert.equal(t.size, 0);
  // deleting a missing key is a no-op that keeps the same tree object
  assert.equal(base.update([[key(9999), null]]), base);
});

test('persistence: update returns a new tree and never changes the old one', () => {
  const t0 = SparseMerkleTree.empty().update(Array.from({ length: 100 }, (_, i) => [key(i), val(i)] as [Uint8Array, Uint8Array]));
  const r0 = hex(t0.root());
  const t1 = t0.update([[key(5), val(5, 1)], [key(500), val(500)], [key(7), null]]);
  assert.equal(hex(t0.root()), r0);
  assert.deepEqual(t0.get(key(5)), val(5));
  assert.deepEqual(t0.get(key(7)), val(7));
  assert.equal(t0.get(key(500)), undefined);
  assert.equal(t0.size, 100);
  assert.deepEqual(t1.get(key(5)), val(5, 1));
  assert.equal(t1.get(key(7)), undefined);
  assert.deepEqual(t1.get(key(500)), val(500));
  assert.equal(t1.size, 100);
  assert.notEqual(hex(t1.root()), r0);
  // caller mutating its input buffers afterwards does not corrupt the tree
  const k = key(1000), v = val(1000);
  const t2 = t1.update([[k, v]]);
  const root2 = hex(t2.root());
  k.fill(0); v.fill(0);
  assert.deepEqual(t2.get(key(1000)), val(1000));
  assert.equal(hex(t2.update([]).root()), root2);
  // setting the same value again keeps the same tree object
  assert.equal(t2.update([[key(1000), val(1000)]]), t2);
});

test('within one batch the last entry for a key wins', () => {
  const t = SparseMerkleTree.empty().update([[key(1), val(1)], [key(1), val(1, 2)], [key(2), val(2)], [key(2), null]]);
  assert.deepEqual(t.get(key(1)), val(1, 2));
  assert.equal(t.get(key(2)), undefined);
  assert.equal(t.size, 1);
  const u = t.update([[key(1), null], [key(1), val(1, 3)]]);
  assert.deepEqual(u.get(key(1)), val(1, 3));
});

test('proofs: inclusion and non-inclusion verify; wrong value/key/root/sibling fail', () => {
  const N = 400;
  const t = SparseMerkleTree.empty().update(Array.from({ length: N }, (_, i) => [key(i), val(i)] as [Uint8Array, Uint8Array]));
  const root = t.root();
  let otherLeafSeen = 0, emptySeen = 0;
  for (let i = 0; i < N + 200; i++) {
    const k = key(i);
    const p = t.prove(k);
    assert.ok(p.siblings.length < 40);
    if (i < N) {
      assert.equal(verifySmtProof(root, k, val(i), p), true, `inclusion ${i}`);
      assert.equal(verifySmtProof(root, k, val(i, 9), p), false);
      assert.equal(verifySmtProof(root, k, null, p), false, 'inclusion proof must not prove absence');
    } else {
      assert.equal(verifySmtProof(root, k, null, p), true, `non-inclusion ${i}`);
      assert.equal(verifySmtProof(root, k, val(i), p), false);
      if (p.leaf) otherLeafSeen++; else emptySeen++;
    }
    // tamper with a sibling
    if (p.siblings.length > 0) {
      const bad: SmtProof = { siblings: p.siblings.map((s) => s.slice()), leaf: p.leaf };
      bad.siblings[0][0] ^= 1;
      assert.equal(verifySmtProof(root, k, i < N ? val(i) : null, bad), false);
    }
    // JSON round trip
    const j = JSON.parse(JSON.stringify(encodeSmtProof(p)));
    assert.deepEqual(decodeSmtProof(j), p);
  }
  assert.ok(otherLeafSeen > 0 && emptySeen > 0, `both non-inclusion kinds exercised (${otherLeafSeen}, ${emptySeen})`);
  const other = SparseMerkleTree.empty().update([[key(0), val(0)]]).root();
  assert.equal(verifySmtProof(other, key(1), val(1), t.prove(key(1))), false);
});

test('non-inclusion cannot be faked with a leaf off the key path, nor by truncating the path', () => {
  const t = SparseMerkleTree.empty().update(Array.from({ length: 64 }, (_, i) => [key(i), val(i)] as [Uint8Array, Uint8Array]));
  const root = t.root();
  // Present key(3)'s real inclusion proof as "absence" of key(3): must fail.
  assert.equal(verifySmtProof(root, key(3), null, t.prove(key(3))), false);
  // key(3)'s proof proves the absence of another key only when that key's path really ends at key(3)'s leaf.
  const p3 = t.prove(key(3));
  let rejected = 0;
  for (let i = 100; i < 400; i++) {
    const ok = verifySmtProof(root, key(i), null, p3);
    assert.equal(ok, hex(encodeSmtProof(t.prove(key(i))).leaf?.key ?? '') === hex(key(3)) && t.prove(key(i)).siblings.length === p3.siblings.length, `key ${i}`);
    if (!ok) rejected++;
  }
  assert.ok(rejected > 250);
  // truncated siblings
  const p = t.prove(key(5));
  assert.equal(verifySmtProof(root, key(5), val(5), { siblings: p.siblings.slice(1), leaf: p.leaf }), false);
  assert.equal(verifySmtProof(root, key(5), val(5), { siblings: [...p.siblings, ZERO], leaf: p.leaf }), false);
});

test('verifySmtProof never throws on malformed input; decodeSmtProof throws SMT_BAD_PROOF', () => {
  const t = SparseMerkleTree.empty().update([[key(1), val(1)], [key(2), val(2)]]);
  const root = t.root();
  const junk: unknown[] = [null, undefined, 1, 'x', {}, { siblings: 'no' }, { siblings: [1], leaf: null }, { siblings: [], leaf: { key: 1 } },
    { siblings: new Array(257).fill(ZERO), leaf: null }];
  for (const j of junk) assert.equal(verifySmtProof(root, key(1), val(1), j as SmtProof), false);
  assert.equal(verifySmtProof(new Uint8Array(31), key(1), val(1), t.prove(key(1))), false);
  assert.equal(verifySmtProof(root, new Uint8Array(31), val(1), t.prove(key(1))), false);
  for (const j of [null, {}, { siblings: ['zz'] , leaf: null }, { siblings: [], leaf: { key: 'ab' } }, { siblings: [], leaf: 3 }, { siblings: ['AB'.repeat(32)], leaf: null }]) {
    assert.throws(() => decodeSmtProof(j), (e: unknown) => e instanceof SmtError && e.code === 'SMT_BAD_PROOF');
  }
});

test('bad keys and values throw typed SmtErrors', () => {
  const t = SparseMerkleTree.empty();
  assert.throws(() => t.update([[new Uint8Array(31), val(1)]]), (e: unknown) => e instanceof SmtError && e.code === 'SMT_BAD_KEY');
  assert.throws(() => t.update([[key(1), new Uint8Array(33)]]), (e: unknown) => e instanceof SmtError && e.code === 'SMT_BAD_VALUE');
  assert.throws(() => t.get(new Uint8Array(0)), (e: unknown) => e instanceof SmtError && e.code === 'SMT_BAD_KEY');
  assert.throws(() => t.prove(new Uint8Array(64)), (e: unknown) => e instanceof SmtError && e.code === 'SMT_BAD_KEY');
});

test('entries() lists every pair in key order; random mixed workload agrees with a Map model', () => {
  let t = SparseMerkleTree.empty();
  const model = new Map<string, Uint8Array>();
  for (let round = 0; round < 30; round++) {
    const batch: Array<[Uint8Array, Uint8Array | null]> = [];
    for (let j = 0; j < 40; j++) {
      const r = h(`w-${round}-${j}`);
      const k = key(r[0] % 120);
      const v = r[1] % 3 === 0 ? null : val(r[2], round);
      batch.push([k, v]);
    }
    for (const [k, v] of batch) { if (v === null) model.delete(hex(k)); else model.set(hex(k), v); }
    const prev = t;
    const prevRoot = hex(prev.root());
    t = t.update(batch);
    assert.equal(hex(prev.root()), prevRoot);
    assert.equal(t.size, model.size);
    const pairs = [...model.entries()].map(([k, v]) => [Uint8Array.from(Buffer.from(k, 'hex')), v] as [Uint8Array, Uint8Array]);
    assert.deepEqual(t.root(), referenceRoot(pairs));
    const listed = [...t.entries()].map(([k]) => hex(k));
    assert.deepEqual(listed, [...model.keys()].sort());
  }
});

test('measure: updates/s and root() cost, batches of 1k/10k into a 100k-key tree (logged, not asserted)', (t) => {
  const N = 100_000;
  const base: Array<[Uint8Array, Uint8Array]> = new Array(N);
  for (let i = 0; i < N; i++) base[i] = [key(i), val(i)];
  let t0 = performance.now();
  const tree = SparseMerkleTree.empty().update(base);
  const buildMs = performance.now() - t0;
  t0 = performance.now();
  const root0 = tree.root();
  const rootFullMs = performance.now() - t0;
  const lines = [`build ${N} keys: update ${buildMs.toFixed(0)} ms, first root() ${rootFullMs.toFixed(0)} ms`];
  for (const B of [1_000, 10_000]) {
    const batch: Array<[Uint8Array, Uint8Array | null]> = [];
    for (let i = 0; i < B; i++) batch.push(i % 2 === 0 ? [key(i * 7), val(i, 1)] : [key(N + i), val(N + i)]);
    t0 = performance.now();
    const next = tree.update(batch);
    const upMs = performance.now() - t0;
    t0 = performance.now();
    next.root();
    const rMs = performance.now() - t0;
    lines.push(`batch ${B}: update ${upMs.toFixed(1)} ms (${Math.round(B / (upMs / 1000))} updates/s), root() ${rMs.toFixed(1)} ms, total ${Math.round(B / ((upMs + rMs) / 1000))} updates/s incl. hashing`);
    assert.equal(next.size, N + B / 2);
  }
  assert.deepEqual(tree.root(), root0);
  for (const l of lines) t.diagnostic(l);
  process.stderr.write(lines.map((l) => `smt: ${l}\n`).join(''));
});

test('deepest case: keys differing only in the last bit give 255 inner levels and 256-sibling proofs', () => {
  const a = new Uint8Array(32);
  const b = new Uint8Array(32); b[31] = 1;
  const c = new Uint8Array(32).fill(0xff);
  const t = SparseMerkleTree.empty().update([[a, val(1)], [b, val(2)], [c, val(3)]]);
  assert.deepEqual(t.root(), referenceRoot([[a, val(1)], [b, val(2)], [c, val(3)]]));
  const pa = t.prove(a);
  assert.equal(pa.siblings.length, 256);
  assert.equal(verifySmtProof(t.root(), a, val(1), pa), true);
  assert.equal(verifySmtProof(t.root(), b, val(2), t.prove(b)), true);
  assert.equal(t.prove(c).siblings.length, 1);
  // absent key ...02 leaves a's path at bit 254: its path ends in an EMPTY subtree at depth 255
  const d = new Uint8Array(32); d[31] = 2;
  const pd = t.prove(d);
  assert.equal(pd.leaf, null);
  assert.equal(pd.siblings.length, 255);
  assert.equal(verifySmtProof(t.root(), d, null, pd), true);
  // JSON round trip at max depth, and deletion collapses the chain back to a single leaf
  assert.deepEqual(decodeSmtProof(JSON.parse(JSON.stringify(encodeSmtProof(pa)))), pa);
  const u = t.update([[b, null], [c, null]]);
  assert.deepEqual(u.root(), smtLeafHash(a, val(1)));
  assert.equal(u.prove(a).siblings.length, 0);
});

test('views with a byte offset are accepted and copied (keys/values as subarrays of a larger buffer)', () => {
  const big = new Uint8Array(100);
  for (let i = 0; i < 100; i++) big[i] = i;
  const k = big.subarray(3, 35), v = big.subarray(40, 72);
  const t = SparseMerkleTree.empty().update([[k, v]]);
  assert.deepEqual(t.root(), smtLeafHash(big.slice(3, 35), big.slice(40, 72)));
  assert.deepEqual(t.get(big.slice(3, 35)), big.slice(40, 72));
  big.fill(0);
  assert.deepEqual(t.get(Uint8Array.from({ length: 32 }, (_, i) => i + 3)), Uint8Array.from({ length: 32 }, (_, i) => i + 40));
});
