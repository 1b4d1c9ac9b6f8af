// Quick timing of one MLP (784-128-10) and one CNN (conv 8 3x3, maxpool 2, dense 10) Adam
// training step, batch 64, on tfjs cpu vs det, measured in the same run (median of N steps).
// Run: node --import tsx bench/det-steps.ts [steps] [gemm threads]
// Prints one JSON line. Timings are informational; no test asserts them.
import { tf } from '../ml-runtime/index.ts';
import { registerDetBackend, DET_BACKEND, detAdam, setDetThreads } from '../ml-runtime/det/index.ts';
import { batch, buildModel } from '../test/helpers/det-train-cases.ts';

async function median(backend: string, kind: 'mlp' | 'cnn', steps: number, fused = false): Promise<number> {
  await tf.setBackend(backend);
  const m = buildModel(kind, fused ? () => detAdam(0.01) : undefined);
  const { xs, ys } = batch(kind, 1);
  for (let i = 0; i < 3; i++) await m.trainOnBatch(xs, ys);
  const t: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await m.trainOnBatch(xs, ys);
    t.push(performance.now() - t0);
  }
  m.dispose(); xs.dispose(); ys.dispose();
  t.sort((a, b) => a - b);
  return t[t.length >> 1];
}

async function main(): Promise<void> {
  registerDetBackend();
  const steps = Number(process.argv[2] ?? 15);
  const threads = Number(process.argv[3] ?? 1);
  setDetThreads(threads);
  const res: Record<string, number> = {};
  for (const kind of ['mlp', 'cnn'] as const) {
    const cpu = await median('cpu', kind, kind === 'cnn' ? Math.max(3, steps >> 2) : steps);
    const det = await median(DET_BACKEND, kind, steps);
    res[`${kind}_cpu_ms`] = +cpu.toFixed(2);
    res[`${kind}_det_ms`] = +det.toFixed(2);
    const detF = await median(DET_BACKEND, kind, steps, true);
    res[`${kind}_ratio`] = +(det / cpu).toFixed(3);
    res[`${kind}_det_fused_adam_ms`] = +detF.toFixed(2);
    res[`${kind}_fused_ratio`] = +(detF / cpu).toFixed(3);
    process.stderr.write(`${kind}: cpu ${cpu.toFixed(1)} ms/step, det ${det.toFixed(1)} ms/step (${(det / cpu).toFixed(3)}x), det + detAdam ${detF.toFixed(1)} ms/step (${(detF / cpu).toFixed(3)}x)\n`);
  }
  setDetThreads(1);
  console.log(JSON.stringify({ bench: 'det-step', threads, ...res }));
}

void main();
