// What the defending parties of the dispute game (docs/disputes.md §3) put on chain from what they
// kept: the solver's segment hashes with their range proof under traceRoot, a demanded checkpoint
// chunk with its two proofs, and state_t derived again from the nearest checkpoint on disk; and how
// anyone reads a chunk back out of a DaChunk transaction, checked as the chain checked it.
import {
  checkpointCount, checkpointLeaf, checkpointStep, createTrainer, decodeState, encodeState, parseSpec, trainStep, verifyChunk,
  type Dataset, type TrainState,
} from '../../ml-runtime/index.ts';
import type { DaChunkPayload, DisputeRespondPayload, Job } from '../../vm/index.ts';
import type { SolverArtifacts } from './artifacts.ts';
import { JobsError } from './errors.ts';
import { chunkCountOf, encodedLengthOf, layoutOfSpec } from './state-layout.ts';
import { equalBytes, leafHash, verifyMerkleProof } from '../../primitives/index.ts';

/** The solver's answer to a dispute over the steps [from, to]: its hashes h_from..h_to with a range proof under traceRoot. */
export async function solverRespondPayload(art: SolverArtifacts, dispute: number, from: number, to: number): Promise<DisputeRespondPayload> {
  const [item] = await art.revealItems([{ from, to }]);
  // a whole segment of a loss-committed run carries its loss leaf: the vm compares step claims (docs/disputes.md §3.3)
  const loss = item!.losses?.length ? { losses: item!.losses, lossSiblings: item!.lossSiblings ?? [] } : {};
  return { kind: 'dispute-respond', jobId: art.jobId, dispute, hashes: item!.hashes, siblings: item!.siblings, ...loss };
}

/** The solver's answer to an availability demand: chunk `chunk` of checkpoint `checkpoint`, proven under its chunk root, and that root under checkpointsRoot. */
export async function daChunkPayload(art: SolverArtifacts, checkpoint: number, chunk: number): Promise<DaChunkPayload> {
  const [op] = art.openings([checkpoint]);
  const c = await art.chunk(checkpoint, chunk);
  return {
    kind: 'da-chunk', jobId: art.jobId, checkpoint, chunkRoot: op!.chunkRoot, stepHash: op!.stepHash, checkpointSiblings: op!.siblings,
    chunk, bytes: c.chunk, chunkSiblings: c.siblings,
  };
}

/**
 * state_t of the solver's run, derived again from the last checkpoint at or before t by replaying
 * the steps in between with the spec's step function (at most k - 1 of them). Needs the det backend
 * selected, as training did.
 */
export async function solverStateAt(art: SolverArtifacts, dataset: Dataset, t: number): Promise<{ state: TrainState; bytes: Uint8Array; replayed: number }> {
  if (!Number.isInteger(t) || t < 0 || t > art.T) throw new JobsError('ARTIFACTS_INVALID', `step ${t} is outside the recorded run 0..${art.T}`);
  let i = art.checkpoints.length - 1;
  while (art.checkpoints[i]!.step > t) i--;
  const cp = art.checkpoints[i]!;
  const tr = createTrainer(art.spec, dataset, art.seed);
  let s = decodeState(await art.checkpointBytes(i), tr.layout);
  if (s.step !== cp.step) throw new JobsError('ARTIFACTS_CORRUPT', `checkpoint ${i} holds a state at step ${s.step}, recorded at ${cp.step}`);
  while (s.step < t) s = trainStep(tr, s).state;
  return { state: s, bytes: encodeState(s), replayed: t - cp.step };
}

/**
 * The chunk a DaChunk transaction put on chain for `job`, checked as the chain checks it (the
 * checkpoint leaf under checkpointsRoot, the chunk under that leaf's chunk root), or why not.
 */
export function chunkFromDaTx(job: Pick<Job, 'id' | 'terms' | 'commitment' | 'divergedAt'>, p: DaChunkPayload): { bytes: Uint8Array; chunkRoot: Uint8Array } | string {
  if (!job.commitment) return 'the job has no commitment';
  if (!equalBytes(p.jobId, job.id)) return 'the transaction answers another job';
  const spec = parseSpec(new TextDecoder().decode(job.terms.spec));
  const T = job.divergedAt > 0 ? job.divergedAt : spec.steps;
  const k = spec.checkpointInterval;
  const cps = checkpointCount(T, k);
  if (!Number.isInteger(p.checkpoint) || p.checkpoint < 0 || p.checkpoint >= cps) return `checkpoint ${p.checkpoint} is outside 0..${cps - 1}`;
  const leaf = leafHash(checkpointLeaf(checkpointStep(p.checkpoint, T, k), p.chunkRoot, p.stepHash));
  if (!verifyMerkleProof(leaf, { index: p.checkpoint, count: cps, siblings: p.checkpointSiblings }, job.commitment.checkpointsRoot)) {
    return `checkpoint ${p.checkpoint} is not proven under checkpointsRoot`;
  }
  const n = chunkCountOf(encodedLengthOf(layoutOfSpec(spec)));
  if (!verifyChunk(p.bytes, { index: p.chunk, count: n, siblings: p.chunkSiblings }, p.chunkRoot)) return `chunk ${p.chunk} is not proven under the checkpoint's chunk root`;
  return { bytes: p.bytes, chunkRoot: p.chunkRoot };
}
