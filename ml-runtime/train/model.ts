// The model as tfjs ops: initial weights from the PRF and the forward pass / loss of a spec.
import { tf } from '../tf.ts';
import { isTransformerSpec, type ModelSpec, type LayeredSpec, type SpecShapes, type Activation } from '../commitment/spec/index.ts';
import { PrfDomain, prfWords, signedUnitFromWord } from '../commitment/prf/index.ts';
import { applyDropout, type DropoutContext } from './dropout.ts';
import { transformerLogits, nextTokenLoss } from './transformer.ts';

type Tensor = ReturnType<typeof tf.tensor>;

/** Uniform limit of embedding tables: sqrt(3) * 0.02 (standard deviation 0.02, as GPT-2). */
export const EMBEDDING_INIT_LIMIT = Math.sqrt(3) * 0.02;

/**
 * Initial parameters from the PRF. Kernels: Glorot uniform, w = float32(limit * u) with
 * limit = sqrt(6 / (fanIn + fanOut)) (correctly rounded sqrt in double) and u in (-1, 1) the
 * 24-bit symmetric grid value of PRF word i of stream (seed, INIT, paramIndex, 0). Embeddings:
 * the same with limit EMBEDDING_INIT_LIMIT. Biases: zero. Layer-norm gains: one.
 */
export function initParams(shapes: SpecShapes, seed: Uint8Array): Float32Array[] {
  return shapes.params.map((p, idx) => {
    const out = new Float32Array(p.size);
    if (p.kind === 'bias') return out;
    if (p.kind === 'gain') return out.fill(1);
    const limit = p.kind === 'embedding' ? EMBEDDING_INIT_LIMIT : Math.sqrt(6 / (p.fanIn + p.fanOut));
    const w = prfWords(seed, PrfDomain.INIT, idx, 0, 0, p.size);
    for (let i = 0; i < p.size; i++) out[i] = limit * signedUnitFromWord(w[i]!);
    return out;
  });
}

function activate(x: Tensor, a: Activation): Tensor {
  switch (a) {
    case 'linear': return x;
    case 'relu': return tf.relu(x);
    case 'tanh': return tf.tanh(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'softmax': return tf.softmax(x);
  }
}

export type { DropoutContext } from './dropout.ts';

/**
 * Forward pass. `x` is [B, ...inputShape]. Dropout (training only): element i of layer l's output
 * at step t is kept iff PRF word i of (seed, DROPOUT, t, l) >= floor(rate * 2^32), and kept values
 * are multiplied by float32(1 / (1 - rate)).
 */
export function forward(spec: LayeredSpec, shapes: SpecShapes, params: Tensor[], x: Tensor, dropout: DropoutContext | null): Tensor {
  let h = x;
  let p = 0;
  const B = x.shape[0]!;
  spec.layers.forEach((l, i) => {
    switch (l.type) {
      case 'dense': {
        const W = params[p++]!; const b = params[p++]!;
        h = activate(tf.add(tf.matMul(h as never, W as never), b), l.activation);
        break;
      }
      case 'conv2d': {
        const W = params[p++]!; const b = params[p++]!;
        h = activate(tf.add(tf.conv2d(h as never, W as never, l.strides, l.padding), b), l.activation);
        break;
      }
      case 'maxpool2d':
        h = tf.maxPool(h as never, l.poolSize, l.strides, l.padding);
        break;
      case 'avgpool2d':
        h = tf.avgPool(h as never, l.poolSize, l.strides, l.padding);
        break;
      case 'flatten':
        h = tf.reshape(h, [B, -1]);
        break;
      case 'activation':
        h = activate(h, l.activation);
        break;
      case 'dropout':
        h = applyDropout(h, i, l.rate, dropout);
        break;
    }
  });
  void shapes;
  return h;
}

/** Cross-entropy clip bound (as in tfjs-layers): probabilities are clipped to [1e-7, 1 - 1e-7]. */
export const CE_EPSILON = 1e-7;

/**
 * Loss of predictions `pred` against targets `y` (both [B, outputSize]):
 * categorical_crossentropy = mean_b( -sum_k y[b,k] * log(clip(pred[b,k], eps, 1-eps)) ),
 * mse = mean over all elements of (pred - y)^2.
 */
export function lossOf(spec: LayeredSpec, pred: Tensor, y: Tensor): Tensor {
  if (spec.loss === 'mse') return tf.mean(tf.square(tf.sub(pred, y)));
  const p = tf.clipByValue(pred, CE_EPSILON, 1 - CE_EPSILON);
  return tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(p)), -1)));
}

/**
 * The training loss of either kind of spec on a batch: x [B, ...input] and y as gatherBatch builds
 * them (one-hot / target rows; for a transformer token ids and next-token ids, B * context each).
 */
export function batchLoss(spec: ModelSpec, shapes: SpecShapes, params: Tensor[], x: Float32Array, y: Float32Array, dropout: DropoutContext | null): Tensor {
  if (isTransformerSpec(spec)) return nextTokenLoss(transformerLogits(spec, params, Int32Array.from(x), dropout), y);
  const B = spec.batchSize;
  const xt = tf.tensor(x, [B, ...spec.inputShape]);
  const yt = tf.tensor(y, [B, y.length / B]);
  return lossOf(spec, forward(spec, shapes, params, xt, dropout), yt);
}
