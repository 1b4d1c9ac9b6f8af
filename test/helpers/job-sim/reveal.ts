// A simulated solver's phase payloads from its run (JobOpen, JobReveal) with valid Merkle proofs over
// what it committed, and the digest the chain expects from an attester, all by the real rules:
// commitment/schedule.ts (required openings and ranges, segment bounds) and vm/jobs (the digest).
import { attestationDigest, memberSegments, type Job, type JobOpenPayload, type JobRevealPayload } from '../../../vm/index.ts';
import { checkpointLeaf, requiredOpenings, requiredRanges, segmentBounds, type TraceRange } from '../../../ml-runtime/index.ts';
import { leafHash, merkleProof, merkleRangeProof } from '../../../primitives/index.ts';
import type { SolverRun } from './run.ts';

function cpLeafHashes(run: SolverRun): Uint8Array[] {
  run.cpLeafHashCache ??= run.checkpoints.map((c) => leafHash(checkpointLeaf(c.step, c.chunkRoot, c.stepHash)));
  return run.cpLeafHashCache;
}

function traceLeafHashes(run: SolverRun): Uint8Array[] {
  run.leafHashCache ??= run.stepHashes.map(leafHash);
  return run.leafHashCache;
}

export function openingsOf(run: SolverRun, segments: readonly number[]): JobOpenPayload {
  const leaves = cpLeafHashes(run);
  return {
    kind: 'job-open', jobId: run.jobId,
    openings: requiredOpenings(run.T, run.k, segments).map((index) => {
      const c = run.checkpoints[index]!;
      return { index, chunkRoot: c.chunkRoot, stepHash: c.stepHash, siblings: merkleProof(leaves, index).siblings };
    }),
  };
}

export function revealOf(run: SolverRun, segments: readonly number[], ranges: readonly TraceRange[] = requiredRanges(run.T, run.k, segments)): JobRevealPayload {
  const leaves = traceLeafHashes(run);
  return {
    kind: 'job-reveal', jobId: run.jobId,
    items: ranges.map(({ from, to }) => ({ from, hashes: run.stepHashes.slice(from, to + 1), siblings: merkleRangeProof(leaves, from, to) })),
  };
}

/**
 * The verdict's expected digest for `member` from a run's own leaves (what the chain computes from
 * the revealed leaves): lets tests predict which attesters match.
 */
export function expectedDigest(run: SolverRun, job: Job, member: Uint8Array): Uint8Array {
  const segHashes = memberSegments(job, member).map((j) => {
    const { from, to } = segmentBounds(run.T, run.k, j);
    return run.stepHashes.slice(from + 1, to + 1);
  });
  return attestationDigest(job.id, member, run.stepHashes[0]!, segHashes);
}
