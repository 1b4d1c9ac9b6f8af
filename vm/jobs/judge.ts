// The committee's verdict over a fully revealed job (docs/jobs.md §4). It is provisional
// (docs/disputes.md): it is reached when the reveals are in and judged again, without the members a
// referee proved wrong, when the dispute window closes.

import { VmError } from '../errors.ts';
import { JobOutcome, type Job } from '../types/index.ts';
import { attestationDigest, UNAVAILABLE_DIGEST } from './digest.ts';
import { memberHashes, provenWrong, revealedDigestInput } from './dispute-rules.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

export interface Verdict {
  outcome: typeof JobOutcome.Paid | typeof JobOutcome.Mismatch;
  /** Attesters whose digest equals the one the revealed leaves give, ascending by address. */
  agreeing: Uint8Array[];
  /** Attesters whose real digest differs and who were not proven wrong by a referee, ascending by address. */
  disagreeing: Uint8Array[];
}

/**
 * expected(member) = attestationDigest(jobId, member, h_0, [h_{j·k+1} .. h_{end_j}] for j in memberSegments)
 * over the revealed leaves. Any real digest that differs and that no referee proved wrong makes the
 * job a mismatch: one honest replay of a segment is enough, so a disagreement is settled by a
 * dispute (the solver disputes the attestation, or is slashed), never outvoted. UNAVAILABLE claims
 * nothing and counts for neither side. A job no member's replay matched is never paid.
 */
export function judgeJob(job: Job): Verdict {
  const input = revealedDigestInput(job);
  if (!input) throw new VmError('JOB_REVEAL_INVALID', `job ${bytesToHex(job.id)}'s verdict needs every required reveal`);
  const wrong = provenWrong(job);
  const agreeing: Uint8Array[] = [];
  const disagreeing: Uint8Array[] = [];
  for (const a of job.attestations) {
    if (equalBytes(a.digest, attestationDigest(job.id, a.address, input.h0, memberHashes(job, a.address, input)))) agreeing.push(a.address);
    else if (!equalBytes(a.digest, UNAVAILABLE_DIGEST) && !wrong.some((w) => equalBytes(w, a.address))) disagreeing.push(a.address);
  }
  // a lying committee proven wrong step by step does not stop the pay: a referee ruled for the solver
  const checked = agreeing.length > 0 || wrong.length > 0;
  const outcome = disagreeing.length > 0 || !checked ? JobOutcome.Mismatch : JobOutcome.Paid;
  return { outcome, agreeing, disagreeing };
}
