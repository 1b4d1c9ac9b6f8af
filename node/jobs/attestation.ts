// A committee member's attestation (docs/jobs.md §4): the digest over hashes only a replay yields.
import { attestationDigest } from '../../vm/index.ts';
import { JobsError } from './errors.ts';
import { replaySegments, type ReplayInput, type ReplayOptions } from './replay-worker.ts';

/**
 * Replays the sampled segments (which must ascend without repeats, as the challenge lists them)
 * and returns attestationDigest(jobId, attester, h0, segmentHashes).
 */
export async function computeAttestation(input: ReplayInput & { attester: Uint8Array }, opts: ReplayOptions = {}): Promise<Uint8Array> {
  const segs = input.segments.map((s) => s.segment);
  if (segs.some((j, i) => i > 0 && j <= segs[i - 1]!)) throw new JobsError('REPLAY_FAILED', `segments must ascend without repeats, got [${segs.join(', ')}]`);
  const { attester, ...rest } = input;
  const r = await replaySegments(rest, opts);
  return attestationDigest(input.jobId, attester, r.h0, r.segmentHashes);
}
