// Small deterministic training runs through tfjs-layers on the active backend (weights from
// the integer hash, never from tfjs's normal initialisers, which use the engine's log).
import { tf, tfl } from '../../ml-runtime/index.ts';
import { hash32, vals } from './det-kernel-cases.ts';

export function buildModel(kind: 'mlp' | 'cnn', optimizer?: () => tf.Optimizer): tfl.Sequential {
  const m = tfl.sequential();
  if (kind === 'mlp') {
    m.add(tfl.layers.dense({ inputShape: [784], units: 128, activation: 'relu', kernelInitializer: 'zeros' }));
    m.add(tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: 'zeros' }));
  } else {
    m.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: 'zeros' }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.flatten());
    m.add(tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: 'zeros' }));
  }
  let s = 100;
  m.setWeights(m.getWeights().map((w) => tf.tensor(vals(w.size, s++, -0.1, 0.1), w.shape)));
  m.compile({ optimizer: optimizer ? optimizer() : tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  return m;
}

export function batch(kind: 'mlp' | 'cnn', seed: number): { xs: tf.Tensor; ys: tf.Tensor } {
  const xs = tf.tensor(vals(64 * 784, seed, 0, 1), kind === 'mlp' ? [64, 784] : [64, 28, 28, 1]);
  const lab = new Float32Array(640);
  for (let i = 0; i < 64; i++) lab[i * 10 + (hash32(seed * 1000 + i) % 10)] = 1;
  return { xs, ys: tf.tensor(lab, [64, 10]) };
}

/** Trains `steps` Adam steps with trainOnBatch and returns all weights. */
export async function trainSteps(kind: 'mlp' | 'cnn', steps: number, optimizer?: () => tf.Optimizer): Promise<Float32Array[]> {
  const m = buildModel(kind, optimizer);
  for (let s = 0; s < steps; s++) {
    const { xs, ys } = batch(kind, 500 + s);
    await m.trainOnBatch(xs, ys);
    xs.dispose(); ys.dispose();
  }
  const w = m.getWeights().map((t) => (t.dataSync() as Float32Array).slice());
  m.dispose();
  return w;
}
