// Challenge derivation (docs/jobs.md §3): the job seed, the sampled segments and the stake-weighted
// committee, all functions of the job id and a beacon the solver could not know in advance.
import { encode } from '../codec/index.ts';

import type { CommitteeMember, Validator } from '../types/index.ts';
import { compareBytes, equalBytes, sha256 } from '../../primitives/index.ts';

function u64Of(h: Uint8Array): bigint {
  return new DataView(h.buffer, h.byteOffset, 8).getBigUint64(0);
}

/** seed = SHA-256(encode(["polchain/job-seed/v1", jobId, beacon])) */
export function jobSeed(jobId: Uint8Array, beacon: Uint8Array): Uint8Array {
  return sha256(encode(['polchain/job-seed/v1', jobId, beacon]));
}

/** q draws with replacement from [0, n); the distinct ones, ascending. */
export function sampleSegments(jobId: Uint8Array, beacon: Uint8Array, q: number, n: number): number[] {
  const picked = new Set<number>();
  const N = BigInt(n);
  for (let i = 0; i < q; i++) picked.add(Number(u64Of(sha256(encode(['polchain/challenge/v1', jobId, beacon, i]))) % N));
  return [...picked].sort((a, b) => a - b);
}

/**
 * Stake-weighted draw without replacement of up to `size` members from the active validators
 * (positive stake, not jailed) other than `exclude`, in address order. Result ascending by address.
 */
export function selectCommittee(jobId: Uint8Array, beacon: Uint8Array, validators: readonly Validator[], size: number, exclude: Uint8Array | null): CommitteeMember[] {
  const pool = validators
    .filter((v) => v.stake > 0n && !v.jailed && !(exclude && equalBytes(v.address, exclude)))
    .sort((a, b) => compareBytes(a.address, b.address))
    .map((v) => ({ address: v.address, stake: v.stake }));
  const out: CommitteeMember[] = [];
  for (let c = 0; c < size && pool.length > 0; c++) {
    let total = 0n;
    for (const m of pool) total += m.stake;
    let r = u64Of(sha256(encode(['polchain/committee/v1', jobId, beacon, c]))) % total;
    let i = 0;
    while (r >= pool[i]!.stake) { r -= pool[i]!.stake; i++; }
    out.push(pool[i]!);
    pool.splice(i, 1);
  }
  return out.sort((a, b) => compareBytes(a.address, b.address));
}
