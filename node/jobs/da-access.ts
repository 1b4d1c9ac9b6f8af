// Who may have a job's checkpoint chunks (docs/da.md §2b). Until the job is Finalized its weights
// are the solver's work that the submitter has not paid for yet, so they go only to those who must
// check or contest it: the current committee, a demander, and the parties of an open dispute. Once Finalized the final checkpoint is the proven model and public.
import { checkpointCount, parseSpec } from '../../ml-runtime/index.ts';
import { JobStatus, DisputeStage, type Job } from '../../vm/index.ts';
import { encodeAddress } from '../../primitives/index.ts';

/** What the rule needs to know about a job, from whichever chain view the server has. */
export interface DaJobFacts {
  /** the chain height these facts were read at (a signature's notAfter is checked against it) */
  height: bigint;
  /** running (any phase before an end), finalized, or ended otherwise (slashed, expired, diverged) */
  phase: 'running' | 'finalized' | 'ended';
  /** index of the job's last checkpoint: the final weights */
  finalCheckpoint: number;
  /** bech32 addresses of the current committee */
  committee: readonly string[];
  /** the senders (bech32) of the job's availability demands, answered or not */
  demanders: readonly string[];
  /** the disputer and (attestation disputes) the disputed member of every dispute not resolved */
  openDisputeParties: readonly string[];
}

/** Why a request may be served. */
export type DaGrant = 'public' | 'committee' | 'demand' | 'dispute';

/**
 * The grant under which `requester` (bech32, null when the request carried no signature) may have
 * checkpoint `checkpoint` of the job, or null when it may not.
 */
export function daGrant(f: DaJobFacts, checkpoint: number, requester: string | null): DaGrant | null {
  if (f.phase === 'finalized' && checkpoint === f.finalCheckpoint) return 'public';
  // a job that ended has no move left to check or contest: nobody needs its other checkpoints
  if (requester === null || f.phase !== 'running') return null;
  if (f.committee.includes(requester)) return 'committee';
  if (f.openDisputeParties.includes(requester)) return 'dispute';
  // a demand buys the job's checkpoints until it ends: answering it at once must not shut the demander out
  if (f.demanders.includes(requester)) return 'demand';
  return null;
}

const ENDED_OTHERWISE: readonly number[] = [JobStatus.Slashed, JobStatus.Expired, JobStatus.Diverged];

/** The facts of a vm job at `height` (a node's own state). */
export function daFactsOfJob(job: Job, height: bigint): DaJobFacts {
  let finalCheckpoint = 0;
  try {
    const spec = parseSpec(new TextDecoder().decode(job.terms.spec));
    finalCheckpoint = checkpointCount(job.divergedAt > 0 ? job.divergedAt : spec.steps, spec.checkpointInterval) - 1;
  } catch {
    // a job whose spec does not parse never trained: nothing of it is public
    finalCheckpoint = -1;
  }
  const parties: string[] = [];
  for (const d of job.disputes) {
    if (d.stage === DisputeStage.Resolved) continue;
    parties.push(encodeAddress(d.by));
    if (d.member) parties.push(encodeAddress(d.member));
  }
  return {
    height,
    phase: job.status === JobStatus.Finalized ? 'finalized' : ENDED_OTHERWISE.includes(job.status) ? 'ended' : 'running',
    finalCheckpoint,
    committee: job.committee.map((m) => encodeAddress(m.address)),
    demanders: job.demands.map((d) => encodeAddress(d.by)),
    openDisputeParties: parties,
  };
}
