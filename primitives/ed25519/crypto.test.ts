import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  sha256, bytesToHex, hexToBytes, equalBytes, compareBytes, concatBytes,
  publicKeyFromSeed, sign, verify, verifyNoble,
  ADDRESS_LENGTH, addressFromPublicKey, encodeAddress, decodeAddress, isAddress,
  CryptoError, AddressError, ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, ED25519_SEED_LENGTH,
  SMALL_ORDER_ENCODINGS,
} from '../index.ts';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bech32, bech32m } from '@scure/base';
import { isCanonicalPointEncoding, isCanonicalScalar } from './rules.ts';

const enc = (s: string) => new TextEncoder().encode(s);

test('sha256: known vectors, multi-part equals concatenation, subarray views', () => {
  assert.equal(bytesToHex(sha256(enc('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(bytesToHex(sha256()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(bytesToHex(sha256(enc('a'), enc(''), enc('bc'))), bytesToHex(sha256(enc('abc'))));
  const big = new Uint8Array(100).map((_, i) => i);
  const view = big.subarray(10, 50);
  assert.equal(bytesToHex(sha256(view)), createHash('sha256').update(Buffer.from(big.slice(10, 50))).digest('hex'));
  const out = sha256(enc('x'));
  assert.ok(out instanceof Uint8Array);
  assert.equal(out.length, 32);
});

test('sha256 equals node:crypto\'s streamed digest for one part and many, around the 4 KiB copy limit, and each result owns its bytes', () => {
  const ref = (...parts: Uint8Array[]) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest('hex'); };
  const held: Array<[Uint8Array, string]> = [];
  for (const n of [0, 1, 31, 32, 55, 56, 63, 64, 65, 167, 4095, 4096, 4097, 9000]) {
    const d = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 255);
    const one = sha256(d);
    assert.equal(bytesToHex(one), ref(d), `${n} bytes`);
    held.push([one, ref(d)]);
    const [a, b, c] = [d.subarray(0, n >> 2), d.subarray(n >> 2, n >> 1), d.subarray(n >> 1)];
    const many = sha256(Uint8Array.of(n & 255), a, b, c);
    assert.equal(bytesToHex(many), ref(Uint8Array.of(n & 255), a, b, c), `${n} bytes in four parts`);
    held.push([many, ref(Uint8Array.of(n & 255), a, b, c)]);
  }
  // every digest byte value is read back exactly (one char per byte): 2,000 digests cover 0..255 in every position
  const seen = Array.from({ length: 32 }, () => new Set<number>());
  for (let i = 0; i < 2_000; i++) {
    const d = Uint32Array.of(i);
    const got = sha256(new Uint8Array(d.buffer));
    assert.equal(bytesToHex(got), ref(new Uint8Array(d.buffer)));
    got.forEach((x, j) => seen[j]!.add(x));
  }
  assert.ok(seen.every((s) => s.has(0) && s.has(0x7f) && s.has(0x80) && s.has(0xff) && s.size > 250));
  for (const [got, want] of held) assert.equal(bytesToHex(got), want, 'a later hash did not change an earlier result');
});

test('bytesToHex: every byte value, views at an offset, small and large arrays, Buffers', () => {
  const ref = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(bytesToHex(all), ref(all));
  assert.equal(bytesToHex(all.subarray(250, 256)), 'fafbfcfdfeff', 'a view reads its own bytes, not its buffer\'s start');
  assert.equal(bytesToHex(new Uint8Array(0)), '');
  assert.equal(bytesToHex(Uint8Array.of(0, 15, 16, 255)), '000f10ff'); // a small array V8 keeps on its heap
  assert.equal(bytesToHex(Buffer.from([1, 2, 254])), '0102fe');
  const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 255);
  assert.equal(bytesToHex(big.subarray(3)), ref(big.subarray(3)));
});

test('hex helpers round-trip and reject bad input with CRYPTO_BAD_HEX', () => {
  const b = Uint8Array.from([0, 1, 0xab, 0xff]);
  assert.equal(bytesToHex(b), '0001abff');
  assert.deepEqual(hexToBytes('0001ABff'), b);
  assert.deepEqual(hexToBytes(''), new Uint8Array(0));
  for (const bad of ['abc', 'zz', '0x00', ' 00', '0g']) {
    assert.throws(() => hexToBytes(bad), (e: unknown) => e instanceof CryptoError && e.code === 'CRYPTO_BAD_HEX', bad);
  }
  assert.equal(bytesToHex(b.subarray(1, 3)), '01ab');
});

test('equalBytes / compareBytes / concatBytes', () => {
  assert.equal(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
  assert.equal(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
  assert.equal(equalBytes(Uint8Array.of(1), Uint8Array.of(1, 0)), false);
  assert.equal(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), -1);
  assert.equal(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 9)), 1);
  assert.equal(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0)), -1);
  assert.equal(compareBytes(Uint8Array.of(1, 0), Uint8Array.of(1)), 1);
  assert.equal(compareBytes(Uint8Array.of(7, 7), Uint8Array.of(7, 7)), 0);
  assert.deepEqual(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)), Uint8Array.of(1, 2, 3));
});

test('constants', () => {
  assert.equal(ED25519_PUBLIC_KEY_LENGTH, 32);
  assert.equal(ED25519_SIGNATURE_LENGTH, 64);
  assert.equal(ED25519_SEED_LENGTH, 32);
  assert.equal(ADDRESS_LENGTH, 20);
});

test('sign is deterministic, verifies, and rejects a wrong-length seed with CRYPTO_BAD_SEED', () => {
  const seed = sha256(enc('seed'));
  const pk = publicKeyFromSeed(seed);
  assert.equal(pk.length, 32);
  const s1 = sign(seed, enc('hello'));
  assert.deepEqual(sign(seed, enc('hello')), s1);
  assert.equal(verify(pk, enc('hello'), s1), true);
  assert.equal(verify(pk, enc('hellO'), s1), false);
  for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(64)]) {
    assert.throws(() => sign(bad, enc('x')), (e: unknown) => e instanceof CryptoError && e.code === 'CRYPTO_BAD_SEED');
    assert.throws(() => publicKeyFromSeed(bad), (e: unknown) => e instanceof CryptoError && e.code === 'CRYPTO_BAD_SEED');
  }
});

test('verify and verifyNoble never throw on junk input', () => {
  const seed = sha256(enc('junk'));
  const pk = publicKeyFromSeed(seed);
  const sig = sign(seed, enc('m'));
  const junk: unknown[] = [null, undefined, 'abc', 42, {}, [], new Uint8Array(0), new Uint8Array(32), new Uint8Array(64), new Uint8Array(1000)];
  for (const f of [verify, verifyNoble]) {
    for (const j of junk) {
      assert.equal((f as (...a: unknown[]) => boolean)(j, enc('m'), sig), false);
      if (!(j instanceof Uint8Array)) assert.equal((f as (...a: unknown[]) => boolean)(pk, j, sig), false);
      assert.equal((f as (...a: unknown[]) => boolean)(pk, enc('m'), j), false);
    }
    assert.equal(f(pk, enc('m'), sig), true);
  }
});

test('verify works after the public-key cache overflows (bounded cache, eviction safe)', () => {
  const keys: Array<[Uint8Array, Uint8Array, Uint8Array]> = [];
  for (let i = 0; i < 9000; i += 97) {
    const seed = sha256(enc(`k${i}`));
    keys.push([publicKeyFromSeed(seed), enc(`m${i}`), sign(seed, enc(`m${i}`))]);
  }
  // push many distinct (invalid-signature) keys through the cache
  for (let i = 0; i < 9000; i++) {
    const pk = ed25519.Point.BASE.multiply(BigInt(i + 2)).toBytes();
    assert.equal(verify(pk, enc('x'), new Uint8Array(64)), false);
  }
  for (const [pk, m, s] of keys) assert.equal(verify(pk, m, s), true);
});

test('small-order encodings list: each point has order dividing 8, and there are 8 distinct ones', () => {
  const seen = new Set<string>();
  for (const e of SMALL_ORDER_ENCODINGS) {
    const p = ed25519.Point.fromBytes(e);
    assert.equal(p.multiplyUnsafe(8n).is0(), true);
    assert.equal(bytesToHex(p.toBytes()), bytesToHex(e)); // canonical
    seen.add(bytesToHex(e));
  }
  assert.equal(seen.size, 8);
});

test('canonical scalar / point-encoding pre-checks at their boundaries', () => {
  const L = ed25519.Point.Fn.ORDER;
  const P = ed25519.Point.Fp.ORDER;
  const le = (n: bigint) => { const b = new Uint8Array(32); for (let i = 0; i < 32; i++) { b[i] = Number(n & 0xffn); n >>= 8n; } return b; };
  const sigWithS = (s: bigint) => { const b = new Uint8Array(64); b.set(le(s), 32); return b; };
  assert.equal(isCanonicalScalar(sigWithS(L - 1n)), true);
  assert.equal(isCanonicalScalar(sigWithS(0n)), true);
  assert.equal(isCanonicalScalar(sigWithS(L)), false);
  assert.equal(isCanonicalScalar(sigWithS(L + 1n)), false);
  assert.equal(isCanonicalScalar(sigWithS((1n << 256n) - 1n)), false);
  assert.equal(isCanonicalPointEncoding(le(P - 1n)), true);
  assert.equal(isCanonicalPointEncoding(le(P)), false);
  assert.equal(isCanonicalPointEncoding(le(P + 18n)), false);
  assert.equal(isCanonicalPointEncoding(le((1n << 255n) - 1n)), false);
  const withSign = (n: bigint) => { const b = le(n); b[31] |= 0x80; return b; };
  assert.equal(isCanonicalPointEncoding(withSign(P - 20n)), true);
  assert.equal(isCanonicalPointEncoding(withSign(P)), false);
  assert.equal(isCanonicalPointEncoding(withSign(1n)), false); // x = 0, sign set
  assert.equal(isCanonicalPointEncoding(withSign(P - 1n)), false); // x = 0, sign set
  assert.equal(isCanonicalPointEncoding(withSign(2n)), true);
  assert.equal(isCanonicalPointEncoding(le(1n)), true);
});

test('addresses: derivation, bech32m round trip, pol prefix', () => {
  const pk = hexToBytes('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const addr = addressFromPublicKey(pk);
  assert.equal(addr.length, 20);
  assert.deepEqual(addr, sha256(pk).slice(0, 20));
  const s = encodeAddress(addr);
  assert.equal(s, 'pol1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tx5yxh7');
  assert.match(s, /^pol1[02-9ac-hj-np-z]{38}$/);
  assert.deepEqual(decodeAddress(s), addr);
  assert.deepEqual(decodeAddress(s.toUpperCase()), addr);
  assert.equal(isAddress(s), true);
  assert.equal(isAddress(s.toUpperCase()), true);
  assert.throws(() => addressFromPublicKey(new Uint8Array(31)), AddressError);
  assert.throws(() => encodeAddress(new Uint8Array(32)), (e: unknown) => e instanceof AddressError && e.code === 'ADDRESS_INVALID' && /length/.test(e.message));
});

test('decodeAddress: each failure is ADDRESS_INVALID with a message saying why', () => {
  const s = encodeAddress(new Uint8Array(20).fill(7));
  const why = (bad: unknown, re: RegExp) => assert.throws(() => decodeAddress(bad as string), (e: unknown) => {
    assert.ok(e instanceof AddressError);
    assert.ok(e instanceof CryptoError);
    assert.equal(e.code, 'ADDRESS_INVALID');
    assert.match(e.message, re);
    return true;
  }, String(bad));
  const last = s[s.length - 1];
  why(s.slice(0, -1) + (last === 'q' ? 'p' : 'q'), /checksum/);
  // the same payload under another prefix, with a valid checksum
  why('bc1' + s.slice(4), /prefix/);
  // mixed case
  const j = s.slice(4).search(/[a-z]/) + 4;
  assert.ok(j >= 4);
  why(s.slice(0, j) + s[j].toUpperCase() + s.slice(j + 1), /mix/);
  why('POL1' + s.slice(4), /mix/);
  why('', /empty/);
  why('polx', /separator|malformed/);
  why(12 as unknown, /string/);
  // valid bech32m, right prefix, wrong payload length (19 and 32 bytes)
  why(bech32m.encode('pol', bech32m.toWords(new Uint8Array(19))), /length/);
  why(bech32m.encode('pol', bech32m.toWords(new Uint8Array(32))), /length/);
  // a bech32 (not bech32m) checksum is rejected
  why(bech32.encode('pol', bech32.toWords(new Uint8Array(20))), /checksum/);
  for (const bad of ['', 'pol1', s + 'q', s.slice(0, -2)]) assert.equal(isAddress(bad), false);
  assert.equal(isAddress(undefined), false);
});

test('verify/verifyNoble accept Buffers and offset subarray views, sign accepts a seed view', () => {
  const backing = new Uint8Array(300);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 13) & 0xff;
  const seedView = backing.subarray(5, 37);
  const pk = publicKeyFromSeed(seedView);
  assert.deepEqual(pk, publicKeyFromSeed(backing.slice(5, 37)));
  const msgView = backing.subarray(100, 150);
  const sig = sign(seedView, msgView);
  backing.set(pk, 160);
  backing.set(sig, 200);
  const pkView = backing.subarray(160, 192), sigView = backing.subarray(200, 264);
  assert.equal(verify(pkView, msgView, sigView), true);
  assert.equal(verifyNoble(pkView, msgView, sigView), true);
  assert.equal(verify(Buffer.from(pk), Buffer.from(msgView), Buffer.from(sig)), true);
  assert.equal(verifyNoble(Buffer.from(pk), Buffer.from(msgView), Buffer.from(sig)), true);
  assert.equal(verify(pkView, backing.subarray(101, 151), sigView), false);
});
