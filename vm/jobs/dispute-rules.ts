// Pure rules of the dispute game over a job's state (docs/disputes.md §3-§5): where a segment lies in
// the trace, what a member's digest should have been, who caught a cheat, and where two hash lists
// part. No writes: the transaction handlers and the tick decide what to do with the answers.
import {
  batchIndices, CHUNK_SIZE, chunkCountOf, parseSpec, refereeCost, segmentBounds, segmentClaims, type TraceRange,
} from '../../ml-runtime/commitment/index.ts';
import { DisputeKind, DisputeStage, DisputeWinner, JobStatus, type Dispute, type Job } from '../types/index.ts';
import { attestationDigest, UNAVAILABLE_DIGEST } from './digest.ts';
import { traceSteps } from './terms.ts';
import { memberSegments } from './assignment.ts';
import { equalBytes } from '../../primitives/index.ts';

const utf8 = new TextDecoder();
export const ZERO_HASH = new Uint8Array(32);

/** The steps [from, to] of segment j of the job's trace (T, or t for a diverged run). */
export function segmentRange(job: Job, j: number): TraceRange {
  const { T, k } = traceSteps(job);
  return segmentBounds(T, k, j);
}

/** The revealed leaves starting at `from` with exactly `len` hashes, or null. */
export function revealedAt(job: Job, from: number, len: number): Uint8Array[] | null {
  const r = job.reveals.find((x) => x.from === from && x.hashes.length === len);
  return r ? r.hashes : null;
}

/** Whether the job's digests and attestation disputes cover losses: its TraceCommit carried a loss root (docs/jobs.md §1.1). */
export const hasLossRoot = (job: Pick<Job, 'commitment'>): boolean => !!job.commitment?.lossRoot;

/**
 * h_0 and, per sampled segment, what the digest covers after its start, from the solver's reveals
 * (null if any is missing): h_{j·k+1} .. h_{end_j}, or for a job with a loss root the step claims
 * stepClaim(h_{t+1}, loss_t) of those steps. `raw` holds the plain hashes either way.
 */
export function revealedDigestInput(job: Job): { h0: Uint8Array; segments: Uint8Array[][]; raw: Uint8Array[][] } | null {
  const first = job.reveals.find((x) => x.from === 0);
  if (!first) return null;
  const segments: Uint8Array[][] = [];
  const raw: Uint8Array[][] = [];
  const withLoss = hasLossRoot(job);
  for (const j of job.segments) {
    const r = segmentRange(job, j);
    const rv = job.reveals.find((x) => x.from === r.from && x.hashes.length === r.to - r.from + 1);
    if (!rv || (withLoss && !rv.losses)) return null;
    const hs = rv.hashes.slice(1);
    raw.push(hs);
    segments.push(withLoss ? segmentClaims(hs, rv.losses!) : hs);
  }
  return { h0: first.hashes[0]!, segments, raw };
}

/** The revealed hashes of `member`'s segments (memberSegments order), from a full digest input. */
export function memberHashes(job: Job, member: Uint8Array, input: { segments: Uint8Array[][] }): Uint8Array[][] {
  return memberSegments(job, member).map((j) => input.segments[job.segments.indexOf(j)]!);
}

/**
 * The digest `member` must have posted if it replayed its segments of the solver's revealed trace
 * (null before the reveal): attestationDigest(jobId, member, h0, [hashes of memberSegments]).
 */
export function expectedDigest(job: Job, member: Uint8Array): Uint8Array | null {
  const input = revealedDigestInput(job);
  return input ? attestationDigest(job.id, member, input.h0, memberHashes(job, member, input)) : null;
}

/** Members whose attestation a referee proved wrong (they lost an attestation dispute). */
export function provenWrong(job: Job): Uint8Array[] {
  return job.disputes
    .filter((d) => d.kind === DisputeKind.Attestation && d.stage === DisputeStage.Resolved && d.winner === DisputeWinner.Solver && d.member)
    .map((d) => d.member!);
}

const isIn = (list: readonly Uint8Array[], a: Uint8Array) => list.some((x) => equalBytes(x, a));

/**
 * Attesters who caught the solver: a real digest (not UNAVAILABLE) that differs from the revealed
 * trace's, not proven wrong; before the reveal (a withheld reveal), every real digest. Ascending by address.
 */
export function catchers(job: Job): Uint8Array[] {
  const wrong = provenWrong(job);
  return job.attestations
    .filter((a) => !equalBytes(a.digest, UNAVAILABLE_DIGEST) && !isIn(wrong, a.address))
    .filter((a) => {
      const want = expectedDigest(job, a.address);
      return want === null || !equalBytes(want, a.digest);
    })
    .map((a) => a.address);
}

/** Distinct sample indices the batch of step t draws (ascending). */
export function batchNeeded(job: Pick<Job, 'terms' | 'seed'>, t: number): number[] {
  const spec = parseSpec(utf8.decode(job.terms.spec));
  return [...new Set(batchIndices(job.seed!, t, spec.batchSize, job.terms.datasetSize))].sort((a, b) => a - b);
}

/** Exact length of the job's state encoding, and the number of DA chunks it is cut into. */
export function stateShape(job: Pick<Job, 'terms'>): { bytes: number; chunks: number } {
  const bytes = refereeCost(parseSpec(utf8.decode(job.terms.spec))).stateBytes;
  return { bytes, chunks: chunkCountOf(bytes, CHUNK_SIZE) };
}

/** What locating a disagreement gives: the referee's step, or a decision without one. */
export type Located =
  | { kind: 'step'; step: number; agreed: Uint8Array; solverNext: Uint8Array; otherNext: Uint8Array }
  | { kind: 'decided'; winner: typeof DisputeWinner.Solver | typeof DisputeWinner.Other; reason: string };

/**
 * A Solver-kind dispute over segment [from, to]: `claim` is the challenger's h_from..h_to, `answer` the
 * solver's. The first index where they differ, i, gives t = from + i - 1 (both agree on h_t). Equal
 * lists mean there was nothing to dispute; a different h_from means the challenger disputes the
 * wrong segment (its start is the end of the one before), except at h_0, which the referee derives.
 * For a job with a loss root (docs/jobs.md §1.1) `leaf` is the solver's loss leaf of the segment and
 * the challenger's entries after h_from are step claims: the solver's side is then
 * [h_from, claim(h_{from+1}, loss_from), ...], while `agreed` stays the solver's plain h_t, the state
 * both replayed through (every claim before step t agrees, so every hash before it does).
 */
export function locateSegment(from: number, claim: readonly Uint8Array[], answer: readonly Uint8Array[], leaf?: Uint8Array): Located {
  const solver = leaf ? [answer[0]!, ...segmentClaims(answer.slice(1), leaf)] : answer;
  const i = claim.findIndex((h, n) => !equalBytes(h, solver[n]!));
  if (i < 0) return { kind: 'decided', winner: DisputeWinner.Solver, reason: 'no-difference' };
  if (i === 0) {
    if (from !== 0) return { kind: 'decided', winner: DisputeWinner.Solver, reason: 'start-mismatch' };
    return { kind: 'step', step: -1, agreed: ZERO_HASH, solverNext: solver[0]!, otherNext: claim[0]! };
  }
  return { kind: 'step', step: from + i - 1, agreed: answer[i - 1]!, solverNext: solver[i]!, otherNext: claim[i]! };
}

/**
 * An Attestation-kind dispute: the member's preimage (h0, then the hashes after the start of each of
 * its segments, memberSegments order) against the solver's reveals. Segment starts are the opened
 * checkpoints, which the member replayed from, so both agree on them.
 */
export function locateAttestation(job: Job, member: Uint8Array, h0: Uint8Array, mine: readonly (readonly Uint8Array[])[]): Located {
  const solver = revealedDigestInput(job)!;
  if (!equalBytes(h0, solver.h0)) return { kind: 'step', step: -1, agreed: ZERO_HASH, solverNext: solver.h0, otherNext: h0 };
  for (const [n, j] of memberSegments(job, member).entries()) {
    const { from } = segmentRange(job, j);
    const theirs = solver.segments[job.segments.indexOf(j)]!;
    const hashes = solver.raw[job.segments.indexOf(j)]!;
    const start = revealedAt(job, from, theirs.length + 1)![0]!;
    const ours = mine[n]!;
    // with a loss root both sides are step claims: the first differing one names the step, whose
    // start state both agree on (the solver's h_t, equal to the member's since the claims before agree)
    const i = ours.findIndex((h, x) => !equalBytes(h, theirs[x]!));
    if (i >= 0) return { kind: 'step', step: from + i, agreed: i === 0 ? start : hashes[i - 1]!, solverNext: theirs[i]!, otherNext: ours[i]! };
  }
  return { kind: 'decided', winner: DisputeWinner.Other, reason: 'no-difference' };
}

/** Splits `member`'s preimage hashes into h0 and per-segment lists over its segments (null when the count is wrong). */
export function splitPreimage(job: Job, member: Uint8Array, hashes: readonly Uint8Array[]): { h0: Uint8Array; segments: Uint8Array[][] } | null {
  const lens = memberSegments(job, member).map((j) => { const r = segmentRange(job, j); return r.to - r.from; });
  if (hashes.length !== 1 + lens.reduce((a, b) => a + b, 0)) return null;
  const segments: Uint8Array[][] = [];
  let o = 1;
  for (const n of lens) { segments.push(hashes.slice(o, o + n)); o += n; }
  return { h0: hashes[0]!, segments };
}

export const isOpen = (d: Dispute): boolean => d.stage !== DisputeStage.Resolved;

/** The phases in which checkpoint chunks may be demanded and must be answered (docs/disputes.md §6). */
export const DEMANDABLE: readonly number[] = [JobStatus.Attesting, JobStatus.Redrawing, JobStatus.Revealing, JobStatus.Provisional];
