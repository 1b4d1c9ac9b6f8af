// Real proof-of-learning work for job tests: a tiny regression model trained with the det runtime,
// the solver's commitment, openings and reveals built from its trace, and committee members that
// replay the sampled segments from the opened checkpoints.
import { validateSpec, canonicalSpecJson, loadDataset, datasetRoot, createTrainer, initialState, runTraceSync, replaySegment, decodeState, stepHash, checkpointLeaf, selectBackend, trainStates, carryState, type ModelSpec, type TraceHook, type TraceResult, type Trainer, type TrainState, requiredOpenings, requiredRanges } from '../../ml-runtime/index.ts';

import { attestationDigest, disputeTermsFor, memberHashes, UNAVAILABLE_DIGEST } from '../../vm/index.ts';
import type { Job, JobOpenPayload, JobRevealPayload, JobTerms, TraceCommitPayload } from '../../vm/index.ts';
import { leafHash, merkleProof, merkleRangeProof, utf8, equalBytes } from '../../primitives/index.ts';

/** ml-runtime/specs/regression.json with T = 12 steps and checkpoints every k = 3 (4 segments). */
export const SPEC: ModelSpec = validateSpec({
  format: 'polchain/model-spec/v1', inputShape: [8], layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 1 }],
  loss: 'mse', optimizer: { type: 'sgd', learningRate: 0.05 }, batchSize: 32, steps: 12, checkpointInterval: 3,
});
export const T = SPEC.steps;
export const K = SPEC.checkpointInterval;
export const DATA = loadDataset('synthetic-regression').train;

export const useDet = (): Promise<string> => selectBackend('det', { allowFallback: false });

export const specBytes = (s: ModelSpec = SPEC): Uint8Array => utf8(canonicalSpecJson(s));

export function terms(over: Partial<JobTerms> = {}): JobTerms {
  return {
    spec: specBytes(), runtime: 'det-1', datasetRoot: datasetRoot(DATA), datasetSize: DATA.count, q: 16, committeeSize: 5,
    windows: { accept: 3, commit: 3, challengeDelay: 2, open: 3, attest: 3, reveal: 3 },
    solverStake: 5_000n, bounty: 10_000n, attestReward: 1_000n, parent: null,
    dispute: disputeTermsFor(SPEC, { window: 2, move: 3, bond: 700n, demandFee: 30n }), ...over,
  };
}

/** What a solver holds after training: the trace of `trainSpec` (SPEC when honest) from the job's seed. */
export class SolverWork {
  readonly trainer: Trainer;
  readonly trace: TraceResult;

  constructor(readonly job: Job, trainSpec: ModelSpec = SPEC, readonly hooks: readonly TraceHook[] = []) {
    this.trainer = createTrainer(trainSpec, DATA, job.seed!);
    this.trace = runTraceSync(this.trainer, job.id, { hooks });
  }

  /** state_t of this run (the same hooks, trained again: the solver keeps what it needs to re-derive it). */
  stateAt(t: number): TrainState {
    for (const out of trainStates(this.trainer, this.hooks)) if (out.state.step === t) return carryState(out.state, t);
    throw new Error(`no state at step ${t}`);
  }

  commit(): TraceCommitPayload {
    const t = this.trace;
    const last = t.checkpoints[t.checkpoints.length - 1]!;
    return { kind: 'trace-commit', jobId: this.job.id, traceRoot: t.traceRoot, checkpointsRoot: t.checkpointsRoot, finalChunkRoot: last.chunkRoot, finalStepHash: last.stepHash };
  }

  /** The JobOpen for the challenged job `job` (its segments drawn). */
  open(job: Job, indices = requiredOpenings(T, K, job.segments)): JobOpenPayload {
    const leaves = this.trace.checkpoints.map((c) => leafHash(checkpointLeaf(c.step, c.chunkRoot, c.stepHash)));
    return {
      kind: 'job-open', jobId: job.id,
      openings: indices.map((i) => {
        const c = this.trace.checkpoints[i]!;
        return { index: i, chunkRoot: c.chunkRoot, stepHash: c.stepHash, siblings: merkleProof(leaves, i).siblings };
      }),
    };
  }

  /** Reveal items for the required ranges (all of them, or those picked by `pick`). */
  revealItems(job: Job, hashes: readonly Uint8Array[] = this.trace.stepHashes): JobRevealPayload['items'] {
    const leaves = hashes.map(leafHash);
    return requiredRanges(T, K, job.segments).map((r) => ({
      from: r.from, hashes: hashes.slice(r.from, r.to + 1), siblings: merkleRangeProof(leaves, r.from, r.to),
    }));
  }

  reveal(job: Job, items = this.revealItems(job)): JobRevealPayload {
    return { kind: 'job-reveal', jobId: job.id, items };
  }
}

/**
 * A committee member's replay of the attesting job `job`: from the derived initial state for segment
 * 0, else from the solver's checkpoint (as served over DA), which must hash to the opened stepHash.
 * Returns the inputs of the digest, or null when the served data does not match the openings.
 */
export function replay(job: Job, served: SolverWork): { h0: Uint8Array; segments: Uint8Array[][] } | null {
  const tr = createTrainer(SPEC, DATA, job.seed!);
  const s0 = initialState(tr);
  const segments: Uint8Array[][] = [];
  for (const j of job.segments) {
    const opening = job.openings.find((o) => o.index === j)!;
    const cp = served.trace.checkpoints[j]!;
    const state = j === 0 ? s0 : decodeState(cp.bytes, tr.layout);
    if (j > 0 && (!equalBytes(cp.chunkRoot, opening.chunkRoot) || !equalBytes(stepHash(job.id, state), opening.stepHash))) return null;
    const to = Math.min((j + 1) * K, T);
    segments.push(replaySegment(SPEC, DATA, job.id, job.seed!, state, j * K, to).slice(1));
  }
  return { h0: stepHash(job.id, s0), segments };
}

/** `member`'s digest over its own segments (memberSegments) of a replay of all sampled segments. */
export function digestFor(job: Job, member: Uint8Array, r: ReturnType<typeof replay>): Uint8Array {
  return r ? attestationDigest(job.id, member, r.h0, memberHashes(job, member, r)) : UNAVAILABLE_DIGEST;
}
