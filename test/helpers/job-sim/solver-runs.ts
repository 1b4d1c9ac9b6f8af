// The simulated solver: produces a run for a job (honest or by a strategy of cheats.ts) through
// ml-runtime's one training loop, keeps it, and answers every phase from it (payloads: reveal.ts)
// and over DA (checkpoint chunks with proofs under their chunk roots).
import type { Job, JobOpenPayload, JobRevealPayload, TraceCommitPayload } from '../../../vm/index.ts';
import {
  chunkBytes, chunkCountOf, chunkProof, checkpointSteps, checkpointsRoot, createTrainer, initialState, makeCheckpoint, parseSpec,
  requiredOpenings, runTraceSync, segmentCount, selectBackend, traceRoot, trainStep,
  type Checkpoint, type Dataset, type ModelSpec, type SyncTraceSink, type TraceHook, type TrainState,
} from '../../../ml-runtime/index.ts';
import { bytesToHex, equalBytes, merkleRoot, sha256, utf8, type MerkleProof } from '../../../primitives/index.ts';
import { strategyHooks, type Strategy } from './cheats.ts';
import { openingsOf, revealOf } from './reveal.ts';
import type { CheckpointRecord, SolverRun } from './run.ts';

const hex = bytesToHex;

/** A funded dev account of the simulated chain. */
export interface SimAccount { name: string; seed: Uint8Array; publicKey: Uint8Array; address: Uint8Array }

/** What the solver and the committee read from the simulated chain (JobSim has it). */
export interface SimData {
  dataset(root: Uint8Array): Dataset;
  job(id: Uint8Array): Job;
}

export type { CheckpointRecord, SolverRun } from './run.ts';

const specCache = new Map<string, ModelSpec>();
export function specOfJob(job: Job): ModelSpec {
  const text = new TextDecoder().decode(job.terms.spec);
  let s = specCache.get(text);
  if (!s) { s = parseSpec(text); specCache.set(text, s); }
  return s;
}

function finishRun(jobId: Uint8Array, T: number, k: number, t: { stepHashes: Uint8Array[]; checkpoints: CheckpointRecord[]; states: TrainState[] | null }, faked: number[], cpuMs: number): SolverRun {
  const last = t.checkpoints[t.checkpoints.length - 1]!;
  return {
    jobId, T, k, stepHashes: t.stepHashes, checkpoints: t.checkpoints, traceRoot: traceRoot(t.stepHashes), checkpointsRoot: checkpointsRoot(t.checkpoints),
    finalChunkRoot: last.chunkRoot, finalStepHash: t.stepHashes[T]!, faked, trainCpuMs: cpuMs, states: t.states, serving: true,
    finalState: t.states?.[T] ?? null, rederive: null, rederiveCpuMs: 0,
  };
}

/** Keeps every state of the run (tiny runs only). */
function keepStates(states: TrainState[]): TraceHook {
  return { initial: (s) => { states.push(s); return s; }, onStep: (_t, _l, s) => { states.push(s); } };
}

/** The loop's run with every state and checkpoint kept. */
function tracedRun(spec: ModelSpec, ds: Dataset, jobId: Uint8Array, seed: Uint8Array, hooks: TraceHook[]) {
  const states: TrainState[] = [];
  const r = runTraceSync(createTrainer(spec, ds, seed), jobId, { hooks: [...hooks, keepStates(states)] });
  return { stepHashes: r.stepHashes, checkpoints: r.checkpoints.map((c): CheckpointRecord => ({ step: c.step, chunkRoot: c.chunkRoot, stepHash: c.stepHash, bytes: c.bytes })), states };
}

/**
 * An honest run keeping only every `every`-th state plus each checkpoint's root and hash (bounded
 * memory): the opened checkpoints are re-derived from the nearest kept state after the challenge.
 */
function sparseRun(spec: ModelSpec, ds: Dataset, jobId: Uint8Array, seed: Uint8Array, every: number, onStep: ((t: number, T: number) => void) | null, cpu: () => number): SolverRun {
  const T = spec.steps;
  const k = spec.checkpointInterval;
  const tr = createTrainer(spec, ds, seed);
  const kept = new Map<number, TrainState>();
  const checkpoints: CheckpointRecord[] = [];
  const sink: SyncTraceSink = {
    addStepHash: () => undefined,
    addCheckpoint: (cp: Checkpoint) => { checkpoints.push({ step: cp.step, chunkRoot: cp.chunkRoot, stepHash: cp.stepHash, bytes: cp.step === 0 || cp.step === T ? cp.bytes : null }); },
  };
  const r = runTraceSync(tr, jobId, { sink, hooks: [{ onStep: (t, _loss, st) => { if ((t + 1) % every === 0) kept.set(t + 1, st); onStep?.(t + 1, T); } }] });
  kept.set(0, initialState(tr));
  const run = finishRun(jobId, T, k, { stepHashes: r.stepHashes, checkpoints, states: null }, [], cpu());
  run.finalState = r.finalState;
  let last: TrainState = kept.get(0)!; // the last re-derived state: ascending requests continue from it
  run.rederive = (index) => {
    const step = checkpoints[index]!.step;
    let s = kept.get(Math.floor(step / every) * every)!;
    if (last.step <= step && last.step > s.step) s = last;
    while (s.step < step) s = trainStep(tr, s).state;
    last = s;
    const cp = makeCheckpoint(jobId, s);
    if (!equalBytes(cp.chunkRoot, checkpoints[index]!.chunkRoot)) throw new Error(`re-derived checkpoint ${index} differs from the committed one`);
    return cp.bytes;
  };
  return run;
}

/** Random step hashes and garbage checkpoints: no training at all. */
function garbageTrace(jobId: Uint8Array, T: number, k: number) {
  const tag = hex(jobId);
  const stepHashes = Array.from({ length: T + 1 }, (_, i) => sha256(utf8(`garbage step ${tag} ${i}`)));
  const checkpoints = checkpointSteps(T, k).map((step): CheckpointRecord => {
    const bytes = sha256(utf8(`garbage checkpoint ${tag} ${step}`));
    return { step, chunkRoot: merkleRoot(chunkBytes(bytes)), stepHash: stepHashes[step]!, bytes };
  });
  return { stepHashes, checkpoints, states: null };
}

/** Produces a run for (spec, dataset, jobId, seed) under a strategy. Restores the det backend after 'cpu-backend'. */
export async function produceRun(spec: ModelSpec, ds: Dataset, jobId: Uint8Array, seed: Uint8Array, strategy: Strategy,
  o: { keepEvery?: number; onStep?: ((t: number, T: number) => void) | null } = {}): Promise<SolverRun> {
  const T = spec.steps;
  const k = spec.checkpointInterval;
  const c0 = process.cpuUsage();
  const cpu = () => { const d = process.cpuUsage(c0); return (d.user + d.system) / 1000; };
  const all = Array.from({ length: segmentCount(T, k) }, (_, j) => j);
  switch (strategy.kind) {
    case 'honest':
      if ((o.keepEvery ?? 0) > 0) return sparseRun(spec, ds, jobId, seed, o.keepEvery!, o.onStep ?? null, cpu);
      return finishRun(jobId, T, k, tracedRun(spec, ds, jobId, seed, []), [], cpu());
    case 'cpu-backend': {
      await selectBackend('cpu');
      try {
        return finishRun(jobId, T, k, tracedRun(spec, ds, jobId, seed, []), all, cpu());
      } finally {
        await selectBackend('det');
      }
    }
    case 'random-hashes':
      return finishRun(jobId, T, k, garbageTrace(jobId, T, k), all, cpu());
    case 'reuse-job':
      throw new Error('reuse-job needs the other job\'s seed: use Solver.train');
    default: {
      const { hooks, faked } = strategyHooks(spec, ds, seed, strategy);
      return finishRun(jobId, T, k, tracedRun(spec, ds, jobId, seed, hooks), faked, cpu());
    }
  }
}

export class Solver {
  private readonly runs = new Map<string, SolverRun>();
  /**
   * Honest runs: 0 keeps every state (tiny models); n > 0 runs the ml-runtime's runTrace and keeps
   * only every n-th step's state plus each checkpoint's root and hash (bounded memory): the opened
   * checkpoints are re-derived from the nearest kept state after the challenge.
   */
  keepEvery = 0;
  /** progress callback for long honest runs (t = steps done) */
  onStep: ((t: number, T: number) => void) | null = null;

  constructor(readonly account: SimAccount) {}

  run(jobId: Uint8Array): SolverRun {
    const r = this.runs.get(hex(jobId));
    if (!r) throw new Error(`solver ${this.account.name} has no run for job ${hex(jobId)}`);
    return r;
  }

  /** Produces (and keeps) the trace for a job in `training` status, the way `strategy` says. */
  async train(sim: SimData, job: Job, strategy: Strategy): Promise<SolverRun> {
    if (!job.seed) throw new Error('job has no seed yet');
    const spec = specOfJob(job);
    const ds = sim.dataset(job.terms.datasetRoot);
    const resolved: Strategy = strategy.kind === 'reuse-job' ? { kind: 'reuse', seed: sim.job(strategy.of).seed! } : strategy;
    const run = await produceRun(spec, ds, job.id, job.seed, resolved, { keepEvery: this.keepEvery, onStep: this.onStep });
    this.runs.set(hex(job.id), run);
    return run;
  }

  /** Installs a run made elsewhere (e.g. one run claimed for two jobs). */
  adopt(run: SolverRun): void {
    this.runs.set(hex(run.jobId), run);
  }

  commitPayload(run: SolverRun): TraceCommitPayload {
    return {
      kind: 'trace-commit', jobId: run.jobId, traceRoot: run.traceRoot, checkpointsRoot: run.checkpointsRoot,
      finalChunkRoot: run.finalChunkRoot, finalStepHash: run.finalStepHash,
    };
  }

  openPayload(job: Job): JobOpenPayload {
    const run = this.run(job.id);
    if (run.rederive) {
      const t0 = process.cpuUsage();
      for (const i of requiredOpenings(run.T, run.k, job.segments)) if (!run.checkpoints[i]!.bytes) run.checkpoints[i]!.bytes = run.rederive(i);
      const d = process.cpuUsage(t0);
      run.rederiveCpuMs += (d.user + d.system) / 1000;
    }
    return openingsOf(run, job.segments);
  }

  revealPayload(job: Job): JobRevealPayload {
    return revealOf(this.run(job.id), job.segments);
  }

  /** DA: chunk `i` of checkpoint `index` with its proof under the checkpoint's chunk root, or null when withheld. */
  serveChunk(jobId: Uint8Array, index: number, i: number): { chunk: Uint8Array; proof: MerkleProof } | null {
    const r = this.runs.get(hex(jobId));
    if (!r || !r.serving) return null;
    const cp = r.checkpoints[index];
    if (!cp?.bytes) return null;
    const n = chunkCountOf(cp.bytes.length);
    if (i < 0 || i >= n) return null;
    return chunkProof(cp.bytes, i);
  }
}
