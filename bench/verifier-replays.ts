// npm run bench:verifier — whether the verifier's replays really run at the same time. Each replay
// is CPU-bound det training on a worker thread (node/jobs replaySegments); the verifier lets
// `replaySlots` of them run at once (node/verifier scheduler.ts CpuSlots). This runs N replays of
// the same size one after another, then N at once through CpuSlots with 1..N slots, and reports wall
// time, the process's CPU time (every thread) and CPU time / wall time (the cores actually busy).
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { canonicalSpecJson, datasetRoot, loadDataset, parseSpec, withSteps } from '../ml-runtime/index.ts';
import { replaySegments, type ReplayInput } from '../node/jobs/index.ts';
import { CpuSlots } from '../node/verifier/index.ts';
import { sha256, utf8 } from '../primitives/index.ts';

const STEPS = Number(process.env.BENCH_STEPS ?? 400);
const N = Number(process.env.BENCH_REPLAYS ?? Math.min(4, availableParallelism()));
const spec = { ...withSteps(parseSpec(readFileSync(new URL('../ml-runtime/specs/iris.json', import.meta.url), 'utf8')), STEPS), checkpointInterval: STEPS };
const iris = loadDataset('iris').train;
const input = (i: number): ReplayInput => ({
  specJson: canonicalSpecJson(spec), datasetName: 'iris', datasetRoot: datasetRoot(iris),
  jobId: sha256(utf8(`bench job ${i}`)), seed: sha256(utf8(`bench seed ${i}`)), segments: [{ segment: 0, stateBytes: null }],
});

async function measure(label: string, run: () => Promise<void>): Promise<{ wallMs: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  console.log(`${label.padEnd(34)} wall ${wallMs.toFixed(0).padStart(6)} ms   cpu ${cpuMs.toFixed(0).padStart(6)} ms   busy cores ${(cpuMs / wallMs).toFixed(2)}`);
  return { wallMs, cpuMs };
}

console.log(`${availableParallelism()} cores; ${N} replays of ${STEPS} iris steps each`);
await replaySegments(input(-1)); // warm: the first worker loads tsx and tfjs
const seq = await measure(`${N} one after another`, async () => {
  for (let i = 0; i < N; i++) await replaySegments(input(i));
});
for (let slots = 1; slots <= N; slots *= 2) {
  const cpu = new CpuSlots(slots);
  const r = await measure(`${N} at once, ${slots} CPU slot(s)`, async () => {
    await Promise.all(Array.from({ length: N }, async (_, i) => {
      const release = await cpu.acquire(BigInt(i));
      try {
        await replaySegments(input(i));
      } finally {
        release();
      }
    }));
  });
  console.log(`${''.padEnd(34)} speed-up over one after another: ${(seq.wallMs / r.wallMs).toFixed(2)}x`);
}
