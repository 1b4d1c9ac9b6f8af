import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { verify, verifyNoble, publicKeyFromSeed, sign, signNoble, publicKeyFromSeedNoble, hexToBytes, bytesToHex, sha256 } from '../index.ts';
import { buildVectorFile, RFC8032, type Ed25519Vector } from './vectors/build.ts';

const file = JSON.parse(readFileSync(new URL('./vectors/ed25519-strict.json', import.meta.url), 'utf8')) as { vectors: Ed25519Vector[] };
const Point = ed25519.Point;
const L = Point.Fn.ORDER;

function fromLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}

/** A deliberately lax reference: ZIP-215 decoding, S reduced mod L, cofactored equation. */
function laxVerify(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    if (pk.length !== 32 || sig.length !== 64) return false;
    const A = Point.fromBytes(pk, true);
    const R = Point.fromBytes(sig.subarray(0, 32), true);
    const s = fromLE(sig.subarray(32)) % L;
    const k = fromLE(sha512.create().update(sig.subarray(0, 32)).update(pk).update(msg).digest()) % L;
    return Point.BASE.multiplyUnsafe(s).subtract(R).subtract(A.multiplyUnsafe(k)).clearCofactor().is0();
  } catch {
    return false;
  }
}

test('committed vector file equals the deterministic builder output', () => {
  assert.deepEqual(file, JSON.parse(JSON.stringify(buildVectorFile())));
  assert.ok(file.vectors.length >= 40);
});

test('the vector set covers every required case', () => {
  const names = file.vectors.map((v) => v.name).join('\n');
  for (const must of ['rfc8032-test-1', 'rfc8032-test-2', 'rfc8032-test-3', 'S + L', 'high bit garbage', 'non-canonical A', 'mixed-order A', 'mixed-order R', 'bytes', 'R = identity as y=p+1']) {
    assert.ok(names.includes(must), `missing vector: ${must}`);
  }
  assert.equal(file.vectors.filter((v) => v.name.startsWith('small-order A')).length, 14);
});

test('verify (node:crypto) and verifyNoble both return the expected result on every vector', () => {
  for (const v of file.vectors) {
    const pk = hexToBytes(v.publicKey), msg = hexToBytes(v.message), sig = hexToBytes(v.signature);
    assert.equal(verify(pk, msg, sig), v.valid, `verify: ${v.name}`);
    assert.equal(verifyNoble(pk, msg, sig), v.valid, `verifyNoble: ${v.name}`);
  }
});

test('vectors marked laxAccepts really pass a lax cofactored/ZIP-215 verifier (the strict rules matter)', () => {
  let n = 0;
  for (const v of file.vectors) {
    const lax = laxVerify(hexToBytes(v.publicKey), hexToBytes(v.message), hexToBytes(v.signature));
    if (v.laxAccepts) { assert.equal(lax, true, v.name); n++; }
    if (v.valid) assert.equal(lax, true, v.name);
  }
  assert.ok(n >= 20);
});

test('RFC 8032 tests 1-3: keys and signatures are reproduced by both implementations', () => {
  for (const t of RFC8032) {
    const seed = hexToBytes(t.seed), msg = hexToBytes(t.message);
    assert.equal(bytesToHex(publicKeyFromSeed(seed)), t.publicKey);
    assert.equal(bytesToHex(publicKeyFromSeedNoble(seed)), t.publicKey);
    assert.equal(bytesToHex(sign(seed, msg)), t.signature);
    assert.equal(bytesToHex(signNoble(seed, msg)), t.signature);
  }
});

/** Deterministic byte stream for reproducible randomized tests. */
function stream(label: string) {
  let ctr = 0;
  let buf: Uint8Array = new Uint8Array(0);
  let off = 0;
  return (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (off >= buf.length) { buf = sha256(new TextEncoder().encode(`${label}:${ctr++}`)); off = 0; }
      out[i] = buf[off++];
    }
    return out;
  };
}

test('randomized agreement: 300 random keys/messages, honest and with random bit flips', () => {
  const rnd = stream('agree');
  const int = (m: number) => { const b = rnd(4); return ((b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) >>> 0) % m; };
  let flipped = 0;
  for (let i = 0; i < 300; i++) {
    const seed = rnd(32);
    const msg = rnd(int(200));
    const pk = publicKeyFromSeed(seed);
    const sig = sign(seed, msg);
    assert.deepEqual(sig, signNoble(seed, msg));
    assert.equal(verify(pk, msg, sig), true);
    assert.equal(verifyNoble(pk, msg, sig), true);
    // One random bit flip in the public key, the signature or the message.
    const which = int(3);
    const p2 = pk.slice(), s2 = sig.slice(), m2 = msg.length > 0 ? msg.slice() : new Uint8Array([0]);
    const target = which === 0 ? p2 : which === 1 ? s2 : m2;
    const bitIndex = int(target.length * 8);
    target[bitIndex >> 3] ^= 1 << (bitIndex & 7);
    const a = verify(p2, which === 2 ? m2 : msg, s2);
    const b = verifyNoble(p2, which === 2 ? m2 : msg, s2);
    assert.equal(a, b, `disagreement at ${i} (flip in ${['pk', 'sig', 'msg'][which]} bit ${bitIndex})`);
    assert.equal(a, false);
    flipped++;
  }
  assert.equal(flipped, 300);
});

test('randomized agreement on garbage keys and signatures (incl. canonical S, torsion-shifted keys)', () => {
  const rnd = stream('garbage');
  const T = Point.fromBytes(hexToBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
  let agreeTrue = 0;
  for (let i = 0; i < 200; i++) {
    const msg = rnd(16);
    const sig = rnd(64);
    if (i % 2 === 0) sig[63] &= 0x0f; // often canonical S
    let pk = rnd(32);
    if (i % 4 === 1) {
      // a mixed-order key with an honest-scalar signature
      const seed = rnd(32);
      const { scalar } = ed25519.utils.getExtendedPublicKey(seed);
      const shift = T.multiplyUnsafe(BigInt(1 + (i % 7)));
      pk = Point.BASE.multiply(scalar).add(shift).toBytes();
      const r = BigInt(1000 + i);
      const R = Point.BASE.multiply(r).toBytes();
      const k = fromLE(sha512.create().update(R).update(pk).update(msg).digest()) % L;
      const s = (r + k * scalar) % L;
      const sb = new Uint8Array(32);
      let x = s;
      for (let j = 0; j < 32; j++) { sb[j] = Number(x & 0xffn); x >>= 8n; }
      sig.set(R, 0); sig.set(sb, 32);
    }
    const a = verify(pk, msg, sig);
    const b = verifyNoble(pk, msg, sig);
    assert.equal(a, b, `disagreement at ${i}: pk=${bytesToHex(pk)} sig=${bytesToHex(sig)}`);
    if (a) agreeTrue++;
  }
  // Some torsion-shifted keys verify (k = 0 mod ord(shift)); pure garbage never does.
  assert.ok(agreeTrue >= 1 && agreeTrue < 50);
});
