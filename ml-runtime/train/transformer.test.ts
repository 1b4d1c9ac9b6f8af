// The transformer spec trains on det: gradients match tfjs cpu's (float64-free but differently
// ordered arithmetic) within tolerance, steps are bit-identical when repeated (with PRF dropout),
// the loss falls on a tiny next-token set, the referee's batch from sample bytes equals
// gatherBatch's and the referee step reproduces the run's step hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tf, selectBackend, createTrainer, initialState, trainStep, gatherBatch, batchIndices, encodeSample, specShapes, encodeState,
  runTraceSync, withSteps, canonicalSpecJson, type TraceHook,
} from '../index.ts';
import { batchFromSamples, createDetReferee } from '../referee/index.ts';
import { batchLoss } from './model.ts';
import { tinyTokenDataset, tinyTransformerSpec } from '../../test/helpers/tiny-lm.ts';
import { bytesToHex, sha256, utf8 } from '../../primitives/index.ts';

const seed = sha256(utf8('transformer-test'));
const bits = (a: Float32Array) => bytesToHex(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

function gradsOn(backend: string, spec: ReturnType<typeof tinyTransformerSpec>, params: Float32Array[], x: Float32Array, y: Float32Array): { loss: number; grads: Float32Array[] } {
  tf.setBackend(backend);
  const shapes = specShapes(spec);
  return tf.tidy(() => {
    const ps = params.map((p, i) => tf.tensor(p, shapes.params[i]!.shape));
    const { value, grads } = tf.valueAndGrads((...w: ReturnType<typeof tf.tensor>[]) => batchLoss(spec, shapes, w, x, y, { seed, step: 3 }) as ReturnType<typeof tf.scalar>)(ps);
    return { loss: value.dataSync()[0]!, grads: grads.map((g) => (g.dataSync() as Float32Array).slice()) };
  });
}

for (const tied of [true, false]) {
  test(`transformer gradients on det match tfjs cpu (tied embeddings: ${tied}, dropout 0.1)`, async () => {
    await selectBackend('det');
    await selectBackend('cpu');
    const spec = tinyTransformerSpec({}, { tiedEmbeddings: tied, dropout: 0.1 });
    const ds = tinyTokenDataset(8);
    const tr = createTrainer(spec, ds, seed);
    const s0 = initialState(tr);
    const { x, y } = gatherBatch(ds, batchIndices(seed, 0, spec.batchSize, ds.count));
    const det = gradsOn('det', spec, s0.params, x, y);
    const cpu = gradsOn('cpu', spec, s0.params, x, y);
    await selectBackend('det');
    assert.ok(Math.abs(det.loss - cpu.loss) < 1e-5, `loss det ${det.loss} cpu ${cpu.loss}`);
    assert.equal(det.grads.length, specShapes(spec).params.length);
    det.grads.forEach((g, k) => {
      const c = cpu.grads[k]!;
      let scale = 1e-6, err = 0;
      for (let i = 0; i < g.length; i++) { scale = Math.max(scale, Math.abs(c[i]!)); err = Math.max(err, Math.abs(g[i]! - c[i]!)); }
      assert.ok(Number.isFinite(err) && err <= 1e-4 * scale + 1e-7, `${specShapes(spec).params[k]!.name}: max error ${err} vs scale ${scale}`);
    });
    // the tied embedding gets both the gather (UnsortedSegmentSum) and the head's gradient
    assert.ok(det.grads[0]!.some((v) => v !== 0));
  });
}

test('transformer steps on det: same bits twice, loss falls on a tiny next-token set', async () => {
  await selectBackend('det');
  const spec = tinyTransformerSpec({}, { dropout: 0.1 });
  const ds = tinyTokenDataset(8);
  const run = () => {
    const tr = createTrainer(spec, ds, seed);
    let s = initialState(tr);
    const losses: number[] = [];
    for (let t = 0; t < 40; t++) { const r = trainStep(tr, s); s = r.state; losses.push(r.loss); }
    return { s, losses };
  };
  const a = run(), b = run();
  assert.deepEqual(a.s.params.map(bits), b.s.params.map(bits));
  assert.deepEqual(a.losses, b.losses);
  const first = a.losses[0]!, last = a.losses.slice(-5).reduce((p, q) => p + q, 0) / 5;
  assert.ok(Math.abs(first - Math.log(27)) < 0.2, `initial loss ${first} should be near ln 27`);
  assert.ok(last < first - 0.6, `loss ${first} -> ${last}`);
});

test('referee batch from token-window sample bytes equals gatherBatch, and the referee step gives the run\'s hash', async () => {
  await selectBackend('det');
  const spec = withSteps(tinyTransformerSpec({}, { dropout: 0.1 }), 3);
  const ds = tinyTokenDataset(8);
  const jobId = sha256(utf8('transformer-referee'));
  const states: Uint8Array[] = [];
  const keep: TraceHook = { onStep: (t, _l, s) => { states[t + 1] = encodeState(s); } };
  const r = runTraceSync(createTrainer(spec, ds, seed), jobId, { hooks: [keep] });
  const t = 1;
  const idx = batchIndices(seed, t, spec.batchSize, ds.count);
  const samples = new Map([...idx].map((i) => [i, encodeSample(ds, i)] as const));
  const fromBytes = batchFromSamples(spec, specShapes(spec), idx, samples);
  const direct = gatherBatch(ds, idx);
  assert.equal(bits(fromBytes.x), bits(direct.x));
  assert.equal(bits(fromBytes.y), bits(direct.y));
  const small = withSteps(tinyTransformerSpec({}, { vocab: 20, dropout: 0.1 }), 3);
  assert.throws(() => batchFromSamples(small, specShapes(small), idx, samples), /not below the spec's vocabulary of 20/);
  const referee = createDetReferee();
  const res = await referee.step({ jobId, spec: utf8(canonicalSpecJson(spec)), seed, datasetSize: ds.count, t, state: states[t]!, samples });
  assert.equal(res.kind, 'hash', res.kind === 'hash' ? '' : res.reason);
  assert.equal(bytesToHex((res as { hash: Uint8Array }).hash), bytesToHex(r.stepHashes[t + 1]!));
});
