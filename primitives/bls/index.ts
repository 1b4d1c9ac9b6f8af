/**
 * BLS12-381, min-pk (48-byte compressed G1 public keys, 96-byte compressed G2 signatures), with the
 * message hashed to G2 under a caller's domain separation tag. The randomness beacon
 * (consensus/beacon.ts) and the proof of possession of stake transactions (vm/tx/bls-pop.ts) both
 * sign and verify through here, so they share one decoding rule set.
 *
 * Two backends give the same bytes and verdicts: mcl-wasm (mcl.ts, about 4-15× faster) once its
 * WebAssembly has compiled, and @noble/curves (noble.ts, the reference) before that or if it cannot
 * load. The load starts on the first BLS call or on blsReady(), not at import: compiling costs ~55 ms
 * (~90 ms CPU) that CLI commands importing primitives without touching BLS should not pay, and a
 * top-level await would make every importer wait for it. The node awaits blsReady() at start.
 */
import { nobleBls } from './noble.ts';
import { loadMcl } from './mcl.ts';
import type { BlsBackend, BlsItem } from './backend.ts';

export { BLS_PUBLIC_KEY_LENGTH, BLS_SIGNATURE_LENGTH } from './backend.ts';

let fast: BlsBackend | null = null;
let loading: Promise<boolean> | null = null;
let pinned: BlsBackend | null = null;

/**
 * Starts loading mcl-wasm if nothing has, and resolves once it is in use (true) or failed to load
 * (false: noble answers from then on, with the same verdicts, slower). Never rejects.
 */
export function blsReady(): Promise<boolean> {
  loading ??= loadMcl().then(
    (b) => ((fast = b), true),
    () => false,
  );
  return loading;
}

/** Which backend answers a call made now. */
export function blsBackend(): 'noble' | 'mcl' {
  return active().name;
}

/**
 * For tests and benchmarks: pin every call to one backend ('mcl' needs blsReady() to have resolved
 * true), or 'auto' for mcl when loaded. Not on primitives' public surface.
 */
export function setBlsBackend(which: 'noble' | 'mcl' | 'auto'): void {
  if (which === 'mcl' && !fast) throw new Error('mcl-wasm is not loaded: await blsReady() first');
  pinned = which === 'noble' ? nobleBls : which === 'mcl' ? fast : null;
}

function active(): BlsBackend {
  if (pinned) return pinned;
  if (!loading) void blsReady();
  return fast ?? nobleBls;
}

/**
 * Hashes `message` to G2 now, so a later blsSign / blsVerify of exactly these bytes under `dst` skips
 * it (a node knows the next height's beacon message as soon as a block commits). A few entries are
 * kept per backend, oldest dropped.
 */
export function blsPrepare(message: Uint8Array, dst: string): void {
  active().prepare(message, dst);
}

/**
 * Whether `pk` is a public key a signature could verify under: 48 bytes, the compressed encoding of
 * a point on the curve, in the prime-order subgroup, and not the identity (whose "signatures" verify
 * for every message). Never throws.
 */
export function isBlsPublicKey(pk: Uint8Array): boolean {
  return active().isPublicKey(pk);
}

/** The unique signature of `message` under the 32-byte `secret` (reduced mod r; zero throws). */
export function blsSign(secret: Uint8Array, message: Uint8Array, dst: string): Uint8Array {
  return active().sign(secret, message, dst);
}

/**
 * Never throws: a malformed or invalid key or signature is false. A signature is 96 bytes, the
 * canonical compressed encoding of a point on the curve in the prime-order subgroup.
 */
export function blsVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, dst: string): boolean {
  return active().verify(publicKey, message, signature, dst);
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
export function blsVerifyMany(items: ReadonlyArray<BlsItem>, dst: string): boolean {
  return active().verifyMany(items, dst);
}
