// ML benchmark: ms per training step of the det backend against tfjs's own cpu and wasm backends,
// measured in this one run, for (a) an MLP 784-128-10 and (b) a small CNN (conv 8 3x3, max pool,
// dense 10), both batch 64 with Adam on bundled MNIST, through the same step function (batch
// gather, forward/backward on the backend, fixed-order Adam). Also: per-step hashing (h_t over the
// full state) as a percentage of the det step time. (c) A small transformer (bench/ml-transformer.ts).
// Last line: one JSON object.
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../ml-runtime/index.ts';
import { validateSpec, loadDataset, createTrainer, initialState, trainStep, stepHash, StepHashWorker, selectBackend, type ModelSpec, type TrainState } from '../ml-runtime/index.ts';
import { sha256, utf8 } from '../primitives/index.ts';
import { benchTransformer } from './ml-transformer.ts';

const quick = process.argv.includes('--quick');
const SEED = sha256(utf8('bench-seed'));
const JOB = sha256(utf8('bench-job'));

const base = { format: 'polchain/model-spec/v1', loss: 'categorical_crossentropy', optimizer: { type: 'adam', learningRate: 0.001 }, batchSize: 64, steps: 1000, checkpointInterval: 100 };
const mlp = validateSpec({ ...base, inputShape: [784], layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }] });
const cnn = validateSpec({
  ...base, inputShape: [28, 28, 1],
  layers: [{ type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' }, { type: 'maxpool2d', poolSize: 2 }, { type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }],
});

/** tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter: register a plain-JS one so the CNN can train on wasm. */
function registerWasmConvFilterGrad(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as { readSync(id: unknown): Float32Array; makeOutput(shape: number[], dtype: string, off?: number, values?: Float32Array): unknown };
      const { x, dy } = inputs as unknown as Record<string, { shape: number[]; dataId: unknown }>;
      const a = attrs as unknown as { strides: [number, number] | number; pad: 'valid' | 'same' | number; filterShape: [number, number, number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
      const info = tf.backend_util.computeConv2DInfo(x!.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
      const xv = b.readSync(x!.dataId); const dv = b.readSync(dy!.dataId);
      const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: F, filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
      const top = info.padInfo.top; const left = info.padInfo.left;
      const out = new Float32Array(KH * KW * C * F);
      for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) for (let c = 0; c < C; c++) for (let f = 0; f < F; f++) {
        let s = 0;
        for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh + kh - top; if (ih < 0 || ih >= H) continue;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw + kw - left; if (iw < 0 || iw >= W) continue;
            s += xv[((n * H + ih) * W + iw) * C + c]! * dv[((n * OH + oh) * OW + ow) * F + f]!;
          }
        }
        out[((kh * KW + kw) * C + c) * F + f] = s;
      }
      return b.makeOutput(a.filterShape, 'float32', undefined, out) as never;
    },
  });
}

function timeSteps(spec: ModelSpec, n: number, warm: number): { ms: number; state: TrainState } {
  const data = loadDataset('mnist');
  const tr = createTrainer(spec, data.train, SEED);
  let s = initialState(tr);
  for (let i = 0; i < warm; i++) s = trainStep(tr, s).state;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) s = trainStep(tr, s).state;
  return { ms: (performance.now() - t0) / n, state: s };
}

/**
 * ms per step in steady state when every h_t goes to the hash worker while the next step runs
 * (the loop of runTrace, which `polchain train` and the solver use), after the same warm-up as timeSteps.
 */
async function timeTraced(spec: ModelSpec, n: number, warmSteps: number): Promise<{ stepMs: number; hashMs: number; handoffMs: number }> {
  const tr = createTrainer(spec, loadDataset('mnist').train, SEED);
  const hasher = new StepHashWorker();
  let s = initialState(tr);
  for (let i = 0; i < warmSteps; i++) s = trainStep(tr, s).state;
  await hasher.submit(JOB, s);
  const pending: Promise<Uint8Array>[] = [];
  let stepMs = 0;
  let hashMs = 0; // time the training thread spends handing states over and waiting for hashes
  let handoffMs = 0; // of which: handing states over
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const prev = s;
    s = trainStep(tr, s).state;
    const t1 = performance.now();
    if (i > 0) pending.push(hasher.submit(JOB, prev, true)); // as runTrace: the finished state moves to the worker
    handoffMs += performance.now() - t1;
    if (pending.length % 8 === 0) await pending[pending.length - 8]; // waits only when the worker falls behind
    stepMs += t1 - t0;
    hashMs += performance.now() - t1;
  }
  const t2 = performance.now();
  await Promise.all(pending);
  hashMs += performance.now() - t2;
  await hasher.close();
  return { stepMs: stepMs / n, hashMs: hashMs / n, handoffMs: handoffMs / n };
}

function timeHash(s: TrainState, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) stepHash(JOB, s);
  return (performance.now() - t0) / n;
}

const console_warn = console.warn;
console.warn = () => {}; // tfjs prints a tfjs-node advertisement on the cpu backend
loadDataset('mnist');
// The machine may be shared: every figure is the minimum over ROUNDS rounds, and the rounds
// interleave the backends, so a burst of outside load does not land on one backend only.
const ROUNDS = quick ? 1 : 3;
const steps = { mlp: quick ? 10 : 30, cnn: quick ? 3 : 8, cnnCpu: quick ? 1 : 3 };
const warm = { mlp: 3, cnn: 1 };
const res: Record<string, number> = {};
const best = (k: string, v: number) => { res[k] = Math.min(res[k] ?? Infinity, v); };
let mlpState: TrainState | undefined;
let cnnState: TrainState | undefined;
for (let round = 0; round < ROUNDS; round++) {
  for (const backend of ['det', 'cpu', 'wasm']) {
    await selectBackend(backend);
    if (backend === 'wasm') registerWasmConvFilterGrad();
    const m = timeSteps(mlp, steps.mlp, warm.mlp);
    const c = timeSteps(cnn, backend === 'cpu' ? steps.cnnCpu : steps.cnn, warm.cnn);
    best(`mlp_${backend}_ms`, m.ms);
    best(`cnn_${backend}_ms`, c.ms);
    if (backend === 'det') { mlpState = m.state; cnnState = c.state; }
    process.stderr.write(`round ${round + 1}/${ROUNDS} ${backend}: mlp ${m.ms.toFixed(2)} ms/step, cnn ${c.ms.toFixed(2)} ms/step\n`);
  }
  // Hashing, on det: (1) SHA-256 of the state on the training thread; (2) as `polchain train` runs
  // it (hash worker overlapped with the next step): traced run vs bare steps, back to back.
  await selectBackend('det');
  best('mlp_hash_ms', timeHash(mlpState!, 20));
  best('cnn_hash_ms', timeHash(cnnState!, 100));
  const tm = await timeTraced(mlp, steps.mlp * 4, warm.mlp);
  const tc = await timeTraced(cnn, steps.cnn * 2, warm.cnn);
  best('mlp_pipe_pct', (100 * tm.hashMs) / tm.stepMs);
  best('cnn_pipe_pct', (100 * tc.hashMs) / tc.stepMs);
  best('mlp_handoff_pct', (100 * tm.handoffMs) / tm.stepMs);
  best('cnn_handoff_pct', (100 * tc.handoffMs) / tc.stepMs);
}
const tf_ = await benchTransformer(ROUNDS, quick);
console.warn = console_warn;
const mlpHash = res.mlp_hash_ms!;
const cnnHash = res.cnn_hash_ms!;
const pipePct = Math.max(res.mlp_pipe_pct!, res.cnn_pipe_pct!);
const r = (x: number) => Math.round(x * 1000) / 1000;
const out = {
  mlp_det_ms: r(res.mlp_det_ms!), mlp_cpu_ms: r(res.mlp_cpu_ms!), mlp_wasm_ms: r(res.mlp_wasm_ms!),
  cnn_det_ms: r(res.cnn_det_ms!), cnn_cpu_ms: r(res.cnn_cpu_ms!), cnn_wasm_ms: r(res.cnn_wasm_ms!),
  mlp_det_over_cpu: r(res.mlp_det_ms! / res.mlp_cpu_ms!), mlp_det_over_wasm: r(res.mlp_det_ms! / res.mlp_wasm_ms!),
  cnn_det_over_cpu: r(res.cnn_det_ms! / res.cnn_cpu_ms!), cnn_det_over_wasm: r(res.cnn_det_ms! / res.cnn_wasm_ms!),
  mlp_hash_ms: r(mlpHash), cnn_hash_ms: r(cnnHash),
  hash_pct: r(pipePct),
  hash_sync_pct: r(Math.max((100 * mlpHash) / res.mlp_det_ms!, (100 * cnnHash) / res.cnn_det_ms!)),
  mlp_hash_pipelined_pct: r(res.mlp_pipe_pct!), cnn_hash_pipelined_pct: r(res.cnn_pipe_pct!),
  mlp_hash_handoff_pct: r(res.mlp_handoff_pct!), cnn_hash_handoff_pct: r(res.cnn_handoff_pct!),
  mlp_state_bytes: 16 + mlpState!.params.concat(mlpState!.slots).reduce((a, t) => a + 4 + 4 * t.length, 0),
  transformer_det_ms: r(tf_.transformer_det_ms!), transformer_cpu_ms: r(tf_.transformer_cpu_ms!), transformer_wasm_ms: r(tf_.transformer_wasm_ms!),
  transformer_det_over_cpu: r(tf_.transformer_det_ms! / tf_.transformer_cpu_ms!), transformer_det_over_wasm: r(tf_.transformer_det_ms! / tf_.transformer_wasm_ms!),
  transformer_hash_ms: r(tf_.transformer_hash_ms!), transformer_hash_pct: r((100 * tf_.transformer_hash_ms!) / tf_.transformer_det_ms!), transformer_params: tf_.transformer_params,
  steps_timed: steps, pipelined_steps: { mlp: steps.mlp * 4, cnn: steps.cnn * 2 }, rounds: ROUNDS,
};
console.log('');
console.log('                  det        cpu       wasm   det/cpu  det/wasm');
console.log(`MLP 784-128-10 ${out.mlp_det_ms.toFixed(2).padStart(8)} ${out.mlp_cpu_ms.toFixed(2).padStart(10)} ${out.mlp_wasm_ms.toFixed(2).padStart(10)} ${out.mlp_det_over_cpu.toFixed(3).padStart(9)} ${out.mlp_det_over_wasm.toFixed(3).padStart(9)}   ms/step`);
console.log(`CNN c8-pool-d10${out.cnn_det_ms.toFixed(2).padStart(8)} ${out.cnn_cpu_ms.toFixed(2).padStart(10)} ${out.cnn_wasm_ms.toFixed(2).padStart(10)} ${out.cnn_det_over_cpu.toFixed(3).padStart(9)} ${out.cnn_det_over_wasm.toFixed(3).padStart(9)}   ms/step`);
console.log(`Transformer 2x64${out.transformer_det_ms.toFixed(2).padStart(8)} ${out.transformer_cpu_ms.toFixed(2).padStart(10)} ${out.transformer_wasm_ms.toFixed(2).padStart(10)} ${out.transformer_det_over_cpu.toFixed(3).padStart(9)} ${out.transformer_det_over_wasm.toFixed(3).padStart(9)}   ms/step (goal det <= 0.5x cpu, <= 1.0x wasm)`);
console.log(`transformer state hashing on the training thread: ${out.transformer_hash_ms} ms = ${out.transformer_hash_pct}% of a det step (goal < 5%)`);
console.log(`per-step hashing, on the training thread: MLP ${out.mlp_hash_ms} ms (${((100 * mlpHash) / res.mlp_det_ms!).toFixed(2)}% of a det step), CNN ${out.cnn_hash_ms} ms (${((100 * cnnHash) / res.cnn_det_ms!).toFixed(2)}%)`);
console.log(`per-step hashing, on the hash worker as \`polchain train\` runs it (training-thread time handing states over and waiting): MLP ${out.mlp_hash_pipelined_pct}%, CNN ${out.cnn_hash_pipelined_pct}% of a det step -> hash_pct ${out.hash_pct}%; of which handing over: MLP ${out.mlp_hash_handoff_pct}%, CNN ${out.cnn_hash_handoff_pct}% (the rest is waiting when no core is free for the worker)`);
console.log(JSON.stringify(out));
