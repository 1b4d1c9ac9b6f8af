// The attestation digest (docs/jobs.md §4): what a committee member can only know by replaying.
import { encode } from '../codec/index.ts';
import { sha256 } from '../../primitives/index.ts';


/** Posted by a member that could not obtain valid openings. Never equals a real digest. */
export const UNAVAILABLE_DIGEST = new Uint8Array(32);

/**
 * digest = SHA-256(encode(["polchain/attest/v1", jobId, attester, h0, [[h_{j·k+1} .. h_{end_j}] for j in segments]]))
 * `segmentHashes[i]` are the hashes after each step of the i-th sampled segment (ascending segment order),
 * i.e. without the segment's start hash.
 */
export function attestationDigest(jobId: Uint8Array, attester: Uint8Array, h0: Uint8Array, segmentHashes: readonly (readonly Uint8Array[])[]): Uint8Array {
  return sha256(encode(['polchain/attest/v1', jobId, attester, h0, segmentHashes.map((s) => [...s])]));
}
