// Loss curves in vm tests (docs/jobs.md §1.1): a solver's loss commitment and loss-carrying reveal
// built from its real run, a member's replay that recomputes each step's loss and attests step
// claims, and a liar who commits one step's loss altered while every hash stays honest.
import {
  createTrainer, decodeState, initialState, lossBits, lossLeaves, lossLeafProof, lossRoot, replaySegment, segmentClaims, stepHash,
} from '../../ml-runtime/index.ts';
import { attestationDigest, memberSegments, type Job, type JobRevealPayload, type TraceCommitPayload, type TxPayload } from '../../vm/index.ts';
import { solverRespond } from './dispute-work.ts';
import { concatBytes, equalBytes } from '../../primitives/index.ts';
import { JobStatus } from '../../vm/index.ts';
import type { TestChain } from './job-test-chain.ts';
import { submit, acceptAndTrain, DA_PEER, DA_ADDRS } from './job-flow.ts';
import { DATA, K, SPEC, T, type SolverWork } from './job-work.ts';

/** The losses a solver commits: its run's, with `lie` (step → value) substituted. */
export function committedLosses(work: SolverWork, lie: ReadonlyMap<number, number> = new Map()): number[] {
  return work.trace.losses.map((l, t) => lie.get(t) ?? l);
}

export function commitWithLoss(work: SolverWork, losses: readonly number[]): TraceCommitPayload {
  return { ...work.commit(), lossRoot: lossRoot(losses, T, K) };
}

/** The reveal with each sampled segment's loss leaf and its proof under the loss root. */
export function revealWithLoss(job: Job, work: SolverWork, losses: readonly number[]): JobRevealPayload {
  const leaves = lossLeaves(losses, T, K);
  const items = work.revealItems(job).map((it) => {
    const j = it.from / K;
    if (!Number.isInteger(j) || it.from >= T || !job.segments.includes(j)) return it;
    return { ...it, losses: leaves[j]!, lossSiblings: lossLeafProof(leaves, j).siblings };
  });
  return { kind: 'job-reveal', jobId: job.id, items };
}

/**
 * A member's replay of every sampled segment with the loss of each step: h0 and per segment the step
 * claims (`lie`: step → loss a lying member claims instead of the one it computed).
 */
export function replayClaims(job: Job, work: SolverWork, lie: ReadonlyMap<number, number> = new Map()): { h0: Uint8Array; segments: Uint8Array[][] } {
  const tr = createTrainer(SPEC, DATA, job.seed!);
  const s0 = initialState(tr);
  const segments = job.segments.map((j) => {
    const state = j === 0 ? s0 : decodeState(work.trace.checkpoints[j]!.bytes, tr.layout);
    const bits: Uint8Array[] = [];
    const to = Math.min((j + 1) * K, T);
    const hs = replaySegment(SPEC, DATA, job.id, job.seed!, state, j * K, to, (t, loss) => { bits.push(lossBits(lie.get(t) ?? loss)); });
    return segmentClaims(hs.slice(1), concatBytes(...bits));
  });
  return { h0: stepHash(job.id, s0), segments };
}

/** `member`'s digest and preimage over its own segments of a claims replay. */
export function claimDigest(job: Job, member: Uint8Array, r: ReturnType<typeof replayClaims>): { digest: Uint8Array; preimage: Uint8Array[] } {
  const own = memberSegments(job, member).map((j) => r.segments[job.segments.indexOf(j)]!);
  return { digest: attestationDigest(job.id, member, r.h0, own), preimage: [r.h0, ...own.flat()] };
}

/** The segments the challenge of the first job of chain `salt` draws (the roots do not influence it). */
export function sampledFor(chain: (salt: string) => TestChain, salt: string): number[] {
  const probe = chain(salt);
  const id = submit(probe);
  probe.block([probe.tx(probe.solver, { kind: 'job-accept', jobId: id, daPeer: DA_PEER, daAddrs: DA_ADDRS })]);
  probe.until(id, (j) => j.status === JobStatus.Training);
  const h = new Uint8Array(32).fill(9);
  probe.block([probe.tx(probe.solver, { kind: 'trace-commit', jobId: id, traceRoot: h, checkpointsRoot: h, finalChunkRoot: h, finalStepHash: h, lossRoot: h })]);
  probe.until(id, (j) => j.status === JobStatus.Challenged);
  return probe.job(id).segments;
}

/** Up to the reveal phase: a loss-committing solver (its losses with `lie` substituted), honest members attesting replayed step claims. */
export function lossJobToReveal(c: TestChain, chain: (salt: string) => TestChain, lie: (segments: number[]) => ReadonlyMap<number, number> = () => new Map()) {
  const id = submit(c);
  const work = acceptAndTrain(c, id);
  const losses = committedLosses(work, lie(sampledFor(chain, c.salt)));
  c.block([c.tx(c.solver, commitWithLoss(work, losses))]);
  c.until(id, (j) => j.status === JobStatus.Challenged);
  c.block([c.tx(c.solver, work.open(c.job(id)))]);
  const job = c.job(id);
  const r = replayClaims(job, work);
  c.block(c.validators.filter((v) => job.committee.some((m) => equalBytes(m.address, v.address))).map((m) => c.tx(m, { kind: 'job-attest', jobId: id, digest: claimDigest(job, m.address, r).digest })));
  c.until(id, (j) => j.status === JobStatus.Revealing);
  return { id, work, losses, replayed: r };
}

// ---- segment disputes of loss-committed jobs (docs/disputes.md §3.3) ----

/** A chain salt whose first job's sample misses a segment X > 0, and X. */
export function unsampledChain(chain: (salt: string) => TestChain, prefix: string): { salt: string; X: number } {
  for (let i = 0; i < 400; i++) {
    const sampled = sampledFor(chain, `${prefix}-${i}`);
    const X = [1, 2, 3].find((j) => !sampled.includes(j));
    if (X !== undefined) return { salt: `${prefix}-${i}`, X };
  }
  throw new Error('no draw missed a segment');
}

/**
 * A watchtower's replay of segment j from the solver's checkpoint: h_from, then the step claims of its
 * own hashes and losses (`lie`: step → the loss a lying watchtower claims). Also the plain hashes.
 */
export function watchClaims(job: Job, work: SolverWork, j: number, lie: ReadonlyMap<number, number> = new Map()) {
  const tr = createTrainer(SPEC, DATA, job.seed!);
  const from = j * K;
  const to = Math.min(from + K, T);
  const bits: Uint8Array[] = [];
  const hs = replaySegment(SPEC, DATA, job.id, job.seed!, decodeState(work.trace.checkpoints[j]!.bytes, tr.layout), from, to, (t, loss) => { bits.push(lossBits(lie.get(t) ?? loss)); });
  return { hashes: hs, claim: [hs[0]!, ...segmentClaims(hs.slice(1), concatBytes(...bits))] };
}

/** The solver's answer: its hashes with the range proof, and its loss leaf of segment j with its proof under the loss root. */
export function respondWithLoss(job: Job, work: SolverWork, losses: readonly number[], j: number) {
  const base = solverRespond(job, work, 0, j) as Extract<TxPayload, { kind: 'dispute-respond' }>;
  const leaves = lossLeaves(losses, T, K);
  return { ...base, losses: leaves[j]!, lossSiblings: lossLeafProof(leaves, j).siblings };
}
