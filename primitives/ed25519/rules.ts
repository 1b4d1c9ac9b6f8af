/**
 * The ONE strict ed25519 verification rule set (docs/crypto.md), applied as explicit byte-level
 * pre-checks before either backend (node:crypto or @noble/curves) sees the input, so that both
 * accept exactly the same (publicKey, message, signature) triples:
 *
 *   1. |A| = 32, |sig| = 64 (message: any length);
 *   2. S (sig[32..64], little-endian) < L (canonical scalar, rejects S+L malleability);
 *   3. A and R are canonical encodings: y < p and not (x = 0 with the sign bit set);
 *   4. A is not one of the 8 small-order points (after 3, each has exactly one encoding left);
 *   5. R is not one of the 8 small-order points;
 *   6. the cofactorless equation [S]B = R + [k]A, k = SHA-512(R || A || M) mod L, enforced by the
 *      backend (OpenSSL compares encode([S]B - [k]A) with R; verifyNoble does the same with noble points).
 *
 * A and R that are not on the curve are rejected by the backends' point decoding.
 */

export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
export const ED25519_SEED_LENGTH = 32;

/** Group order L = 2^252 + 27742317777372353535851937790883648493, little-endian bytes. */
const L_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]);

/** true iff the 32 little-endian bytes at sig[32..64] encode an integer < L. */
export function isCanonicalScalar(sig: Uint8Array, offset = 32): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = sig[offset + i];
    const l = L_LE[i];
    if (a < l) return true;
    if (a > l) return false;
  }
  return false; // equal to L
}

/**
 * true iff bytes[off..off+32] is a canonical point encoding as far as bytes can tell:
 * y (low 255 bits) < p = 2^255 - 19, and not the x = 0 points (y = 1, y = p - 1) with the sign bit set.
 * Whether y is on the curve at all is left to the backend's decoder.
 */
export function isCanonicalPointEncoding(b: Uint8Array, off = 0): boolean {
  // y >= p  <=>  (b[31] & 0x7f) == 0x7f, b[30..1] == 0xff, b[0] >= 0xed
  if ((b[off + 31] & 0x7f) === 0x7f) {
    let allFF = true;
    for (let i = 1; i < 31; i++) if (b[off + i] !== 0xff) { allFF = false; break; }
    if (allFF && b[off] >= 0xed) return false;
  }
  if (b[off + 31] & 0x80) {
    // x = 0 with sign bit set: y = 1 (01 00.. 80) or y = p - 1 (ec ff.. ff)
    if (b[off] === 0x01) {
      let rest0 = true;
      for (let i = 1; i < 31; i++) if (b[off + i] !== 0) { rest0 = false; break; }
      if (rest0 && b[off + 31] === 0x80) return false;
    } else if (b[off] === 0xec) {
      let restFF = true;
      for (let i = 1; i < 32; i++) if (b[off + i] !== 0xff) { restFF = false; break; }
      if (restFF) return false;
    }
  }
  return true;
}

function hex32(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/**
 * The canonical encodings of the 8 points of order dividing 8 (the torsion subgroup).
 * Non-canonical encodings of these are already rejected by isCanonicalPointEncoding.
 */
export const SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity (order 1)
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, -1) order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4, x "positive"
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4, x "negative"
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
].map(hex32);

/** true iff bytes[off..off+32] equals one of the 8 canonical small-order encodings. */
export function isSmallOrderEncoding(b: Uint8Array, off = 0): boolean {
  const b0 = b[off];
  if (b0 !== 0x01 && b0 !== 0xec && b0 !== 0x00 && b0 !== 0xc7 && b0 !== 0x26) return false;
  outer: for (const e of SMALL_ORDER_ENCODINGS) {
    for (let i = 0; i < 32; i++) if (b[off + i] !== e[i]) continue outer;
    return true;
  }
  return false;
}

function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

/**
 * Rules 1-5. true means "the backend may now decide with the cofactorless equation".
 * Never throws.
 */
export function passesStrictPrechecks(publicKey: unknown, message: unknown, signature: unknown): boolean {
  if (!isBytes(publicKey) || !isBytes(message) || !isBytes(signature)) return false;
  if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  if (!isCanonicalScalar(signature, 32)) return false;
  if (!isCanonicalPointEncoding(publicKey, 0)) return false;
  if (!isCanonicalPointEncoding(signature, 0)) return false;
  if (isSmallOrderEncoding(publicKey, 0)) return false;
  if (isSmallOrderEncoding(signature, 0)) return false;
  return true;
}
