/**
 * BLS12-381, min-pk (48-byte compressed G1 public keys, 96-byte compressed G2 signatures; @noble/curves
 * longSignatures), with the message hashed to G2 under a caller's domain separation tag. The
 * randomness beacon (consensus/beacon.ts) and the proof of possession of stake transactions
 * (vm/tx/bls-pop.ts) both sign and verify through here, so they share one decoding rule set.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { bytesToHex } from './bytes.ts';

const bls = bls12_381.longSignatures;
type HashedMessage = ReturnType<typeof bls.hash>;

/**
 * Messages hashed to G2 ahead of use (blsPrepare), by DST and exact message bytes. Hashing to G2 is
 * about a quarter of a verification and a third of a signature; a node knows the next height's
 * beacon message as soon as a block commits, so it hashes it while waiting for the next height.
 * Only blsPrepare fills this (a few entries, oldest dropped); sign and verify merely look it up.
 */
const prepared = new Map<string, HashedMessage>();
const PREPARED_MAX = 8;
const preparedKey = (message: Uint8Array, dst: string) => `${dst}|${bytesToHex(message)}`;
const hashed = (message: Uint8Array, dst: string): HashedMessage => prepared.get(preparedKey(message, dst)) ?? bls.hash(message, dst);

/** Hashes `message` to G2 now, so a later blsSign / blsVerify of exactly these bytes under `dst` skips it. */
export function blsPrepare(message: Uint8Array, dst: string): void {
  const k = preparedKey(message, dst);
  if (prepared.has(k)) return;
  prepared.set(k, bls.hash(message, dst));
  if (prepared.size > PREPARED_MAX) prepared.delete(prepared.keys().next().value!);
}
export const BLS_PUBLIC_KEY_LENGTH = 48;
export const BLS_SIGNATURE_LENGTH = 96;

/**
 * Whether `pk` is a public key a signature could verify under: 48 bytes, the compressed encoding of
 * a point on the curve, in the prime-order subgroup, and not the identity (whose "signatures" verify
 * for every message). Never throws.
 */
export function isBlsPublicKey(pk: Uint8Array): boolean {
  return publicKeyPoint(pk) !== null;
}

/**
 * Valid public keys by their bytes, decoded and subgroup-checked once: a chain verifies the same
 * few validator keys at every height, and decoding one is about an eighth of a verification.
 */
const keyPoints = new Map<string, InstanceType<typeof bls12_381.G1.Point>>();
const KEY_POINTS_MAX = 1024;

function publicKeyPoint(pk: Uint8Array): InstanceType<typeof bls12_381.G1.Point> | null {
  if (!(pk instanceof Uint8Array) || pk.length !== BLS_PUBLIC_KEY_LENGTH || (pk[0]! & 0x80) === 0) return null;
  const k = bytesToHex(pk);
  const known = keyPoints.get(k);
  if (known) return known;
  try {
    const p = bls12_381.G1.Point.fromBytes(pk);
    p.assertValidity();
    if (p.is0()) return null;
    keyPoints.set(k, p);
    if (keyPoints.size > KEY_POINTS_MAX) keyPoints.delete(keyPoints.keys().next().value!);
    return p;
  } catch {
    return null;
  }
}

export function blsSign(secret: Uint8Array, message: Uint8Array, dst: string): Uint8Array {
  return new Uint8Array(bls.sign(hashed(message, dst), secret).toBytes());
}

/** Never throws: a malformed or invalid key or signature is false. */
export function blsVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, dst: string): boolean {
  const key = publicKeyPoint(publicKey);
  if (!key) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== BLS_SIGNATURE_LENGTH) return false;
  try {
    return bls.verify(signature, hashed(message, dst), key);
  } catch {
    return false;
  }
}

/**
 * Whether every (key, message, signature) verifies, sharing one final exponentiation (blst's
 * multi-verification): checks e(-G1, Σ rᵢσᵢ) · Π e(rᵢ·pkᵢ, H(mᵢ)) = 1 for fresh random 64-bit rᵢ, so
 * a set holding any signature that does not verify on its own passes with probability ≤ 2^-64
 * (the rᵢ are drawn after the signatures are fixed). The terms of one key are merged by bilinearity,
 * e(pk, Σ rᵢ·H(mᵢ)), which is the same equation: a range of beacons signed by a few proposers costs one
 * Miller loop (and one key decoding) per distinct key instead of one per signature.
 * false does not say which failed: callers verify one by one then, so the verdict for each
 * signature never depends on the draw. Never throws.
 */
export function blsVerifyMany(items: ReadonlyArray<{ publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }>, dst: string): boolean {
  if (items.length === 0) return true;
  try {
    const rand = new BigUint64Array(items.length);
    crypto.getRandomValues(rand);
    const byKey = new Map<string, { g1: InstanceType<typeof bls12_381.G1.Point>; g2: InstanceType<typeof bls12_381.G2.Point> }>();
    let sigSum = bls12_381.G2.Point.ZERO;
    for (const [i, it] of items.entries()) {
      if (!(it.signature instanceof Uint8Array) || it.signature.length !== BLS_SIGNATURE_LENGTH) return false;
      const k = bytesToHex(it.publicKey);
      let term = byKey.get(k);
      if (!term) {
        const key = publicKeyPoint(it.publicKey); // decoded and checked once per key (cached)
        if (!key) return false;
        term = { g1: key, g2: bls12_381.G2.Point.ZERO };
        byKey.set(k, term);
      }
      const r = rand[i]! | 1n; // never zero
      const sig = bls.Signature.fromBytes(it.signature);
      sig.assertValidity();
      term.g2 = term.g2.add(bls.hash(it.message, dst).multiplyUnsafe(r));
      sigSum = sigSum.add(sig.multiplyUnsafe(r));
    }
    // a zero sum (probability ~2^-64 for honest input) makes pairingBatch throw: then false, and one by one
    const pairs = [...byKey.values(), { g1: bls12_381.G1.Point.BASE.negate(), g2: sigSum }];
    return bls12_381.fields.Fp12.eql(bls12_381.pairingBatch(pairs), bls12_381.fields.Fp12.ONE);
  } catch {
    return false;
  }
}
