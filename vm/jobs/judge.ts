// The verdict of a fully revealed job (docs/jobs.md §4). This is the one place that decides paid
// versus slashed from the evidence on chain: a later permissionless bisection dispute replaces or
// extends it without touching the phase machine.

import { VmError } from '../errors.ts';
import { JobOutcome, type Job } from '../types/index.ts';
import { attestationDigest } from './digest.ts';
import { jobSteps } from './terms.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

export interface Verdict {
  outcome: typeof JobOutcome.Paid | typeof JobOutcome.Mismatch;
  /** Attesters whose digest equals the one the revealed leaves give, ascending by address. */
  agreeing: Uint8Array[];
  /** Attesters whose digest differs (including UNAVAILABLE_DIGEST), ascending by address. */
  disagreeing: Uint8Array[];
}

function revealed(job: Job, from: number): Uint8Array[] {
  const r = job.reveals.find((x) => x.from === from);
  if (!r) throw new VmError('JOB_REVEAL_INVALID', `job verdict needs the reveal at ${from}, which is missing`);
  return r.hashes;
}

/**
 * expected(member) = attestationDigest(jobId, member, h_0, [h_{j·k+1} .. h_{end_j}] for j in segments)
 * over the revealed leaves; the job is slashed when 3·disagree ≥ 2·committeeStake (stakes from the
 * committee snapshot), otherwise paid. The caller ensures every required range is revealed.
 */
export function judgeJob(job: Job): Verdict {
  const { k } = jobSteps(job.terms);
  const h0 = revealed(job, 0)[0]!;
  const segmentHashes = job.segments.map((j) => revealed(job, j * k).slice(1));
  const stakeOf = new Map(job.committee.map((m) => [bytesToHex(m.address), m.stake]));
  let committeeStake = 0n;
  for (const m of job.committee) committeeStake += m.stake;
  let disagree = 0n;
  const agreeing: Uint8Array[] = [];
  const disagreeing: Uint8Array[] = [];
  for (const a of job.attestations) {
    if (equalBytes(a.digest, attestationDigest(job.id, a.address, h0, segmentHashes))) agreeing.push(a.address);
    else {
      disagreeing.push(a.address);
      disagree += stakeOf.get(bytesToHex(a.address)) ?? 0n;
    }
  }
  // An empty committee (the solver is the only active validator) gives 0 ≥ 0: nobody checked, so no pay.
  const outcome = 3n * disagree >= 2n * committeeStake ? JobOutcome.Mismatch : JobOutcome.Paid;
  return { outcome, agreeing, disagreeing };
}
