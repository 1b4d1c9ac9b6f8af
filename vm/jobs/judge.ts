// The committee's verdict over a fully revealed job (docs/jobs.md §4). It is provisional
// (docs/disputes.md): it is reached when the reveals are in and judged again, without the members a
// referee proved wrong, when the dispute window closes.

import { VmError } from '../errors.ts';
import { JobOutcome, type Job } from '../types/index.ts';
import { attestationDigest, UNAVAILABLE_DIGEST } from './digest.ts';
import { provenWrong, revealedDigestInput } from './dispute-rules.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

export interface Verdict {
  outcome: typeof JobOutcome.Paid | typeof JobOutcome.Mismatch;
  /** Attesters whose digest equals the one the revealed leaves give, ascending by address. */
  agreeing: Uint8Array[];
  /** Attesters whose real digest differs and who were not proven wrong by a referee, ascending by address. */
  disagreeing: Uint8Array[];
}

/**
 * expected(member) = attestationDigest(jobId, member, h_0, [h_{j·k+1} .. h_{end_j}] for j in segments)
 * over the revealed leaves; the job is a mismatch when 3·disagree ≥ 2·committeeStake (stakes from the
 * committee snapshot) or when no member's digest matched, otherwise paid. UNAVAILABLE claims nothing
 * and counts for neither side (a member that cannot get data demands it on chain instead), so network
 * trouble at some members cannot slash a solver that others could replay; nor does a member a
 * referee proved wrong count.
 */
export function judgeJob(job: Job): Verdict {
  const input = revealedDigestInput(job);
  if (!input) throw new VmError('JOB_REVEAL_INVALID', `job ${bytesToHex(job.id)}'s verdict needs every required reveal`);
  const wrong = provenWrong(job);
  const stakeOf = new Map(job.committee.map((m) => [bytesToHex(m.address), m.stake]));
  let committeeStake = 0n;
  for (const m of job.committee) committeeStake += m.stake;
  let disagree = 0n;
  let agree = 0n;
  const agreeing: Uint8Array[] = [];
  const disagreeing: Uint8Array[] = [];
  for (const a of job.attestations) {
    if (equalBytes(a.digest, attestationDigest(job.id, a.address, input.h0, input.segments))) {
      agreeing.push(a.address);
      agree += stakeOf.get(bytesToHex(a.address)) ?? 0n;
    }
    else if (!equalBytes(a.digest, UNAVAILABLE_DIGEST) && !wrong.some((w) => equalBytes(w, a.address))) {
      disagreeing.push(a.address);
      disagree += stakeOf.get(bytesToHex(a.address)) ?? 0n;
    }
  }
  // A job nobody checked is never paid: an empty committee (the solver is the only active validator),
  // or one where no member's replay matched (all silent or UNAVAILABLE) and no referee ruled for the
  // solver against a member (a lying committee proven wrong step by step does not stop the pay).
  const checked = agree > 0n || wrong.length > 0;
  const outcome = 3n * disagree >= 2n * committeeStake || !checked ? JobOutcome.Mismatch : JobOutcome.Paid;
  return { outcome, agreeing, disagreeing };
}
