// Challenge derivation (docs/jobs.md §3): the job seed, the sampled segments and the committee's
// seats, all functions of the job id, a pool fixed at TraceCommit and a beacon nobody knew then.
import { encode } from '../codec/index.ts';

import { JOB_LIMITS, type CommitteeMember, type Validator } from '../types/index.ts';
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
 * The validators a job's committees are drawn from, fixed when the trace is committed (before the
 * beacon that draws them exists): active (positive stake, not jailed), not the solver, with their
 * stake at that moment; the JOB_LIMITS.maxPool largest stakes (ties by address) when there are more.
 * Ascending by address.
 */
export function snapshotPool(validators: readonly Validator[], exclude: Uint8Array | null): CommitteeMember[] {
  let pool = validators.filter((v) => v.stake > 0n && !v.jailed && !(exclude && equalBytes(v.address, exclude)));
  if (pool.length > JOB_LIMITS.maxPool) {
    pool = [...pool].sort((a, b) => (a.stake === b.stake ? compareBytes(a.address, b.address) : a.stake > b.stake ? -1 : 1)).slice(0, JOB_LIMITS.maxPool);
  }
  return pool.sort((a, b) => compareBytes(a.address, b.address)).map((v) => ({ address: v.address, stake: v.stake }));
}

/**
 * `size` seats drawn by stake WITH replacement from `pool` (ascending by address):
 * seat i goes to the member whose cumulative stake interval holds
 * r_i = u64(SHA-256(encode(["polchain/seat/v1", jobId, rand, draw, i]))) mod poolStake.
 * With replacement, a coalition's seat count is Binomial(size, its stake share) however it splits
 * its stake. Returns the holders in draw order and the distinct holders ascending (empty for an empty pool).
 */
export function drawSeats(jobId: Uint8Array, rand: Uint8Array, draw: number, pool: readonly CommitteeMember[], size: number): { seats: Uint8Array[]; committee: CommitteeMember[] } {
  let total = 0n;
  for (const m of pool) total += m.stake;
  if (total === 0n) return { seats: [], committee: [] };
  const seats: Uint8Array[] = [];
  const held: CommitteeMember[] = [];
  for (let i = 0; i < size; i++) {
    let r = u64Of(sha256(encode(['polchain/seat/v1', jobId, rand, draw, i]))) % total;
    let n = 0;
    while (r >= pool[n]!.stake) { r -= pool[n]!.stake; n++; }
    const m = pool[n]!;
    seats.push(m.address);
    if (!held.includes(m)) held.push(m);
  }
  return { seats, committee: held.sort((a, b) => compareBytes(a.address, b.address)) };
}
