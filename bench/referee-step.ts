// The measuring part of the referee benchmarks, shared by bench/referee.ts and bench/pol.ts: the CPU
// time of the dispute referee's one training step (referee.step: decode state_t, decode the batch's
// samples, one det training step, h_{t+1}) against a plain honest trainStep on the same state and
// batch, interleaved, medians. CPU time is process.cpuUsage (user + system) around each call.
import {
  batchFromSamples, batchIndices, canonicalSpecJson, createTrainer, decodeState, encodeSample, encodeState, encodedStateLength,
  initialState, jobSeedForLocalRun, localJobId, stepHash, trainStep, type Dataset, type ModelSpec, type RefereeStepInput, type StepReferee,
} from '../ml-runtime/index.ts';
import { utf8 } from '../primitives/index.ts';

const WARM_STEPS = 5; // state_t after a few real steps: Adam's slots are non-zero

export const cpuMs = (f: () => void): number => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
export const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };
export const r3 = (x: number): number => Math.round(x * 1000) / 1000;
export const log = (m: string): void => { process.stderr.write(`${m}\n`); };

export interface RefereeStepCost {
  t: number;
  refereeMs: number;
  honestMs: number;
  decodeStateMs: number;
  decodeSamplesMs: number;
  stepHashMs: number;
  stateBytes: number;
  batchSize: number;
  distinctSamples: number;
  sampleBytes: number;
  params: number;
}

/**
 * Medians over `runs` interleaved runs of the referee's step and an honest trainStep at state_t
 * (t = WARM_STEPS) of `spec` on `data`; throws when the referee does not reproduce the honest h_{t+1}.
 */
export function measureRefereeStep(name: string, spec: ModelSpec, datasetName: string, data: Dataset, referee: StepReferee, runs: number): RefereeStepCost {
  const jobId = localJobId(spec, datasetName);
  const seed = jobSeedForLocalRun(jobId);
  const tr = createTrainer(spec, data, seed);
  let s = initialState(tr);
  for (let i = 0; i < WARM_STEPS; i++) s = trainStep(tr, s).state;
  const t = s.step;
  const stateBytes = encodeState(s);
  const idx = batchIndices(seed, t, spec.batchSize, data.count);
  const samples = new Map([...idx].map((i) => [i, encodeSample(data, i)] as const));
  const input: RefereeStepInput = { jobId, spec: utf8(canonicalSpecJson(spec)), seed, datasetSize: data.count, t, state: stateBytes, samples };

  const want = stepHash(jobId, trainStep(tr, s).state);
  const first = referee.step(input);
  if (first.kind !== 'hash' || Buffer.compare(first.hash, want) !== 0) throw new Error(`${name}: the referee does not reproduce h_${t + 1}: ${JSON.stringify(first)}`);

  const honest: number[] = [];
  const ref: number[] = [];
  const decode: number[] = [];
  const batch: number[] = [];
  const hash: number[] = [];
  let next = s;
  for (let i = 0; i < runs; i++) {
    honest.push(cpuMs(() => { next = trainStep(tr, s).state; }));
    ref.push(cpuMs(() => { referee.step(input); }));
    decode.push(cpuMs(() => { decodeState(stateBytes, tr.layout); }));
    batch.push(cpuMs(() => { batchFromSamples(spec, tr.shapes, idx, samples); }));
    hash.push(cpuMs(() => { stepHash(jobId, next); }));
    if ((i + 1) % Math.max(1, runs >> 2) === 0) log(`  ${name}: ${i + 1}/${runs} runs, referee ${median(ref).toFixed(2)} ms, honest trainStep ${median(honest).toFixed(2)} ms`);
  }
  return {
    t,
    refereeMs: median(ref),
    honestMs: median(honest),
    decodeStateMs: median(decode),
    decodeSamplesMs: median(batch),
    stepHashMs: median(hash),
    stateBytes: encodedStateLength(s),
    batchSize: spec.batchSize,
    distinctSamples: samples.size,
    sampleBytes: [...samples.values()].reduce((a, b) => a + b.length, 0),
    params: tr.layout.paramSizes.reduce((a, b) => a + b, 0),
  };
}
