// The training half of `polchain demo`: a solver trains a job on the det backend, validators replay
// segments chosen by the chain's latest block hash, and a solver that skipped steps is caught.
import {
  createTrainer, evaluate, firstMismatch, loadDataset, localJobId, jobSeedForLocalRun, parseSpec, replaySegment, runTrace, segmentBounds,
  segmentCount, selectBackend, stepHash, toHex, trainStep, withSteps, detRuntimeVersion, decodeState, sha256, u64be, bytesEqual,
  type TrainState, type Trainer,
} from '../../ml-runtime/index.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Progress } from './progress.ts';

const SPEC = fileURLToPath(new URL('../../ml-runtime/specs/mlp-mnist.json', import.meta.url));

export interface DemoTrainingResult { accuracy: number; honestPassed: boolean; cheatCaught: boolean }

/** Picks q distinct segments from a 32-byte seed (the latest block hash stands in for the beacon). */
function sampleSegments(seed: Uint8Array, n: number, q: number): number[] {
  const picked = new Set<number>();
  for (let i = 0n; picked.size < Math.min(q, n); i++) {
    const h = sha256(seed, u64be(i));
    picked.add(new DataView(h.buffer, h.byteOffset).getUint32(0) % n);
  }
  return [...picked].sort((a, b) => a - b);
}

export async function demoTraining(beacon: Uint8Array, say: (s: string) => void, steps = 200): Promise<DemoTrainingResult> {
  await selectBackend('det');
  const spec = withSteps(parseSpec(readFileSync(SPEC, 'utf8')), steps);
  const data = loadDataset('mnist');
  const jobId = localJobId(spec, 'mnist');
  const seed = jobSeedForLocalRun(jobId);
  const tr = createTrainer(spec, data.train, seed);
  say(`== solver trains job ${toHex(jobId).slice(0, 16)}... (MLP 784-128-10, Adam, batch ${spec.batchSize}, ${steps} steps, det runtime ${await detRuntimeVersion()})`);
  const bar = new Progress({ total: steps, label: '   training', unit: 'steps' });
  const trace = runTrace(tr, jobId, { onStep: (t, loss) => bar.update(t + 1, { loss: loss.toFixed(3) }) });
  bar.finish();
  const acc = evaluate(tr, trace.finalState, data.test).accuracy ?? 0;
  say(`   trace root ${toHex(trace.traceRoot).slice(0, 16)}..., ${trace.checkpoints.length} checkpoints, test accuracy ${(acc * 100).toFixed(1)}%`);

  const n = segmentCount(spec);
  const segments = sampleSegments(beacon, n, 3);
  say(`== validators replay segments ${segments.join(', ')} of ${n} (chosen by block hash ${toHex(beacon).slice(0, 16)}...)`);
  let honestPassed = true;
  for (const j of segments) {
    const { from, to } = segmentBounds(spec, j);
    const got = replaySegment(spec, data.train, jobId, seed, checkpointState(tr, jobId, trace, from), from, to);
    const bad = firstMismatch(trace.stepHashes.slice(from, to + 1), got, from);
    say(`   segment ${j} (steps ${from}..${to}): ${bad === null ? 'all hashes match' : `MISMATCH at step ${bad}`}`);
    if (bad !== null) honestPassed = false;
  }

  // A cheating solver: in the first sampled segment it skips one step (copies the state forward)
  // and keeps training from there, committing hashes of what it actually holds.
  const j = segments[0]!;
  const { from, to } = segmentBounds(spec, j);
  const skip = from + Math.floor((to - from) / 2);
  let s: TrainState = checkpointState(tr, jobId, trace, from);
  const cheatHashes = [stepHash(jobId, s)];
  for (let t = from; t < to; t++) {
    s = t === skip ? { ...s, step: s.step + 1 } : trainStep(tr, s).state;
    cheatHashes.push(stepHash(jobId, s));
  }
  const replayed = replaySegment(spec, data.train, jobId, seed, checkpointState(tr, jobId, trace, from), from, to);
  const caught = firstMismatch(cheatHashes, replayed, from);
  say(`== a cheating solver skips step ${skip} in segment ${j}: replay ${caught === null ? 'did NOT notice' : `disagrees first at step ${caught} -> fraud proven`}`);
  return { accuracy: acc, honestPassed, cheatCaught: caught === skip + 1 };
}

/** The state at a checkpoint as a validator gets it: bytes from the solver, checked against the committed hash. */
function checkpointState(tr: Trainer, jobId: Uint8Array, trace: ReturnType<typeof runTrace>, step: number): TrainState {
  const cp = trace.checkpoints.find((c) => c.step === step);
  if (!cp) throw new Error(`no checkpoint at step ${step}`);
  const s = decodeState(cp.bytes, tr.layout);
  if (!bytesEqual(stepHash(jobId, s), trace.stepHashes[step]!)) throw new Error(`checkpoint ${step} does not match its committed hash`);
  return s;
}
