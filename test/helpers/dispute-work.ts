// The moves of the dispute game for vm tests, built from real training runs: a cheat that fakes one
// step, a challenger's honest replay of a segment, the solver's answer with its range proof, state_t
// and the batch put on chain in transaction-sized pieces.
import { createTrainer, decodeState, encodeState, replaySegment, trainStep, type TraceHook, type TrainState } from '../../ml-runtime/index.ts';
import { segmentRange, type Job, type TxPayload } from '../../vm/index.ts';
import { batchSampleIndices, samplePayloads, statePieces } from '../../node/jobs/index.ts';
import { leafHash, merkleRangeProof } from '../../primitives/index.ts';
import { CHAIN_ID, PARAMS, type Acct, type TestChain } from './job-test-chain.ts';
import { DATA, SPEC, type SolverWork } from './job-work.ts';

/** A solver that, at step t, nudges one weight after the honest update: every later step is honest from there. */
export function fakeStep(t: number): TraceHook {
  return {
    step: (at, s, next) => {
      const out = next(s);
      if (at !== t) return out;
      const params = out.state.params.map((p) => p.slice());
      params[0]![0] = params[0]![0]! + 0.01;
      return { state: { ...out.state, params }, loss: out.loss };
    },
  };
}

/** h_{j·k} .. h_{end_j} as an honest challenger computes them: the solver's checkpoint j (served over DA), replayed with the spec. */
export function honestSegment(job: Job, work: SolverWork, j: number): Uint8Array[] {
  const { from, to } = segmentRange(job, j);
  const tr = createTrainer(SPEC, DATA, job.seed!);
  const start: TrainState = from === 0 ? work.stateAt(0) : decodeState(work.trace.checkpoints[j]!.bytes, tr.layout);
  return replaySegment(SPEC, DATA, job.id, job.seed!, start, from, to);
}

/** The challenger's state_t: its own honest replay from checkpoint j up to step t. */
export function honestStateAt(job: Job, work: SolverWork, j: number, t: number): TrainState {
  const tr = createTrainer(SPEC, DATA, job.seed!);
  const { from } = segmentRange(job, j);
  let s: TrainState = from === 0 ? work.stateAt(0) : decodeState(work.trace.checkpoints[j]!.bytes, tr.layout);
  for (let x = from; x < t; x++) s = trainStep(tr, s).state;
  return s;
}

/** The solver's respond move for dispute `index` over segment j: its hashes with a range proof under its trace root. */
export function solverRespond(job: Job, work: SolverWork, index: number, j: number): TxPayload {
  const { from, to } = segmentRange(job, j);
  const leaves = work.trace.stepHashes.map(leafHash);
  return { kind: 'dispute-respond', jobId: job.id, dispute: index, hashes: work.trace.stepHashes.slice(from, to + 1), siblings: merkleRangeProof(leaves, from, to) };
}

/** Puts `state` and step t's batch on chain for dispute `index`, from `who`, one block per transaction group. */
export function supplyState(c: TestChain, who: Acct, job: Job, index: number, state: TrainState, withSamples = true): void {
  const pieces = statePieces(CHAIN_ID, job.id, index, encodeState(state), PARAMS.maxTxBytes);
  const samples = withSamples ? samplePayloads(CHAIN_ID, job.id, index, DATA, batchSampleIndices(job, state.step), PARAMS.maxTxBytes) : [];
  c.block([...pieces, ...samples].map((p) => c.tx(who, p)));
}
