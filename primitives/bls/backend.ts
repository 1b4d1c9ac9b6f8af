// What each BLS12-381 implementation provides (noble.ts, mcl.ts); index.ts picks one per call. Both
// take the same bytes and must give the same verdicts and the same signature bytes.
import { bytesToHex } from '../bytes.ts';

export type BlsItem = { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array };

export interface BlsBackend {
  readonly name: 'noble' | 'mcl';
  prepare(message: Uint8Array, dst: string): void;
  isPublicKey(pk: Uint8Array): boolean;
  sign(secret: Uint8Array, message: Uint8Array, dst: string): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, dst: string): boolean;
  verifyMany(items: ReadonlyArray<BlsItem>, dst: string): boolean;
}

/** One key's items in blsVerifyMany, each with its fresh random weight r (64 bits, never zero). */
export interface WeightedGroup { publicKey: Uint8Array; items: Array<{ message: Uint8Array; signature: Uint8Array; r: bigint }> }

/**
 * blsVerifyMany's draw and grouping, the same for both backends (the equation is in index.ts): a
 * weight per item drawn after the signatures are fixed, and the items grouped by key bytes in
 * first-seen order so each key costs one Miller loop. null when a signature has the wrong length.
 */
export function weighByKey(items: ReadonlyArray<BlsItem>): WeightedGroup[] | null {
  const rand = new BigUint64Array(items.length);
  crypto.getRandomValues(rand);
  const groups = new Map<string, WeightedGroup>();
  for (const [i, it] of items.entries()) {
    if (!(it.signature instanceof Uint8Array) || it.signature.length !== BLS_SIGNATURE_LENGTH) return null;
    const k = bytesToHex(it.publicKey);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { publicKey: it.publicKey, items: [] }));
    g.items.push({ message: it.message, signature: it.signature, r: rand[i]! | 1n });
  }
  return [...groups.values()];
}

export const BLS_PUBLIC_KEY_LENGTH = 48;
export const BLS_SIGNATURE_LENGTH = 96;
export const BLS_SECRET_LENGTH = 32;

/** Bounded insertion-order cache: the oldest entry goes when it is full. */
export function remember<V>(map: Map<string, V>, key: string, value: V, max: number): V {
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
  return value;
}
