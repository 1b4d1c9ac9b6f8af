// Which committee of a job this member works for, and which segments it replays for it. A job whose
// committee missed quorum is redrawn (Redrawing, then Attesting again with a new committee and no
// attestations): the verifier's work, digests and records are keyed by (job id, draw), so a member
// drawn again attests again, and nothing computed for an earlier committee is reused by mistake.
import type { Job } from '../../vm/index.ts';
import { bytesToHex } from '../../primitives/index.ts';

/**
 * The committee draw the job is in (1 for the first committee). Read defensively: `job.draws`
 * comes with the redraw rules of chain protocol v5; a job without it is in its first draw.
 */
export function drawOf(job: Job): number {
  const d = (job as { draws?: number }).draws;
  return typeof d === 'number' && Number.isSafeInteger(d) && d >= 1 ? d : 1;
}

/** The key of this member's work on the job's current committee: `<job id hex>:<draw>`. */
export function workKey(job: Job): string {
  return `${bytesToHex(job.id)}:${drawOf(job)}`;
}

/**
 * The sampled segments this member replays and its digest covers (with h0), ascending. Every
 * sampled segment for now; with split checking it becomes vm's memberSegments(job, member).
 */
export function segmentsToReplay(job: Job, _member: Uint8Array): number[] {
  return [...job.segments];
}
