// What each BLS12-381 implementation provides (noble.ts, mcl.ts); index.ts picks one per call. Both
// take the same bytes and must give the same verdicts and the same signature bytes.
export type BlsItem = { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array };

export interface BlsBackend {
  readonly name: 'noble' | 'mcl';
  prepare(message: Uint8Array, dst: string): void;
  isPublicKey(pk: Uint8Array): boolean;
  sign(secret: Uint8Array, message: Uint8Array, dst: string): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, dst: string): boolean;
  verifyMany(items: ReadonlyArray<BlsItem>, dst: string): boolean;
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
