// (c) gradients and whole training steps on det are bit-identical when repeated, with Adam,
// SGD and momentum, through tf.variableGrads, optimizer.minimize and tfjs-layers trainOnBatch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tfl } from '../tf.ts';
import { registerDetBackend, DET_BACKEND, detAdam } from './index.ts';
import { rt } from '../../test/helpers/det-kernel-cases.ts';
import { trainSteps } from '../../test/helpers/det-train-cases.ts';

registerDetBackend();

function bitsEqual(a: Float32Array[], b: Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) {
    const x = new Uint32Array(a[k].buffer, a[k].byteOffset, a[k].length), y = new Uint32Array(b[k].buffer, b[k].byteOffset, b[k].length);
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

function gradsOnce(): Float32Array[] {
  return tf.tidy(() => {
    const w1 = tf.variable(rt([20, 16], 1, -0.3, 0.3), true, 'w1');
    const b1 = tf.variable(rt([16], 2, -0.1, 0.1), true, 'b1');
    const w2 = tf.variable(rt([16, 5], 3, -0.3, 0.3), true, 'w2');
    const x = rt([32, 20], 4), labels = tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, i) => (i * 7) % 5), 'int32'), 5);
    const { value, grads } = tf.variableGrads(() => {
      const h = tf.tanh(tf.add(tf.matMul(x, w1), b1));
      const logits = tf.matMul(tf.sigmoid(h), w2);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    });
    const out = [value, grads.w1, grads.b1, grads.w2].map((t) => (t.dataSync() as Float32Array).slice());
    [w1, b1, w2].forEach((v) => v.dispose());
    return out;
  });
}

test('tf.variableGrads on det: identical bits twice, finite, close to cpu', async () => {
  await tf.setBackend(DET_BACKEND);
  const a = gradsOnce(), b = gradsOnce();
  assert.ok(bitsEqual(a, b));
  for (const g of a) for (const v of g) assert.ok(Number.isFinite(v));
  await tf.setBackend('cpu');
  const c = gradsOnce();
  for (let k = 0; k < a.length; k++) for (let i = 0; i < a[k].length; i++) assert.ok(Math.abs(a[k][i] - c[k][i]) <= 1e-5 * (1 + Math.abs(c[k][i])), `grad ${k}[${i}]`);
});

test('optimizer.minimize with SGD and momentum on det: identical bits twice', async () => {
  await tf.setBackend(DET_BACKEND);
  const runOnce = (opt: () => tf.Optimizer): Float32Array[] => {
    const w = tf.variable(rt([12, 3], 9, -0.5, 0.5));
    const x = rt([16, 12], 10), y = rt([16, 3], 11);
    const o = opt();
    for (let s = 0; s < 5; s++) o.minimize(() => tf.mean(tf.square(tf.sub(tf.relu(tf.matMul(x, w)), y))) as tf.Scalar);
    const r = [(w.dataSync() as Float32Array).slice()];
    w.dispose(); o.dispose(); x.dispose(); y.dispose();
    return r;
  };
  for (const opt of [() => tf.train.sgd(0.1), () => tf.train.momentum(0.1, 0.9), () => tf.train.adam(0.01)]) {
    const a = runOnce(opt), b = runOnce(opt);
    assert.ok(bitsEqual(a, b));
    assert.ok(a[0].some((v, i) => v !== rt([12, 3], 9, -0.5, 0.5).dataSync()[i]), 'weights did not move');
  }
});

test('tfjs-layers trainOnBatch with Adam (MLP and CNN) on det: identical bits twice, close to cpu', async () => {
  await tf.setBackend(DET_BACKEND);
  const mlp1 = await trainSteps('mlp', 2), mlp2 = await trainSteps('mlp', 2);
  assert.ok(bitsEqual(mlp1, mlp2));
  const cnn1 = await trainSteps('cnn', 1), cnn2 = await trainSteps('cnn', 1);
  assert.ok(bitsEqual(cnn1, cnn2));
  await tf.setBackend('cpu');
  const cpu = await trainSteps('mlp', 2);
  let maxd = 0;
  for (let k = 0; k < cpu.length; k++) for (let i = 0; i < cpu[k].length; i++) maxd = Math.max(maxd, Math.abs(cpu[k][i] - mlp1[k][i]));
  assert.ok(maxd < 1e-4, `det and cpu MLP weights diverged by ${maxd}`);
});

test('DetAdamOptimizer (fused update) gives exactly the bits of tf.train.adam on det', async () => {
  await tf.setBackend(DET_BACKEND);
  const ref = await trainSteps('mlp', 3, () => tf.train.adam(0.01));
  const fused = await trainSteps('mlp', 3, () => detAdam(0.01));
  assert.ok(bitsEqual(ref, fused));
  const refC = await trainSteps('cnn', 2, () => tf.train.adam(0.003, 0.8, 0.99, 1e-6));
  const fusedC = await trainSteps('cnn', 2, () => detAdam(0.003, 0.8, 0.99, 1e-6));
  assert.ok(bitsEqual(refC, fusedC));
  // on another backend it is tfjs's own Adam
  await tf.setBackend('cpu');
  assert.ok(bitsEqual(await trainSteps('mlp', 1, () => tf.train.adam(0.01)), await trainSteps('mlp', 1, () => detAdam(0.01))));
});

test('two-conv CNN with tanh/sigmoid/avgpool (Conv2DBackpropInput, AvgPoolGrad) trains: same bits twice, close to cpu', async () => {
  const run = async (): Promise<Float32Array[]> => {
    const m = tfl.sequential();
    m.add(tfl.layers.conv2d({ inputShape: [12, 12, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: 'zeros' }));
    m.add(tfl.layers.averagePooling2d({ poolSize: 2 }));
    m.add(tfl.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, activation: 'sigmoid', kernelInitializer: 'zeros' }));
    m.add(tfl.layers.flatten());
    m.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: 'zeros' }));
    let s = 7;
    m.setWeights(m.getWeights().map((w) => rt(w.shape, s++, -0.3, 0.3)));
    m.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'categoricalCrossentropy' });
    const xs = rt([8, 12, 12, 2], 40), ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    for (let i = 0; i < 3; i++) await m.trainOnBatch(xs, ys);
    const w = m.getWeights().map((t) => (t.dataSync() as Float32Array).slice());
    m.dispose();
    return w;
  };
  await tf.setBackend(DET_BACKEND);
  const a = await run(), b = await run();
  assert.ok(bitsEqual(a, b));
  await tf.setBackend('cpu');
  const c = await run();
  for (let k = 0; k < c.length; k++) for (let i = 0; i < c[k].length; i++) assert.ok(Math.abs(a[k][i] - c[k][i]) < 1e-4, `weight ${k}[${i}]: det ${a[k][i]} cpu ${c[k][i]}`);
});
