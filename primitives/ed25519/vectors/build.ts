/**
 * Deterministic builder of the strict-ed25519 vector set committed as ed25519-strict.json.
 * Each vector's expected result follows from how it is built (not from running either verifier);
 * vectors.test.ts checks that the JSON equals buildVectors() and that verify and verifyNoble both
 * return `valid` on every vector. Regenerate (only when adding vectors) with:
 *   node --import tsx -e "import('./primitives/ed25519/vectors/build.ts').then(m=>process.stdout.write(JSON.stringify(m.buildVectorFile(),null,1)+'\n'))" > primitives/ed25519/vectors/ed25519-strict.json
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

export interface Ed25519Vector {
  name: string;
  publicKey: string;
  message: string;
  signature: string;
  valid: boolean;
  /** true when a lax cofactored / ZIP-215 verifier would accept it (documents why the rule matters). */
  laxAccepts?: boolean;
  reason: string;
}

const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const P = Point.Fp.ORDER;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) { out[i] = Number(n & 0xffn); n >>= 8n; }
  return out;
}
function fromLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}
const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
function challenge(R: Uint8Array, A: Uint8Array, M: Uint8Array): bigint {
  return mod(fromLE(sha512.create().update(R).update(A).update(M).digest()), L);
}
function cat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length); o.set(a); o.set(b, a.length); return o;
}
/** y (and sign bit) -> 32-byte encoding, without any canonicality. */
function encodeY(y: bigint, sign: boolean): Uint8Array {
  const b = le32(y);
  if (sign) b[31] |= 0x80;
  return b;
}

export const RFC8032 = [
  {
    name: 'rfc8032-test-1 (empty message)',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'rfc8032-test-2 (1-byte message)',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'rfc8032-test-3 (2-byte message)',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

/** The torsion subgroup: 8 points of order dividing 8, from a fixed generator of order 8. */
function torsionPoints() {
  const T8 = Point.fromBytes(unhex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
  const pts = [Point.ZERO];
  for (let i = 1; i < 8; i++) pts.push(pts[i - 1].add(T8));
  return { T8, pts };
}

export function buildVectors(): Ed25519Vector[] {
  const out: Ed25519Vector[] = [];
  const v = (name: string, pk: Uint8Array, msg: Uint8Array, sig: Uint8Array, valid: boolean, reason: string, laxAccepts?: boolean) => {
    const e: Ed25519Vector = { name, publicKey: hex(pk), message: hex(msg), signature: hex(sig), valid, reason };
    if (laxAccepts !== undefined) e.laxAccepts = laxAccepts;
    out.push(e);
  };

  // 1. RFC 8032 section 7.1 tests 1-3.
  for (const t of RFC8032) v(t.name, unhex(t.publicKey), unhex(t.message), unhex(t.signature), true, 'RFC 8032 7.1 test vector');

  const t1 = RFC8032[0];
  const A1 = unhex(t1.publicKey);
  const M1 = unhex(t1.message);
  const S1 = unhex(t1.signature);
  const R1 = S1.slice(0, 32);
  const s1 = fromLE(S1.slice(32));
  const { scalar: a1 } = ed25519.utils.getExtendedPublicKey(unhex(t1.seed));
  const msg = new TextEncoder().encode('polchain strict ed25519 vector');

  // 2. Scalar S.
  v('non-canonical S (S + L)', A1, M1, cat(R1, le32(s1 + L)), false, 'S >= L is rejected (malleability)', true);
  v('S = L', A1, M1, cat(R1, le32(L)), false, 'S >= L is rejected');
  { const b = S1.slice(); b[63] |= 0x80; v('high bit garbage in S', A1, M1, b, false, 'top bit of S set => S >= 2^255 > L'); }
  { const b = S1.slice(); b[63] |= 0x20; v('bit 253 garbage in S', A1, M1, b, false, 'S >= 2^253 > L'); }
  { const b = S1.slice(); b[40] ^= 0x01; v('bit flip in S', A1, M1, b, false, 'equation fails'); }
  { const b = S1.slice(); b[3] ^= 0x10; v('bit flip in R', A1, M1, b, false, 'equation fails'); }
  { const b = A1.slice(); b[31] ^= 0x80; v('sign bit of A flipped (-A)', b, M1, S1, false, 'different key, equation fails'); }
  v('message changed', A1, unhex('00'), S1, false, 'equation fails');

  // 3. Wrong lengths.
  v('public key 31 bytes', A1.slice(0, 31), M1, S1, false, 'wrong length');
  v('public key 33 bytes', cat(A1, unhex('00')), M1, S1, false, 'wrong length');
  v('signature 63 bytes', A1, M1, S1.slice(0, 63), false, 'wrong length');
  v('signature 65 bytes', A1, M1, cat(S1, unhex('00')), false, 'wrong length');
  v('empty public key and signature', new Uint8Array(0), M1, new Uint8Array(0), false, 'wrong length');

  // 4. Small-order public keys, every encoding (8 canonical, 5 non-canonical).
  const { T8, pts } = torsionPoints();
  const smallEncodings: Array<[string, Uint8Array]> = pts.map((p, i) => [`small-order A: ${i}*T8 canonical`, p.toBytes()]);
  smallEncodings.push(
    ['small-order A: y=0 as y=p (non-canonical)', encodeY(P, false)],
    ['small-order A: y=0 as y=p, sign set (non-canonical)', encodeY(P, true)],
    ['small-order A: identity as y=p+1 (non-canonical)', encodeY(P + 1n, false)],
    ['small-order A: identity as y=p+1, sign set (non-canonical)', encodeY(P + 1n, true)],
    ['small-order A: identity with sign bit (x=0, non-canonical)', encodeY(1n, true)],
    ['small-order A: (0,-1) with sign bit (x=0, non-canonical)', encodeY(P - 1n, true)],
  );
  // Signature (R = rB, S = r): a cofactored verifier accepts it under any small-order A.
  const r0 = 1234567n;
  const R0 = Point.BASE.multiply(r0).toBytes();
  for (const [name, enc] of smallEncodings) {
    v(name, enc, msg, cat(R0, le32(r0)), false, 'small-order public key A is rejected', true);
  }

  // 5. R: non-canonical and small-order. S = k*a makes [S]B = [k]A, so R must be "the identity".
  const sigWithR = (Rb: Uint8Array) => cat(Rb, le32(mod(challenge(Rb, A1, msg) * a1, L)));
  v('R = identity (canonical, small order)', A1, msg, sigWithR(encodeY(1n, false)), false, 'small-order R is rejected (the cofactorless equation alone would accept)', true);
  v('R = identity as y=p+1 (non-canonical)', A1, msg, sigWithR(encodeY(P + 1n, false)), false, 'non-canonical R encoding is rejected', true);
  v('R = identity with sign bit (x=0, non-canonical)', A1, msg, sigWithR(encodeY(1n, true)), false, 'non-canonical R encoding is rejected', true);
  v('R = order-8 point', A1, msg, sigWithR(T8.toBytes()), false, 'small-order R is rejected', true);
  v('R = order-2 point with sign bit (non-canonical)', A1, msg, sigWithR(encodeY(P - 1n, true)), false, 'non-canonical R encoding is rejected', true);
  v('R = y=0 as y=p (non-canonical)', A1, msg, sigWithR(encodeY(P, false)), false, 'non-canonical R encoding is rejected', true);

  // 6. Points that are not on the curve, and non-canonical encodings of large-order points.
  for (let y = 2n; y < 19n; y++) {
    let onCurve = true;
    try { Point.fromBytes(encodeY(y, false)); } catch { onCurve = false; }
    if (!onCurve) {
      if (!out.some((x) => x.name.startsWith('A not on curve'))) {
        v(`A not on curve (y=${y})`, encodeY(y, false), M1, S1, false, 'A does not decode to a curve point');
        v(`R not on curve (y=${y})`, A1, M1, cat(encodeY(y, false), S1.slice(32)), false, 'R does not decode to a curve point');
      }
    } else if (!out.some((x) => x.name.startsWith('non-canonical A (large order'))) {
      v(`non-canonical A (large order, y=${y} encoded as y+p)`, encodeY(y + P, false), M1, S1, false, 'non-canonical A encoding (y >= p) is rejected');
    }
  }

  // 7. Mixed-order A' = A + T8 (not small order, so not rejected by rule 4): the cofactorless equation
  //    holds iff [k]T8 = 0, i.e. k = 0 mod 8. Grind r deterministically for both cases.
  const Amixed = Point.fromBytes(A1).add(T8).toBytes();
  let found0 = false, foundN = false;
  for (let r = 1n; r < 200n && !(found0 && foundN); r++) {
    const Rb = Point.BASE.multiply(r).toBytes();
    const k = challenge(Rb, Amixed, msg);
    const sig = cat(Rb, le32(mod(r + k * a1, L)));
    if (k % 8n === 0n && !found0) { found0 = true; v('mixed-order A, k = 0 mod 8', Amixed, msg, sig, true, 'mixed-order A is allowed; cofactorless equation holds because [k]T8 = 0'); }
    if (k % 8n !== 0n && !foundN) { foundN = true; v('mixed-order A, k != 0 mod 8', Amixed, msg, sig, false, 'cofactorless equation fails (a cofactored verifier accepts)', true); }
  }
  // 8. Mixed-order R = rB + T8 with the honest key: cofactorless fails, cofactored accepts.
  {
    const r = 777n;
    const Rb = Point.BASE.multiply(r).add(T8).toBytes();
    const k = challenge(Rb, A1, msg);
    v('mixed-order R', A1, msg, cat(Rb, le32(mod(r + k * a1, L))), false, 'cofactorless equation fails (a cofactored verifier accepts)', true);
  }
  // 9. A long message signed properly (valid).
  {
    const long = new Uint8Array(1000);
    for (let i = 0; i < long.length; i++) long[i] = (i * 31 + 7) & 0xff;
    v('valid 1000-byte message', A1, long, ed25519.sign(long, unhex(t1.seed)), true, 'honest signature');
  }
  return out;
}

export function buildVectorFile() {
  return {
    description: 'polchain strict ed25519 (docs/crypto.md): every verifier must return `valid` on every vector. Built by primitives/ed25519/vectors/build.ts.',
    vectors: buildVectors(),
  };
}
