// Who is asking for a job's checkpoint chunks. A request carries the requester's account public key,
// a chain height it is valid until and an ed25519 signature over a domain-separated message that
// binds the chain, the job and the requester's libp2p peer id as the server sees it (Noise proves
// that id): a signature copied by another peer, or reused for another job or chain, does not verify.
import { JobsError } from './errors.ts';
import {
  ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, addressFromPublicKey, encode, publicKeyFromSeed, sign, verify,
} from '../../primitives/index.ts';

export const DA_AUTH_DOMAIN = 'polchain/da-auth/v1';
/** How far past the chain height a client makes its signature valid (blocks). */
export const DA_AUTH_VALID_BLOCKS = 120n;
/** The furthest past its own view of the height a server accepts `notAfter` (blocks): a signature lives at most this long. */
export const DA_AUTH_MAX_BLOCKS = 1024n;

export interface DaAuth {
  /** the requester's account key: its address is addressFromPublicKey(publicKey) */
  publicKey: Uint8Array;
  /** the last chain height at which the server may accept this signature */
  notAfter: bigint;
  signature: Uint8Array;
}

/** The signed bytes: canonical msgpack of [domain, chainId, jobId, requester peer id, notAfter]. */
export function daAuthMessage(chainId: string, jobId: Uint8Array, peerId: string, notAfter: bigint): Uint8Array {
  return encode([DA_AUTH_DOMAIN, chainId, jobId, peerId, notAfter]);
}

/** What a client needs to prove who it is: its account key (as a signer) and the chain height it sees. */
export interface DaCredentials {
  /** the account's ed25519 public key: the server derives the requester's address from it */
  publicKey: Uint8Array;
  /** signs with the account key (a validator's consensus key, a watchtower's or solver's account key) */
  sign(message: Uint8Array): Uint8Array;
  /** the chain height the requester sees now */
  height(): bigint | Promise<bigint>;
}

/** Credentials of the account whose ed25519 seed is `seed`. */
export function seedCredentials(seed: Uint8Array, height: () => bigint | Promise<bigint>): DaCredentials {
  return { publicKey: publicKeyFromSeed(seed), sign: (m) => sign(seed, m), height };
}

/** Signs access to `jobId` for the peer `peerId` (the requester's own host), valid DA_AUTH_VALID_BLOCKS blocks. */
export async function signDaAuth(creds: DaCredentials, chainId: string, jobId: Uint8Array, peerId: string): Promise<DaAuth> {
  const notAfter = (await creds.height()) + DA_AUTH_VALID_BLOCKS;
  return { publicKey: creds.publicKey, notAfter, signature: creds.sign(daAuthMessage(chainId, jobId, peerId, notAfter)) };
}

/**
 * The requester's 20-byte address when `auth` is a valid signature for this chain, job and peer;
 * DA_AUTH_INVALID otherwise. Freshness (notAfter against the chain height) is the caller's check.
 */
export function checkDaAuth(auth: DaAuth, chainId: string, jobId: Uint8Array, peerId: string): Uint8Array {
  if (auth.publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || auth.signature.length !== ED25519_SIGNATURE_LENGTH) {
    throw new JobsError('DA_AUTH_INVALID', 'the request\'s public key or signature has the wrong length');
  }
  if (!verify(auth.publicKey, daAuthMessage(chainId, jobId, peerId, auth.notAfter), auth.signature)) {
    throw new JobsError('DA_AUTH_INVALID', `the request's signature does not verify for this chain, job and peer ${peerId}`);
  }
  return addressFromPublicKey(auth.publicKey);
}

/** DA_AUTH_INVALID unless height ≤ notAfter ≤ height + DA_AUTH_MAX_BLOCKS (the server's view of the height). */
export function checkDaAuthFresh(auth: DaAuth, height: bigint): void {
  if (auth.notAfter < height) throw new JobsError('DA_AUTH_INVALID', `the request's signature expired at height ${auth.notAfter}; the chain is at ${height}`);
  if (auth.notAfter > height + DA_AUTH_MAX_BLOCKS) {
    throw new JobsError('DA_AUTH_INVALID', `the request's signature is valid until height ${auth.notAfter}, more than ${DA_AUTH_MAX_BLOCKS} blocks past ${height}`);
  }
}
