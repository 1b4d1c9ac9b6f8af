// The committee's quorum and the price of silence (docs/jobs.md §4). A committee that does not replay
// must never decide a job by default: short of a quorum the job gets a fresh committee, and every
// silent member pays, so staying quiet is never cheaper than replaying.
import { EventKind, type ChainEvent, type Job } from '../types/index.ts';
import type { StateOverlay } from '../state/overlay.ts';
import { UNAVAILABLE_DIGEST } from './digest.ts';
import { memberSegments, seatCount } from './assignment.ts';
import { compareBytes, equalBytes } from '../../primitives/index.ts';

/**
 * Liveness penalty per seat: 2·⌈attestReward / committeeSize⌉, twice what the seat would have
 * earned, so a silent seat costs more than a replayed one pays.
 */
export function livenessPenalty(job: Pick<Job, 'terms'>): bigint {
  const c = BigInt(job.terms.committeeSize);
  return 2n * ((job.terms.attestReward + c - 1n) / c);
}

const real = (d: Uint8Array) => !equalBytes(d, UNAVAILABLE_DIGEST);

/**
 * Members of the current committee who are silent: no attestation, or UNAVAILABLE without a DaDemand
 * of their own on the job (a member that could not get data must say so on chain). Ascending.
 */
export function silentMembers(job: Job): Uint8Array[] {
  return job.committee.map((m) => m.address).filter((a) => {
    const att = job.attestations.find((x) => equalBytes(x.address, a));
    if (!att) return true;
    return !real(att.digest) && !job.demands.some((d) => equalBytes(d.by, a));
  });
}

/**
 * Quorum: every sampled segment is covered by at least one member with a real digest, and members
 * with real digests hold at least 2/3 of the seats (3·seats_real ≥ 2·seats).
 */
export function hasQuorum(job: Job): boolean {
  if (job.seats.length === 0) return false;
  const attesters = job.attestations.filter((a) => real(a.digest)).map((a) => a.address);
  const covered = new Set<number>();
  let seats = 0;
  for (const a of attesters) {
    seats += seatCount(job, a);
    for (const j of memberSegments(job, a)) covered.add(j);
  }
  return job.segments.every((j) => covered.has(j)) && 3 * seats >= 2 * job.seats.length;
}

/**
 * Burns each silent member's penalty (per seat) from its validator stake: at most its stake, and
 * never the last unit of the last active validator (the chain must keep one). Emits LivenessPenalty.
 */
export function penaliseSilent(o: StateOverlay, job: Job, silent: readonly Uint8Array[], events: ChainEvent[]): void {
  const unit = livenessPenalty(job);
  for (const a of silent) {
    const v = o.validator(a);
    if (!v || v.stake === 0n) continue;
    let cap = v.stake;
    if (!v.jailed && o.activeValidatorCount() <= 1) cap = v.stake - 1n;
    const want = unit * BigInt(seatCount(job, a));
    const burned = want < cap ? want : cap;
    if (burned <= 0n) continue;
    o.setValidator(a, { ...v, stake: v.stake - burned });
    events.push({ kind: EventKind.LivenessPenalty, address: a, counterparty: null, amount: burned });
  }
}

/** `a` ∪ `b`, ascending, without duplicates. */
export function unionSorted(a: readonly Uint8Array[], b: readonly Uint8Array[]): Uint8Array[] {
  const all = [...a, ...b].sort(compareBytes);
  return all.filter((x, i) => i === 0 || compareBytes(all[i - 1]!, x) !== 0);
}

/** What the quorum check at the attest deadline leads to. */
export type QuorumStep =
  | { kind: 'reveal'; silent: Uint8Array[] }
  | { kind: 'redraw'; silent: Uint8Array[] }
  | { kind: 'no-quorum'; silent: Uint8Array[] };

/** Decides the quorum step; `maxCommittees` bounds the committees a job may draw. */
export function quorumStep(job: Job, maxCommittees: number): QuorumStep {
  const silent = silentMembers(job);
  if (hasQuorum(job)) return { kind: 'reveal', silent };
  const everSilent = unionSorted(job.silent, silent);
  const left = job.pool.filter((m) => !everSilent.some((x) => equalBytes(x, m.address)));
  if (job.draws >= maxCommittees || left.length === 0) return { kind: 'no-quorum', silent };
  return { kind: 'redraw', silent };
}
