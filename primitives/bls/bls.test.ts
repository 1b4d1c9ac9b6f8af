// The mcl backend against the noble reference: every verdict on every case here must be the same on
// both (consensus: a signature one node accepts every node must accept), and signatures the same bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { blsReady, blsBackend, setBlsBackend, blsSign, blsVerify, blsVerifyMany, isBlsPublicKey, blsPrepare } from './index.ts';
import { KAT_DST, KAT_HASH, mclHeapBytes, mclSignatureDecodes } from './mcl.ts';
import { sha256, bytesToHex, utf8, concatBytes } from '../index.ts';

const DST = 'POLCHAIN_BEACON_BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_';
const nb = bls12_381.longSignatures;
const { Fp, Fp2 } = bls12_381.fields;
const P = Fp.ORDER;

type Item = { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array };
const both = <T>(f: () => T): { noble: T; mcl: T } => {
  setBlsBackend('noble');
  const noble = f();
  setBlsBackend('mcl');
  const mcl = f();
  setBlsBackend('auto');
  return { noble, mcl };
};
/** Asserts both backends agree, and that they say `expected` (so no case passes by both being wrong). */
const same = <T>(what: string, f: () => T, expected?: T) => {
  const r = both(f);
  assert.deepEqual(r.mcl, r.noble, `${what}: mcl ${String(r.mcl)} vs noble ${String(r.noble)}`);
  if (expected !== undefined) assert.deepEqual(r.noble, expected, what);
};

const secretOf = (i: number) => nb.keygen(concatBytes(sha256(utf8(`bls-test-key-${i}`)), new Uint8Array(16))).secretKey;
const pkOf = (sk: Uint8Array) => nb.getPublicKey(sk).toBytes();
const be48 = (x: bigint) => Uint8Array.from({ length: 48 }, (_, i) => Number((x >> BigInt(8 * (47 - i))) & 0xffn));
const sortBit = (parts: bigint[]) => { for (const p of parts) if (p !== 0n) return p * 2n / P === 1n; return false; };
const flags = (b: Uint8Array, bits: number) => { const c = Uint8Array.from(b); c[0] |= bits; return c; };
const xorAt = (b: Uint8Array, i: number, v: number) => { const c = Uint8Array.from(b); c[i]! ^= v; return c; };

/** A G1 point on the curve outside the prime-order subgroup, encoded as noble would. */
function nonSubgroupG1(): Uint8Array {
  for (let x = 1n; ; x++) {
    let y: bigint;
    try { y = Fp.sqrt(Fp.add(Fp.pow(x, 3n), 4n)); } catch { continue; }
    if (bls12_381.G1.Point.fromAffine({ x, y }).isTorsionFree()) continue;
    return flags(be48(x), 0x80 | (sortBit([y]) ? 0x20 : 0));
  }
}
/** A G2 point on the curve outside the subgroup (the map's output before cofactor clearing would do too). */
function nonSubgroupG2(): Uint8Array {
  for (let k = 1n; ; k++) {
    const x = Fp2.create({ c0: k, c1: 1n });
    let y;
    try { y = Fp2.sqrt(Fp2.add(Fp2.pow(x, 3n), Fp2.create({ c0: 4n, c1: 4n }))); } catch { continue; }
    if (!y || bls12_381.G2.Point.fromAffine({ x, y }).isTorsionFree()) continue;
    return flags(concatBytes(be48(x.c1), be48(x.c0)), 0x80 | (sortBit([y.c1, y.c0]) ? 0x20 : 0));
  }
}
/** The same point with its x coordinate (first 48-byte field) written as x + p, if that fits in 381 bits. */
function plusP(enc: Uint8Array): Uint8Array | null {
  const x = BigInt('0x' + bytesToHex(enc.subarray(0, 48))) & ((1n << 381n) - 1n);
  if (x + P >= 1n << 381n) return null;
  const c = Uint8Array.from(enc);
  c.set(be48(x + P), 0);
  c[0] |= enc[0]! & 0xe0;
  return c;
}

before(async () => {
  assert.equal(await blsReady(), true, 'mcl-wasm loads');
  assert.equal(blsBackend(), 'mcl');
});
after(() => setBlsBackend('auto'));

test('the load-time known answer is what noble computes', () => {
  assert.equal(bytesToHex(nb.hash(utf8('polchain/bls-kat'), KAT_DST).toBytes()), KAT_HASH);
});

test('valid triples: same signature bytes, both verify; tampered messages, signatures and swapped keys fail on both', () => {
  const sks = Array.from({ length: 6 }, (_, i) => secretOf(i));
  const pks = sks.map(pkOf);
  const msgs = [new Uint8Array(0), utf8('a'), sha256(utf8('x')), new Uint8Array(200).fill(7), new Uint8Array(70_000).fill(1)];
  for (const [i, sk] of sks.entries()) {
    for (const m of msgs) {
      const sig = both(() => blsSign(sk, m, DST));
      assert.equal(bytesToHex(sig.mcl), bytesToHex(sig.noble), 'signatures are unique: same bytes');
      const s = sig.noble;
      same('valid', () => blsVerify(pks[i]!, m, s, DST), true);
      same('other key', () => blsVerify(pks[(i + 1) % pks.length]!, m, s, DST), false);
      same('tampered message', () => blsVerify(pks[i]!, concatBytes(m, new Uint8Array([0])), s, DST), false);
      same('other DST', () => blsVerify(pks[i]!, m, s, DST + 'X'), false);
      for (const at of [0, 1, 47, 48, 95]) for (const v of [0x01, 0x20, 0x40, 0x80]) {
        same(`sig byte ${at} ^ ${v}`, () => blsVerify(pks[i]!, m, xorAt(s, at, v), DST), false);
      }
    }
  }
});

test('DSTs (long, oversize, non-ASCII, empty) and non-byte messages: same signatures or both throw, same verdicts', () => {
  const sk = secretOf(3);
  const pk = pkOf(sk);
  const m = utf8('dst');
  for (const dst of ['A'.repeat(255), 'B'.repeat(256), 'C'.repeat(300), 'é-DST', '']) {
    const r = both(() => { try { return bytesToHex(blsSign(sk, m, dst)); } catch { return 'throws'; } });
    assert.equal(r.mcl, r.noble, `sign under a DST of ${dst.length}`);
    const sig = nb.sign(nb.hash(m, 'A'.repeat(255)), sk).toBytes();
    same(`verify under a DST of ${dst.length}`, () => blsVerify(pk, m, sig, dst), dst === 'A'.repeat(255));
  }
  const R = bls12_381.fields.Fr.ORDER;
  for (const [name, bad] of [['31 bytes', new Uint8Array(31).fill(1)], ['zero', new Uint8Array(32)], ['r', be48(R).subarray(16)]] as const) {
    same(`secret ${name}`, () => { try { blsSign(bad, m, DST); return 'signed'; } catch { return 'throws'; } }, 'throws');
  }
  same('secret r + 1 reduces to 1: the hash itself', () => bytesToHex(blsSign(be48(R + 1n).subarray(16), m, DST)), bytesToHex(nb.hash(m, DST).toBytes()));
  const sig = nb.sign(nb.hash(m, DST), sk).toBytes();
  same('message as a plain array', () => blsVerify(pk, [...m] as unknown as Uint8Array, sig, DST), false);
});

test('decoding: identity, infinity with junk, flags, x >= p, off-subgroup, lengths give the same verdicts', () => {
  const sk = secretOf(1);
  const pk = pkOf(sk);
  const m = utf8('decode');
  const sig = nb.sign(nb.hash(m, DST), sk).toBytes();
  const inf48 = flags(new Uint8Array(48), 0xc0);
  const inf96 = flags(new Uint8Array(96), 0xc0);
  same('identity key', () => isBlsPublicKey(inf48), false);
  same('identity key verify', () => blsVerify(inf48, m, inf96, DST), false);
  same('identity signature', () => blsVerify(pk, m, inf96, DST), false);
  for (const [name, b] of [['junk', xorAt(inf48, 47, 1)], ['sort', flags(inf48, 0x20)], ['no compression', xorAt(inf48, 0, 0x80)]] as const) {
    same(`infinity key with ${name}`, () => isBlsPublicKey(b), false);
  }
  for (const b of [xorAt(inf96, 95, 1), xorAt(inf96, 50, 1), flags(inf96, 0x20), xorAt(inf96, 0, 0x80)]) {
    same('infinity signature with junk', () => blsVerify(pk, m, b, DST), false);
  }
  // mcl's own decoder reads "infinity + junk" as the identity; no verdict shows it (the identity never
  // verifies), so the decoders themselves are compared: the round trip in mcl.ts is what rejects it
  const nobleDecodes = (b: Uint8Array) => { try { nb.Signature.fromBytes(b); return true; } catch { return false; } };
  for (const b of [inf96, xorAt(inf96, 95, 1), xorAt(inf96, 50, 1), flags(inf96, 0x20), sig, xorAt(sig, 0, 0x20), nonSubgroupG2()]) {
    assert.equal(mclSignatureDecodes(b), nobleDecodes(b), `decoders differ on ${bytesToHex(b).slice(0, 8)}..${bytesToHex(b).slice(-4)}`);
  }
  same('valid key', () => isBlsPublicKey(pk), true);
  same('negated key (sort bit flipped) is a valid key', () => isBlsPublicKey(xorAt(pk, 0, 0x20)), true);
  same('key without compression flag', () => isBlsPublicKey(xorAt(pk, 0, 0x80)), false);
  same('key with infinity flag', () => isBlsPublicKey(flags(pk, 0x40)), false);
  same('signature with infinity flag', () => blsVerify(pk, m, flags(sig, 0x40), DST), false);
  same('off-subgroup key', () => isBlsPublicKey(nonSubgroupG1()), false);
  same('off-subgroup signature', () => blsVerify(pk, m, nonSubgroupG2(), DST), false);
  for (const n of [0, 47, 49, 96]) same(`key of ${n} bytes`, () => isBlsPublicKey(new Uint8Array(n).fill(0x80)), false);
  for (const n of [0, 48, 95, 97]) same(`signature of ${n} bytes`, () => blsVerify(pk, m, concatBytes(sig, new Uint8Array(97)).subarray(0, n), DST), false);
  same('not bytes', () => blsVerify(pk, m, [...sig] as unknown as Uint8Array, DST), false);
  // x >= p: a point with small x written as x + p; mcl reduces it, noble (the rule) refuses
  let keys = 0;
  let sigs = 0;
  for (let i = 0; i < 64 && (keys < 3 || sigs < 3); i++) {
    const s = secretOf(100 + i);
    const k = plusP(pkOf(s));
    if (k && keys < 3) { keys++; same('key with x + p', () => isBlsPublicKey(k), false); }
    const mi = utf8(`m${i}`);
    const g = nb.sign(nb.hash(mi, DST), s).toBytes();
    const g2 = plusP(g); // c1 + p
    if (g2 && sigs < 3) { sigs++; same('signature with c1 + p', () => blsVerify(pkOf(s), mi, g2, DST), false); }
  }
  assert.ok(keys >= 3 && sigs >= 3, 'found x + p encodings to try');
});

test('blsVerifyMany: all valid pass, one invalid fails, swapped signatures of one key fail, bad encodings fail', () => {
  const sks = [secretOf(10), secretOf(11), secretOf(12)];
  const items: Item[] = [];
  for (let h = 0; h < 12; h++) {
    const sk = sks[h % 3]!;
    const message = utf8(`beacon ${h}`);
    items.push({ publicKey: pkOf(sk), message, signature: nb.sign(nb.hash(message, DST), sk).toBytes() });
  }
  same('all valid', () => blsVerifyMany(items, DST), true);
  same('empty', () => blsVerifyMany([], DST), true);
  same('one tampered', () => blsVerifyMany(items.map((it, i) => (i === 5 ? { ...it, message: utf8('other') } : it)), DST), false);
  // items 0 and 3 share a key: their signatures swapped verify neither message, although the sums match
  const swapped = items.map((it, i) => (i === 0 ? { ...it, signature: items[3]!.signature } : i === 3 ? { ...it, signature: items[0]!.signature } : it));
  same('swapped within one key', () => blsVerifyMany(swapped, DST), false);
  same('identity signature', () => blsVerifyMany([...items, { ...items[0]!, signature: flags(new Uint8Array(96), 0xc0) }], DST), false);
  same('off-subgroup signature', () => blsVerifyMany([...items, { ...items[0]!, signature: nonSubgroupG2() }], DST), false);
  same('bad key', () => blsVerifyMany([...items, { ...items[0]!, publicKey: nonSubgroupG1() }], DST), false);
  same('short signature', () => blsVerifyMany([{ ...items[0]!, signature: items[0]!.signature.subarray(1) }], DST), false);
});

test('prepared hashes give the same answers; the WASM heap does not grow over many calls', () => {
  setBlsBackend('mcl');
  const sk = secretOf(20);
  const pk = pkOf(sk);
  const big = new Uint8Array(32_768).fill(9); // a leaked copy of each message would outgrow the heap fast
  const sig = blsSign(sk, big, DST);
  const mem = () => mclHeapBytes();
  for (let i = 0; i < 5; i++) blsVerify(pk, big, sig, DST); // warm up the allocator
  const start = mem();
  for (let i = 0; i < 300; i++) {
    const m = concatBytes(big, utf8(String(i)));
    blsPrepare(m, DST);
    assert.equal(blsVerify(pk, m, sig, DST), false);
    if (i % 10 === 0) assert.equal(blsVerify(pk, big, sig, DST), true);
    if (i % 50 === 0) assert.equal(blsVerifyMany([{ publicKey: pk, message: big, signature: sig }, { publicKey: pk, message: big, signature: sig }], DST), true);
  }
  assert.equal(mem(), start, 'WASM memory grew: a heap block is not freed');
  setBlsBackend('auto');
});
