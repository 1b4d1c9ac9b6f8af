// Referee benchmark: the CPU time of the dispute referee's one training step (referee.step: decode
// state_t, decode the batch's samples, one det training step, h_{t+1}) against a plain honest
// trainStep on the same state and batch measured in the same run, and as a share of a block
// interval, for the demo network's MLP 784-32-10 (Adam, batch 32: node/cli demoSpec) and a CNN on
// MNIST (ml-runtime/specs/cnn-mnist.json: conv 8 3x3, max pool, dense 10, Adam, batch 64). Also the
// bytes a dispute puts on chain (state_t and the batch's samples), the one-time setup, and the batch
// PRF's cost at the largest dataset a job may name (2^20 samples). CPU time is process.cpuUsage
// (user + system) around each call (bench/referee-step.ts, shared with bench:pol); figures are medians of interleaved runs. Progress on stderr;
// the last line on stdout is one JSON object.
import { readFileSync } from 'node:fs';
import {
  batchIndices, canonicalSpecJson, createDetReferee, createTrainer, encodeSample, encodeState, initialState, loadDataset, parseSpec,
  selectBackend, validateSpec, type ModelSpec, type RefereeStepInput, type StepReferee,
} from '../ml-runtime/index.ts';
import { demoSpec } from '../node/cli/index.ts';
import { sha256, utf8 } from '../primitives/index.ts';
import { cpuMs, log, measureRefereeStep, r3 } from './referee-step.ts';

const quick = process.argv.includes('--quick');
/** the block interval the percentages are stated against (`polchain init`'s default config), and the demo command's */
const BLOCK_MS = 1000;
const DEMO_BLOCK_MS = 200;

const mnist = loadDataset('mnist').train;

function benchCase(name: string, spec: ModelSpec, referee: StepReferee, runs: number) {
  const m = measureRefereeStep(name, spec, 'mnist', mnist, referee, runs);
  return {
    [`${name}_t`]: m.t,
    [`${name}_referee_ms`]: r3(m.refereeMs),
    [`${name}_honest_step_ms`]: r3(m.honestMs),
    [`${name}_referee_over_honest`]: r3(m.refereeMs / m.honestMs),
    [`${name}_decode_state_ms`]: r3(m.decodeStateMs),
    [`${name}_decode_samples_ms`]: r3(m.decodeSamplesMs),
    [`${name}_step_hash_ms`]: r3(m.stepHashMs),
    [`${name}_pct_of_block`]: r3((100 * m.refereeMs) / BLOCK_MS),
    [`${name}_pct_of_demo_block`]: r3((100 * m.refereeMs) / DEMO_BLOCK_MS),
    [`${name}_state_bytes`]: m.stateBytes,
    [`${name}_batch_size`]: m.batchSize,
    [`${name}_batch_distinct_samples`]: m.distinctSamples,
    [`${name}_sample_bytes`]: m.sampleBytes,
    [`${name}_params`]: m.params,
  };
}

log('selecting det and creating the referee...');
let referee!: StepReferee;
const c0 = process.cpuUsage();
await selectBackend('det', { allowFallback: false }); // loads the det module and activates it
const c1 = process.cpuUsage(c0);
const selectMs = (c1.user + c1.system) / 1000;
const createMs = cpuMs(() => { referee = createDetReferee(); });

const mlp = validateSpec(demoSpec(64));
const cnn = parseSpec(readFileSync(new URL('../ml-runtime/specs/cnn-mnist.json', import.meta.url), 'utf8'));

// one-time setup of the first dispute in a process: the first step parses the spec and meets every
// kernel for the first time (measured on a fresh spec, before anything else ran on these shapes)
function firstCall(spec: ModelSpec): number {
  const jobId = sha256(utf8(`bench-referee/first/${canonicalSpecJson(spec)}`));
  const seed = sha256(jobId);
  const tr = createTrainer(spec, mnist, seed);
  const s0 = initialState(tr);
  const idx = batchIndices(seed, 0, spec.batchSize, mnist.count);
  const input: RefereeStepInput = {
    jobId, spec: utf8(canonicalSpecJson(spec)), seed, datasetSize: mnist.count, t: 0, state: encodeState(s0),
    samples: new Map([...idx].map((i) => [i, encodeSample(mnist, i)] as const)),
  };
  return cpuMs(() => { referee.step(input); });
}
const mlpFirst = firstCall(mlp);
const cnnFirst = firstCall(cnn);

log('MLP 784-32-10 (demo spec, Adam, batch 32)...');
const m = benchCase('mlp', mlp, referee, quick ? 9 : 41);
log('CNN conv8-pool-dense10 (Adam, batch 64)...');
const c = benchCase('cnn', cnn, referee, quick ? 5 : 15);

// the PRF permutation of one epoch at the largest dataset a job may name (computed once per epoch per process)
const bigSeed = sha256(utf8('bench-referee/2^20'));
const prfBigMs = cpuMs(() => { batchIndices(bigSeed, 0, 32, 2 ** 20); });
const prfBigAgainMs = cpuMs(() => { batchIndices(bigSeed, 1, 32, 2 ** 20); });

const out = {
  bench: 'referee', runtime: referee.runtimes[0], block_ms: BLOCK_MS, demo_block_ms: DEMO_BLOCK_MS,
  setup_select_det_ms: r3(selectMs), setup_create_referee_ms: r3(createMs),
  mlp_first_step_ms: r3(mlpFirst), cnn_first_step_ms: r3(cnnFirst),
  ...m, ...c,
  prf_epoch_2p20_first_ms: r3(prfBigMs), prf_epoch_2p20_cached_ms: r3(prfBigAgainMs),
};
const line = (n: string) => {
  const k = (x: string) => out[`${n}_${x}` as keyof typeof out] as number;
  return `${n.toUpperCase()}: referee ${k('referee_ms').toFixed(2)} ms CPU vs honest trainStep ${k('honest_step_ms').toFixed(2)} ms (x${k('referee_over_honest').toFixed(3)}; `
    + `decode state ${k('decode_state_ms').toFixed(2)}, samples ${k('decode_samples_ms').toFixed(2)}, h_{t+1} ${k('step_hash_ms').toFixed(2)} ms) = ${k('pct_of_block').toFixed(2)}% of a ${BLOCK_MS} ms block `
    + `(${k('pct_of_demo_block').toFixed(2)}% of the demo's ${DEMO_BLOCK_MS} ms); on chain: state ${k('state_bytes')} B + ${k('batch_distinct_samples')} samples ${k('sample_bytes')} B`;
};
log('');
log(line('mlp'));
log(line('cnn'));
log(`setup: select det ${out.setup_select_det_ms} ms, create referee ${out.setup_create_referee_ms} ms, first step MLP ${out.mlp_first_step_ms} ms, CNN ${out.cnn_first_step_ms} ms; `
  + `batch PRF at 2^20 samples: ${out.prf_epoch_2p20_first_ms} ms for an epoch's first batch, ${out.prf_epoch_2p20_cached_ms} ms after`);
console.log(JSON.stringify(out));
