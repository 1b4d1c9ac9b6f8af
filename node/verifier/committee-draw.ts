// Which committee of a job this member works for, and which segments it replays for it. A job whose
// committee missed quorum is redrawn (Redrawing, then Attesting again with a new committee and no
// attestations): the verifier's work, digests and records are keyed by (job id, draw), so a member
// drawn again attests again, and nothing computed for an earlier committee is reused by mistake.
import { memberSegments, type Job } from '../../vm/index.ts';
import { bytesToHex } from '../../primitives/index.ts';

/** The committee draw the job is in (1 for the first committee, docs/committee.md §6). */
export function drawOf(job: Job): number {
  return job.draws;
}

/** The key of this member's work on the job's current committee: `<job id hex>:<draw>`. */
export function workKey(job: Job): string {
  return `${bytesToHex(job.id)}:${drawOf(job)}`;
}

/** The sampled segments this member replays and its digest covers (with h0), ascending: its seats' share (docs/committee.md §4). */
export function segmentsToReplay(job: Job, member: Uint8Array): number[] {
  return memberSegments(job, member);
}
