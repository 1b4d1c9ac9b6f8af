// The committed shape of a training run (docs/jobs.md §1): per-step hashes h_0..h_T under the trace
// root, checkpoints cut into fixed-size chunks under chunk roots, and the checkpoints root.
//
//   trace root       = MerkleRoot(leaf_t = h_t, t = 0..T)
//   chunks           = encoding(state_c) cut into CHUNK_SIZE-byte pieces, the last one shorter
//   chunk root       = MerkleRoot(chunks)
//   checkpoints root = MerkleRoot(leaf_i = u64be(step_i) || chunkRoot_i || h_{step_i})
import { MlError } from './errors.ts';
import { equalBytes, leafHash, merkleProof, merkleRoot, u64be, verifyMerkleProof, type MerkleProof } from '../../primitives/index.ts';
import { encodeState, stepHash, type TrainState } from './state.ts';

export const CHUNK_SIZE = 65536;

export function chunkBytes(bytes: Uint8Array, chunkSize = CHUNK_SIZE): Uint8Array[] {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new MlError('TRACE_INVALID', `chunk size ${chunkSize} must be a positive integer`);
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += chunkSize) out.push(bytes.subarray(o, Math.min(o + chunkSize, bytes.length)));
  return out;
}

export function chunkCountOf(byteLength: number, chunkSize = CHUNK_SIZE): number {
  return Math.ceil(byteLength / chunkSize);
}

export interface Checkpoint {
  step: number;
  /** h_step */
  stepHash: Uint8Array;
  /** the canonical state encoding */
  bytes: Uint8Array;
  chunkRoot: Uint8Array;
  chunkCount: number;
}

export function makeCheckpoint(jobId: Uint8Array, s: TrainState, chunkSize = CHUNK_SIZE): Checkpoint {
  const bytes = encodeState(s);
  const chunks = chunkBytes(bytes, chunkSize);
  return { step: s.step, stepHash: stepHash(jobId, s), bytes, chunkRoot: merkleRoot(chunks), chunkCount: chunks.length };
}

/** Proof that chunk i belongs to a checkpoint's chunk root. */
export function chunkProof(bytes: Uint8Array, i: number, chunkSize = CHUNK_SIZE): { chunk: Uint8Array; proof: MerkleProof } {
  const chunks = chunkBytes(bytes, chunkSize);
  return { chunk: chunks[i]!, proof: merkleProof(chunks.map(leafHash), i) };
}

export function verifyChunk(chunk: Uint8Array, proof: MerkleProof, chunkRoot: Uint8Array): boolean {
  return verifyMerkleProof(leafHash(chunk), proof, chunkRoot);
}

/** leaf_i = u64be(step) || chunkRoot || h_step (hashed with the Merkle leaf rule under the checkpoints root). */
export function checkpointLeaf(step: number, chunkRoot: Uint8Array, h: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 32 + 32);
  out.set(u64be(step), 0); out.set(chunkRoot, 8); out.set(h, 40);
  return out;
}

export function checkpointsRoot(cps: readonly { step: number; chunkRoot: Uint8Array; stepHash: Uint8Array }[]): Uint8Array {
  return merkleRoot(cps.map((c) => checkpointLeaf(c.step, c.chunkRoot, c.stepHash)));
}

/** Merkle root over h_0..h_T. */
export function traceRoot(stepHashes: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(stepHashes);
}

export function stepHashProof(stepHashes: readonly Uint8Array[], t: number): MerkleProof {
  return merkleProof(stepHashes.map(leafHash), t);
}

export function verifyStepHash(h: Uint8Array, proof: MerkleProof, root: Uint8Array): boolean {
  return verifyMerkleProof(leafHash(h), proof, root);
}

/** First index where two hash lists differ (offset by `fromStep`), or null when equal. */
export function firstMismatch(expected: readonly Uint8Array[], got: readonly Uint8Array[], fromStep = 0): number | null {
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) {
    const a = expected[i]; const b = got[i];
    if (!a || !b || !equalBytes(a, b)) return fromStep + i;
  }
  return null;
}
