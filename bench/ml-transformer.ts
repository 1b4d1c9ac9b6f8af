// The transformer step of `npm run bench:ml`: the names-transformer spec (2 blocks, width 64, 4 heads,
// context 16, batch 32, AdamW) on token windows of a word list, det (fused transformer kernels)
// against tfjs cpu and wasm running the same model from stock tfjs ops, plus per-step hashing of
// the transformer state as a share of the det step.
import { readFileSync } from 'node:fs';
import { tf, parseSpec, createTrainer, initialState, trainStep, stepHash, selectBackend, type ModelSpec, type TrainState, type Dataset } from '../ml-runtime/index.ts';
import { tinyTokenDataset, TINY_WORDS } from '../test/helpers/tiny-lm.ts';
import { sha256, utf8 } from '../primitives/index.ts';

const SEED = sha256(utf8('bench-transformer-seed'));
const JOB = sha256(utf8('bench-transformer-job'));

/** tfjs-backend-wasm 4.22 has no UnsortedSegmentSum (an embedding's gradient): a plain-JS one so the model can train on wasm. */
function registerWasmSegmentSum(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as { readSync(id: unknown): Float32Array | Int32Array; makeOutput(shape: number[], dtype: string, off?: number, values?: Float32Array): unknown };
      const { x, segmentIds } = inputs as unknown as Record<string, { shape: number[]; dataId: unknown }>;
      const n = (attrs as unknown as { numSegments: number }).numSegments;
      const xv = b.readSync(x!.dataId), ids = b.readSync(segmentIds!.dataId);
      const inner = xv.length / ids.length;
      const out = new Float32Array(n * inner);
      for (let i = 0; i < ids.length; i++) for (let j = 0; j < inner; j++) out[ids[i]! * inner + j]! += xv[i * inner + j]!;
      return b.makeOutput([n, ...x!.shape.slice(1)], 'float32', undefined, out) as never;
    },
  });
}

function timeSteps(spec: ModelSpec, data: Dataset, n: number, warm: number): { ms: number; state: TrainState } {
  const tr = createTrainer(spec, data, SEED);
  let s = initialState(tr);
  for (let i = 0; i < warm; i++) s = trainStep(tr, s).state;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) s = trainStep(tr, s).state;
  return { ms: (performance.now() - t0) / n, state: s };
}

/** Minimum over `rounds` interleaved rounds of ms/step on det, cpu and wasm, and the state hash time. */
export async function benchTransformer(rounds: number, quick: boolean): Promise<Record<string, number>> {
  const spec = parseSpec(readFileSync(new URL('../ml-runtime/specs/names-transformer.json', import.meta.url), 'utf8'));
  const words = [...TINY_WORDS, ...TINY_WORDS.map((w) => [...w].reverse().join(''))];
  const data = tinyTokenDataset(16, 1, words, 'bench-names');
  const steps = { det: quick ? 4 : 12, cpu: quick ? 1 : 3, wasm: quick ? 2 : 6 };
  const res: Record<string, number> = {};
  const best = (k: string, v: number) => { res[k] = Math.min(res[k] ?? Infinity, v); };
  let detState: TrainState | undefined;
  for (let round = 0; round < rounds; round++) {
    for (const backend of ['det', 'cpu', 'wasm'] as const) {
      await selectBackend(backend);
      if (backend === 'wasm') registerWasmSegmentSum();
      const r = timeSteps(spec, data, steps[backend], 2);
      best(`transformer_${backend}_ms`, r.ms);
      if (backend === 'det') detState = r.state;
      process.stderr.write(`round ${round + 1}/${rounds} ${backend}: transformer ${r.ms.toFixed(2)} ms/step\n`);
    }
    await selectBackend('det');
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) stepHash(JOB, detState!);
    best('transformer_hash_ms', (performance.now() - t0) / 20);
  }
  res.transformer_params = detState!.params.reduce((a, p) => a + p.length, 0);
  return res;
}
