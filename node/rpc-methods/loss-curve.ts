// job_getLossCurve (docs/rpc.md "Jobs", docs/jobs.md §1.1): a job's committed losses with how far the
// chain checked each. The rule for a step t of segment j:
//   confirmed  a member whose digest matches the revealed step claims replayed j (sampled j: it
//              recomputed loss_t and got the committed bits), or a referee ruled for the solver at
//              step t of an attestation or segment dispute (it recomputed loss_t itself);
//   mismatch   a referee ruled against the solver at step t of an attestation or segment dispute (for a
//              segment dispute of a loss-committed job it compared claim(h_{t+1}, loss_t)), or every member
//              that replayed j posted a real digest that differs and was not proven wrong (the digest
//              does not say which step, so each step of j is marked);
//   committed  everything else: the solver's word under its loss root.
// The vector itself comes from the solver over DA (checked against the root by the node); without it
// the answer holds the losses the reveals put on chain and says why.
import {
  DisputeKind, DisputeStage, DisputeWinner, UNAVAILABLE_DIGEST, attestationDigest, jobSteps, memberHashes, memberSegments, provenWrong,
  revealedDigestInput, segmentRange, type Job,
} from '../../vm/index.ts';
import { LOSS_CURVE_MAX_POINTS, type LossCurveJson, type LossPointJson, type LossPointStatus, type Native } from '../../rpc/index.ts';
import { lossesOfBits } from '../../ml-runtime/index.ts';
import { equalBytes } from '../../primitives/index.ts';

/** The whole loss vector of a job (f32be bits, checked against its loss root), or why the node has none. */
export type LossVectorResult = { bits: Uint8Array } | { reason: string };
export type LossVectorSource = (job: Job) => Promise<LossVectorResult>;

const stepsOf = (job: Job, j: number): number[] => {
  const { from, to } = segmentRange(job, j);
  return Array.from({ length: to - from }, (_, i) => from + i);
};

/** Status of every step the chain checked (unlisted steps are 'committed'). */
export function checkedSteps(job: Job): Map<number, LossPointStatus> {
  const out = new Map<number, LossPointStatus>();
  const input = job.commitment?.lossRoot ? revealedDigestInput(job) : null;
  if (input) {
    const wrong = provenWrong(job);
    const agree = new Set<number>();
    const differ = new Set<number>();
    for (const a of job.attestations) {
      const segs = memberSegments(job, a.address);
      if (equalBytes(a.digest, attestationDigest(job.id, a.address, input.h0, memberHashes(job, a.address, input)))) segs.forEach((j) => agree.add(j));
      else if (!equalBytes(a.digest, UNAVAILABLE_DIGEST) && !wrong.some((w) => equalBytes(w, a.address))) segs.forEach((j) => differ.add(j));
    }
    for (const j of differ) if (!agree.has(j)) for (const t of stepsOf(job, j)) out.set(t, 'mismatch');
    for (const j of agree) for (const t of stepsOf(job, j)) out.set(t, 'confirmed');
  }
  if (job.commitment?.lossRoot) {
    for (const d of job.disputes) {
      if (d.kind === DisputeKind.Divergence || d.stage !== DisputeStage.Resolved || d.reason !== 'referee' || d.step < 0) continue;
      out.set(d.step, d.winner === DisputeWinner.Solver ? 'confirmed' : 'mismatch');
    }
  }
  return out;
}

/** The losses revealed on chain (sampled segments), by step. */
function revealedLosses(job: Job): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of job.reveals) {
    if (!r.losses) continue;
    lossesOfBits(r.losses).forEach((l, i) => out.set(r.from + i, l));
  }
  return out;
}

/** At most LOSS_CURVE_MAX_POINTS points, evenly spaced, every checked one kept; non-finite losses are left out (JSON has no NaN). */
export function downsample(points: LossPointJson[], max = LOSS_CURVE_MAX_POINTS): LossPointJson[] {
  const finite = points.filter((p) => Number.isFinite(p.loss));
  if (finite.length <= max) return finite;
  const special = finite.filter((p) => p.status !== 'committed');
  const room = Math.max(0, max - special.length);
  const plain = finite.filter((p) => p.status === 'committed');
  const stride = room > 0 ? plain.length / room : Infinity;
  const keep = new Set<LossPointJson>(special);
  for (let i = 0; i < room; i++) keep.add(plain[Math.floor(i * stride)]!);
  return finite.filter((p) => keep.has(p));
}

export async function lossCurveJson(job: Job, source: LossVectorSource | undefined): Promise<LossCurveJson<Native>> {
  const { T } = jobSteps(job.terms);
  const root = job.commitment?.lossRoot ?? null;
  const base = { jobId: job.id, steps: T, lossRoot: root };
  if (!root) {
    const reason = job.commitment ? 'the solver\'s TraceCommit carried no loss root (tx version 1)' : 'the solver has not committed its trace yet';
    return { ...base, available: false, reason, points: [] };
  }
  const status = checkedSteps(job);
  const got: LossVectorResult = source ? await source(job) : { reason: 'this node does not fetch loss vectors over DA' };
  const values = 'bits' in got ? new Map(lossesOfBits(got.bits).map((l, t) => [t, l])) : revealedLosses(job);
  const points = [...values].sort(([a], [b]) => a - b).map(([step, loss]) => ({ step, loss, status: status.get(step) ?? 'committed' as const }));
  return 'bits' in got ? { ...base, available: true, points: downsample(points) } : { ...base, available: false, reason: got.reason, points: downsample(points) };
}
