// The end-of-block half of the dispute game (docs/disputes.md §4-§6): missed moves lose, a located
// step with its state and batch on chain is re-executed by the referee, and each decision moves the
// bonds, slashes a lying member or ends the job. Runs inside block application on every validator.
import { VmError } from '../errors.ts';
import {
  DisputeKind, DisputeStage, DisputeWinner, EventKind, JobOutcome, JobStatus, NON_FINITE_CLAIM,
  type ChainEvent, type Dispute, type DisputeWinnerTag, type Job,
} from '../types/index.ts';
import type { StateOverlay } from '../state/overlay.ts';
import { lossBits, stepClaim, type RefereeResult } from '../../ml-runtime/commitment/index.ts';
import { slashValidator } from '../execute/tx.ts';
import { batchNeeded, catchers, hasLossRoot, isOpen } from './dispute-rules.ts';
import { pay, type Settlement } from './settle.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

/** How the tick changes a job (reporting a status change) and ends one (settles the money, refunds open bonds and fees). */
export interface TickOps {
  set(job: Job, patch: Partial<Job>): Job;
  end(job: Job, status: Job['status'], outcome: string, s: Settlement): void;
}

function ready(job: Job, d: Dispute): { state: Uint8Array | null } | null {
  const full = d.supplies.find((x) => x.bytes.length === x.total);
  if (d.step < 0) {
    if (!job.terms.parent) return { state: null };
    return full ? { state: full.bytes } : null;
  }
  if (!full) return null;
  const have = new Set(d.samples.map((x) => x.index));
  return batchNeeded(job, d.step).every((i) => have.has(i)) ? { state: full.bytes } : null;
}

/** Runs the injected referee on a ready dispute. Throws REFEREE_MISSING when the node gave none for this runtime. */
function referee(o: StateOverlay, job: Job, d: Dispute, state: Uint8Array | null): RefereeResult {
  const r = o.base.referee;
  if (!r || !r.runtimes.includes(job.terms.runtime)) {
    throw new VmError('REFEREE_MISSING', `no referee for runtime ${job.terms.runtime} is installed; a dispute of job ${bytesToHex(job.id)} needs one`);
  }
  if (d.step < 0) return r.initialHash({ jobId: job.id, spec: job.terms.spec, seed: job.seed!, parentState: state });
  return r.step({
    jobId: job.id, spec: job.terms.spec, seed: job.seed!, datasetSize: job.terms.datasetSize, t: d.step, state: state!,
    samples: new Map(d.samples.map((x) => [x.index, x.bytes])),
  });
}

/**
 * Which side the referee's result gives the dispute to: the solver side only if its claim is exactly
 * what the step produced. A segment or attestation dispute of a job with a loss root compares step claims
 * (h_{t+1} bound to loss_t), so a loss the step did not produce loses like a wrong hash.
 */
function judged(job: Job, d: Dispute, r: RefereeResult): { winner: DisputeWinnerTag; hash: Uint8Array } {
  if (r.kind === 'hash') {
    const claimed = d.kind !== DisputeKind.Divergence && d.step >= 0 && hasLossRoot(job) ? stepClaim(r.hash, lossBits(r.loss)) : r.hash;
    return { winner: equalBytes(claimed, d.solverNext) ? DisputeWinner.Solver : DisputeWinner.Other, hash: claimed };
  }
  if (r.kind === 'non-finite') return { winner: equalBytes(d.solverNext, NON_FINITE_CLAIM) ? DisputeWinner.Solver : DisputeWinner.Other, hash: NON_FINITE_CLAIM };
  return { winner: DisputeWinner.Other, hash: new Uint8Array(0) };
}

/**
 * Advances the disputes of a provisional or diverging job at height H. Returns the job as it stands
 * afterwards (null once it ended through `end`).
 */
export function tickDisputes(o: StateOverlay, job: Job, height: bigint, events: ChainEvent[], ops: TickOps): Job | null {
  let cur = job;
  for (let i = 0; i < cur.disputes.length; i++) {
    const d = cur.disputes[i]!;
    if (!isOpen(d)) continue;
    let winner: DisputeWinnerTag = DisputeWinner.None;
    let reason = '';
    let refereeHash: Uint8Array = new Uint8Array(0);
    if (d.stage === DisputeStage.Respond) {
      if (height >= d.deadline) {
        // the defendant missed its move: the solver's segment, or the member's preimage
        winner = d.kind === DisputeKind.Solver ? DisputeWinner.Other : DisputeWinner.Solver;
        reason = 'no-response';
      }
    } else {
      const input = ready(cur, d);
      if (input) {
        const j = judged(cur, d, referee(o, cur, d, input.state));
        winner = j.winner;
        refereeHash = j.hash;
        reason = 'referee';
      } else if (height >= d.deadline) {
        // the solver holds every state it trained through: without one on chain its claim stands unproven
        winner = DisputeWinner.Other;
        reason = 'no-state';
      }
    }
    if (winner === DisputeWinner.None) continue;
    const decided: Dispute = { ...d, stage: DisputeStage.Resolved, winner, reason, refereeHash, endHeight: height, supplies: [], samples: [] };
    cur = ops.set(cur, { disputes: cur.disputes.map((x, n) => (n === i ? decided : x)) });
    const next = decide(o, cur, decided, height, events, ops);
    if (!next) return null;
    cur = next;
  }
  return cur;
}

/** The money and status effects of one decided dispute. */
function decide(o: StateOverlay, job: Job, d: Dispute, height: bigint, events: ChainEvent[], { set, end }: TickOps): Job | null {
  const solver = job.solver!;
  const fraud = (winnerParty: Uint8Array) => {
    const caught = catchers(job);
    end(job, JobStatus.Slashed, JobOutcome.Fraud, { rewarded: caught, bondShares: [winnerParty, ...caught] });
    return null;
  };
  switch (d.kind) {
    case DisputeKind.Solver:
      if (d.winner === DisputeWinner.Solver) {
        pay(o, events, EventKind.DisputeAward, solver, d.bond, d.by);
        return job;
      }
      pay(o, events, EventKind.JobRefund, d.by, d.bond);
      return fraud(d.by);
    case DisputeKind.Attestation: {
      const member = d.member!;
      if (d.winner === DisputeWinner.Other) {
        pay(o, events, EventKind.DisputeAward, member, d.bond, d.by);
        return fraud(member);
      }
      // the member attested hashes the referee disproved: its validator stake pays, half to the disputer
      pay(o, events, EventKind.JobRefund, d.by, d.bond);
      if (o.validator(member)) {
        const attested = job.attestations.find((a) => equalBytes(a.address, member))!;
        const slash = slashValidator(o, { offender: member, height: attested.height }, o.base.params);
        events.push(slash);
        pay(o, events, EventKind.DisputeAward, d.by, slash.amount / 2n, member);
        // the other half stays burned: the slash event already took all of it out of the stake
      }
      return job;
    }
    case DisputeKind.Divergence: {
      if (d.winner === DisputeWinner.Other) {
        end(job, JobStatus.Slashed, JobOutcome.FalseDivergence, { rewarded: [], bondShares: [] });
        return null;
      }
      const windowEnd = height + BigInt(job.terms.dispute.window);
      return set(job, { status: JobStatus.Provisional, verdict: JobOutcome.Diverged, windowEnd, deadline: windowEnd });
    }
  }
  return job;
}

/** Open demands whose deadline has come: the solver did not post the chunk. */
export function lapsedDemands(job: Job, height: bigint): Job['demands'] {
  return job.demands.filter((x) => !x.answer.length && height >= x.deadline);
}

/** Refunds, when a job ends, every bond and fee still escrowed in its unresolved disputes and open demands. */
export function refundOpen(o: StateOverlay, job: Job, height: bigint, events: ChainEvent[]): Job {
  const disputes = job.disputes.map((d) => {
    if (!isOpen(d)) return d;
    pay(o, events, EventKind.JobRefund, d.by, d.bond);
    return { ...d, stage: DisputeStage.Resolved, reason: 'cancelled', endHeight: height, supplies: [], samples: [] };
  });
  for (const x of job.demands) if (!x.answer.length) pay(o, events, EventKind.JobRefund, x.by, x.fee);
  return { ...job, disputes };
}
