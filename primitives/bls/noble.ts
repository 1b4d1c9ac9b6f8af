/**
 * The reference BLS12-381 backend on @noble/curves (pure JavaScript, always available): min-pk
 * (longSignatures), message hashed to G2 under the caller's DST. Its decoding rules are the chain's
 * rules; mcl.ts reproduces them exactly and the differential test (bls.test.ts) holds it to that.
 * index.ts answers with this backend until mcl-wasm has loaded, or for good if it cannot load.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { bytesToHex } from '../bytes.ts';
import { BLS_PUBLIC_KEY_LENGTH, BLS_SIGNATURE_LENGTH, remember, weighByKey, type BlsBackend, type BlsItem } from './backend.ts';

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

function prepare(message: Uint8Array, dst: string): void {
  const k = preparedKey(message, dst);
  if (!prepared.has(k)) remember(prepared, k, bls.hash(message, dst), PREPARED_MAX);
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
    return remember(keyPoints, k, p, KEY_POINTS_MAX);
  } catch {
    return null;
  }
}

function sign(secret: Uint8Array, message: Uint8Array, dst: string): Uint8Array {
  return new Uint8Array(bls.sign(hashed(message, dst), secret).toBytes());
}

function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, dst: string): boolean {
  const key = publicKeyPoint(publicKey);
  if (!key) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== BLS_SIGNATURE_LENGTH) return false;
  try {
    return bls.verify(signature, hashed(message, dst), key);
  } catch {
    return false;
  }
}

// The equation and its reasons are in index.ts (blsVerifyMany); mcl.ts computes the same one.
function verifyMany(items: ReadonlyArray<BlsItem>, dst: string): boolean {
  if (items.length === 0) return true;
  try {
    const groups = weighByKey(items);
    if (!groups) return false;
    const pairs: Array<{ g1: InstanceType<typeof bls12_381.G1.Point>; g2: InstanceType<typeof bls12_381.G2.Point> }> = [];
    let sigSum = bls12_381.G2.Point.ZERO;
    for (const g of groups) {
      const key = publicKeyPoint(g.publicKey); // decoded and checked once per key (cached)
      if (!key) return false;
      let term = bls12_381.G2.Point.ZERO;
      for (const it of g.items) {
        const sig = bls.Signature.fromBytes(it.signature);
        sig.assertValidity();
        term = term.add(bls.hash(it.message, dst).multiplyUnsafe(it.r));
        sigSum = sigSum.add(sig.multiplyUnsafe(it.r));
      }
      pairs.push({ g1: key, g2: term });
    }
    // a zero sum (probability ~2^-64 for honest input) makes pairingBatch throw: then false, and one by one
    pairs.push({ g1: bls12_381.G1.Point.BASE.negate(), g2: sigSum });
    return bls12_381.fields.Fp12.eql(bls12_381.pairingBatch(pairs), bls12_381.fields.Fp12.ONE);
  } catch {
    return false;
  }
}

export const nobleBls: BlsBackend = {
  name: 'noble',
  prepare,
  isPublicKey: (pk) => publicKeyPoint(pk) !== null,
  sign,
  verify,
  verifyMany,
};
