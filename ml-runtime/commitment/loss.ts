// The committed loss curve of a run (docs/jobs.md §1.1): the batch loss of every step t → t+1, as
// float32 big-endian bits, one Merkle leaf per segment so a sampled segment's losses are opened with
// one leaf and one proof, beside the trace leaves of the same segment.
//
//   loss_t      = float32 bits of the batch loss of step t (before the update), t = 0 .. T-1
//   loss leaf j = f32be(loss_{j·k}) || ... || f32be(loss_{end_j - 1})   (end_j - j·k values)
//   loss root   = MerkleRoot(loss leaf j, j = 0 .. segmentCount - 1)
//   step claim  = SHA-256("polchain/step-claim/v1" || h_{t+1} || f32be(loss_t))
//
// The step claim binds a step's result hash and its loss in one 32-byte value, so the attestation
// digest and the dispute game compare both without changing their shapes.
import { MlError } from './errors.ts';
import { concatBytes, leafHash, merkleProof, merkleRoot, sha256, utf8, verifyMerkleProof, type MerkleProof } from '../../primitives/index.ts';
import { segmentBounds, segmentCount } from './schedule.ts';

export const LOSS_BYTES = 4;
/** NaN bits written for a step with no real loss (a hook produced the state without training). */
const CANONICAL_NAN = 0x7fc00000;
const CLAIM_DOMAIN = utf8('polchain/step-claim/v1');

/** float32 big-endian bits of a loss (NaN canonicalised; a non-float32 number is rounded to float32). */
export function lossBits(loss: number): Uint8Array {
  const out = new Uint8Array(LOSS_BYTES);
  const dv = new DataView(out.buffer);
  if (Number.isNaN(loss)) dv.setUint32(0, CANONICAL_NAN, false);
  else dv.setFloat32(0, loss, false);
  return out;
}

/** The float32 values of a run of f32be loss bits. */
export function lossesOfBits(bytes: Uint8Array): number[] {
  if (bytes.length % LOSS_BYTES !== 0) throw new MlError('TRACE_INVALID', `loss bytes: ${bytes.length} is not a multiple of ${LOSS_BYTES}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / LOSS_BYTES }, (_, i) => dv.getFloat32(i * LOSS_BYTES, false));
}

/** Byte length of segment j's loss leaf: 4 × (end_j − j·k). */
export function lossLeafLength(T: number, k: number, j: number): number {
  const { from, to } = segmentBounds(T, k, j);
  return (to - from) * LOSS_BYTES;
}

/** The loss leaves of a full run: `losses[t]` is the loss of step t (length T). */
export function lossLeaves(losses: readonly number[], T: number, k: number): Uint8Array[] {
  if (losses.length !== T) throw new MlError('TRACE_INVALID', `a loss curve of T = ${T} steps needs ${T} losses, got ${losses.length}`);
  const out: Uint8Array[] = [];
  for (let j = 0; j < segmentCount(T, k); j++) {
    const { from, to } = segmentBounds(T, k, j);
    out.push(concatBytes(...losses.slice(from, to).map(lossBits)));
  }
  return out;
}

export function lossRoot(losses: readonly number[], T: number, k: number): Uint8Array {
  return merkleRoot(lossLeaves(losses, T, k));
}

export function lossLeafProof(leaves: readonly Uint8Array[], j: number): MerkleProof {
  return merkleProof(leaves.map(leafHash), j);
}

export function verifyLossLeaf(leaf: Uint8Array, proof: MerkleProof, root: Uint8Array): boolean {
  return verifyMerkleProof(leafHash(leaf), proof, root);
}

/** The step claim of step t: h_{t+1} bound to the 4 loss bits of step t. */
export function stepClaim(next: Uint8Array, bits: Uint8Array): Uint8Array {
  if (bits.length !== LOSS_BYTES) throw new MlError('TRACE_INVALID', `a step claim needs ${LOSS_BYTES} loss bytes, got ${bits.length}`);
  return sha256(concatBytes(CLAIM_DOMAIN, next, bits));
}

/** Step claims of one segment: `hashes` = h_{from+1} .. h_to, `leaf` = its loss leaf (same count). */
export function segmentClaims(hashes: readonly Uint8Array[], leaf: Uint8Array): Uint8Array[] {
  if (leaf.length !== hashes.length * LOSS_BYTES) {
    throw new MlError('TRACE_INVALID', `a loss leaf of ${leaf.length} bytes does not cover ${hashes.length} steps`);
  }
  return hashes.map((h, i) => stepClaim(h, leaf.subarray(i * LOSS_BYTES, (i + 1) * LOSS_BYTES)));
}
