// AdamW (decoupled weight decay, only on the tensors decayMaskOf marks) and clipping by global norm,
// against the formulas of optimizer.ts computed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyUpdate, clipByGlobalNorm, globalGradNorm, decayMaskOf, powi } from './optimizer.ts';
import { validateSpec, specShapes, type OptimizerSpec } from '../commitment/spec/index.ts';

const f = Math.fround;
const opt = (over: Partial<Extract<OptimizerSpec, { type: 'adamw' }>> = {}) => validateSpec({
  format: 'polchain/model-spec/v1', model: { type: 'transformer', vocab: 4, context: 2, layers: 1, heads: 1, width: 2 }, loss: 'next_token_crossentropy',
  optimizer: { type: 'adamw', learningRate: 0.1, weightDecay: 0.5, ...over }, batchSize: 1, steps: 1, checkpointInterval: 1,
}).optimizer as Extract<OptimizerSpec, { type: 'adamw' }>;

test('adamw: decay is decoupled from the moments and skipped for undecayed tensors', () => {
  const o = opt();
  const w = [new Float32Array([2, -1]), new Float32Array([2])];
  const g = [new Float32Array([0.5, 0]), new Float32Array([0.5])];
  const zeros = () => [new Float32Array(2), new Float32Array(1), new Float32Array(2), new Float32Array(1)];
  const r = applyUpdate(o, 0, w, zeros(), g, [true, false]);
  const a = (o.learningRate * Math.sqrt(1 - powi(o.beta2, 1))) / (1 - powi(o.beta1, 1));
  const m = f((1 - o.beta1) * 0.5), v = f((1 - o.beta2) * 0.25);
  const step = (a * m) / (Math.sqrt(v) + o.epsilon);
  assert.equal(r.params[0]![0], f(2 - step - o.learningRate * o.weightDecay * 2));
  // zero gradient: only the decay moves the weight
  assert.equal(r.params[0]![1], f(-1 - o.learningRate * o.weightDecay * -1));
  // not decayed: plain adam
  assert.equal(r.params[1]![0], f(2 - step));
  assert.deepEqual([...r.slots[0]!], [m, 0]);
  assert.deepEqual([...r.slots[2]!], [v, 0]);
  assert.ok(r.finite);
  // without a mask every tensor is decayed
  assert.equal(applyUpdate(o, 0, w, zeros(), g).params[1]![0], f(2 - step - o.learningRate * o.weightDecay * 2));
});

test('clipping by global norm: scaled to clipNorm when above it, untouched otherwise', () => {
  const g = [new Float32Array([3]), new Float32Array([0, 4])];
  assert.equal(globalGradNorm(g), 5);
  const c = clipByGlobalNorm(g, 1);
  assert.deepEqual(c.grads.map((x) => [...x]), [[f(3 / 5)], [0, f(4 / 5)]]);
  assert.equal(clipByGlobalNorm(g, 10).grads, g);
  // applyUpdate clips only when the spec says so: the first moment shows the gradient it used
  const zeros = () => [new Float32Array(1), new Float32Array(2), new Float32Array(1), new Float32Array(2)];
  const w = [new Float32Array([1]), new Float32Array([1, 1])];
  const clipped = applyUpdate(opt({ clipNorm: 1 }), 0, w, zeros(), g);
  const plain = applyUpdate(opt(), 0, w, zeros(), g);
  assert.equal(clipped.slots[0]![0], f((1 - Math.fround(0.9)) * f(3 / 5)));
  assert.equal(plain.slots[0]![0], f((1 - Math.fround(0.9)) * 3));
  // a non-finite norm is left alone (the step then fails as non-finite)
  const inf = [new Float32Array([Infinity])];
  assert.equal(clipByGlobalNorm(inf, 1).grads, inf);
});

test('decayMaskOf: kernels and embeddings decay, biases and layer-norm gains do not', () => {
  const s = validateSpec({ format: 'polchain/model-spec/v1', model: { type: 'transformer', vocab: 4, context: 2, layers: 1, heads: 1, width: 2 }, loss: 'next_token_crossentropy', optimizer: { type: 'adamw' }, batchSize: 1, steps: 1, checkpointInterval: 1 });
  const sh = specShapes(s);
  const mask = decayMaskOf(sh);
  sh.params.forEach((p, i) => assert.equal(mask[i], p.kind === 'kernel' || p.kind === 'embedding', p.name));
  assert.deepEqual(mask.slice(0, 4), [true, true, false, false]);
});
