// The decoder-only transformer of a transformer spec as tfjs ops that all run on det's owned kernels
// (docs/ml-runtime.md "Transformer"): token + position embeddings, pre-norm blocks of causal
// multi-head self-attention and a GELU MLP with residuals, a final layer norm, and logits over the
// vocabulary from the (tied or separate) output embedding.
import { tf } from '../tf.ts';
import type { TransformerSpec } from '../commitment/spec/index.ts';
import { applyDropout, type DropoutContext } from './dropout.ts';
import { detCausalAttention, detGelu, detLayerNorm } from './transformer-ops.ts';

type Tensor = ReturnType<typeof tf.tensor>;

/** Layer-norm variance epsilon. */
export const LN_EPSILON = 1e-5;
/** Added to attention scores above the diagonal: finite, so nothing hashed or reduced is ever an infinity; exp32 of it is exactly +0. */
export const CAUSAL_MASK_VALUE = -1e9;
const GELU_C = Math.fround(Math.sqrt(2 / Math.PI));
/** On det the layers use det's fused kernels (same forward bits as the composed ops, closed-form gradients); elsewhere stock tfjs ops. */
const onDet = () => tf.getBackend() === 'det' && !composedOnDet;
let composedOnDet = false;
/** Tests: build the layers from stock ops on det too (to compare with the fused kernels). */
export function useComposedLayersOnDet(on: boolean): void { composedOnDet = on; }
const GELU_K = Math.fround(0.044715);

/** y = (x - mean) / sqrt(var + eps) * gain + bias over the last axis (mean and var: det Mean; sqrt and / correctly rounded). */
export function layerNorm(x: Tensor, gain: Tensor, bias: Tensor): Tensor {
  if (onDet()) return detLayerNorm(x, gain, bias, LN_EPSILON);
  const mean = tf.mean(x, -1, true);
  const d = tf.sub(x, mean);
  const v = tf.mean(tf.mul(d, d), -1, true);
  return tf.add(tf.mul(tf.div(d, tf.sqrt(tf.add(v, LN_EPSILON))), gain), bias);
}

/** GELU, tanh form: 0.5 * x * (1 + tanh(c * (x + k * x^3))), c = f32(sqrt(2/pi)), k = f32(0.044715), tanh = det's tanh32. */
export function gelu(x: Tensor): Tensor {
  if (onDet()) return detGelu(x);
  const x3 = tf.mul(tf.mul(x, x), x);
  const t = tf.tanh(tf.mul(tf.add(x, tf.mul(x3, GELU_K)), GELU_C));
  return tf.mul(tf.mul(x, 0.5), tf.add(t, 1));
}

const maskCache = new Map<number, Float32Array>();
/** [T, T] additive causal mask: 0 where key <= query, CAUSAL_MASK_VALUE above the diagonal. */
export function causalMask(T: number): Float32Array {
  let m = maskCache.get(T);
  if (!m) {
    m = new Float32Array(T * T);
    for (let q = 0; q < T; q++) for (let k = q + 1; k < T; k++) m[q * T + k] = CAUSAL_MASK_VALUE;
    maskCache.set(T, m);
  }
  return m;
}

/** Dropout site numbers (the PRF's layer index b): 0 the embedding sum, 1 + 2l block l's attention output, 2 + 2l its MLP output. */
const dropout = applyDropout;

/**
 * Causal self-attention of qkv [B*T, 3W] (q | k | v; H heads of width D = W/H) -> [B*T, W]; scores
 * scaled by f32(1/sqrt(D)). Composed form: BatchMatMul, the additive causal mask, Softmax, BatchMatMul.
 */
export function causalSelfAttention(qkv: Tensor, B: number, H: number): Tensor {
  const W = qkv.shape[1]! / 3;
  const T = qkv.shape[0]! / B;
  const D = W / H;
  const scale = Math.fround(1 / Math.sqrt(D));
  if (onDet()) return detCausalAttention(qkv, B, H, scale);
  // one transpose to [3, B, H, T, D]; q, k, v are then contiguous slices (cheap, unlike a split of the last axis)
  const heads = tf.reshape(tf.transpose(tf.reshape(qkv, [B, T, 3, H, D]), [2, 0, 3, 1, 4]), [3 * B, H, T, D]);
  const [q, k, v] = [0, 1, 2].map((i) => tf.slice(heads, [i * B, 0, 0, 0], [B, H, T, D]));
  const scores = tf.add(tf.mul(tf.matMul(q as never, k as never, false, true), scale), tf.tensor(causalMask(T), [T, T]));
  const att = tf.softmax(scores);
  return tf.reshape(tf.transpose(tf.matMul(att as never, v as never), [0, 2, 1, 3]), [B * T, W]);
}

/**
 * Logits [B*T, vocab] for token ids `ids` (B*T values, row-major [B, T]). Parameter order as in
 * transformer-spec.ts. Dropout (training only) at the sites above, masks from (seed, DROPOUT, step, site).
 */
export function transformerLogits(spec: TransformerSpec, params: Tensor[], ids: Int32Array, ctx: DropoutContext | null): Tensor {
  const m = spec.model;
  const T = m.context;
  const B = ids.length / T;
  const W = m.width;
  let p = 0;
  const next = () => params[p++]!;
  const tokE = next(); const posE = next();
  const idT = tf.tensor(ids, [B * T], 'int32');
  let h = tf.reshape(tf.add(tf.reshape(tf.gather(tokE, idT), [B, T, W]), posE), [B * T, W]);
  h = dropout(h, 0, m.dropout, ctx);
  for (let l = 0; l < m.layers; l++) {
    const [g1, b1, Wqkv, bqkv, Wo, bo, g2, b2, Wfc, bfc, Wpr, bpr] = Array.from({ length: 12 }, next);
    const qkv = tf.add(tf.matMul(layerNorm(h, g1!, b1!) as never, Wqkv! as never), bqkv!);
    const a = tf.add(tf.matMul(causalSelfAttention(qkv, B, m.heads) as never, Wo! as never), bo!);
    h = tf.add(h, dropout(a, 1 + 2 * l, m.dropout, ctx));
    const f = tf.add(tf.matMul(gelu(tf.add(tf.matMul(layerNorm(h, g2!, b2!) as never, Wfc as never), bfc!)) as never, Wpr as never), bpr!);
    h = tf.add(h, dropout(f, 2 + 2 * l, m.dropout, ctx));
  }
  const gf = next(); const bf = next();
  const hf = layerNorm(h, gf, bf);
  return m.tiedEmbeddings ? tf.matMul(hf as never, tokE as never, false, true) : tf.matMul(hf as never, next() as never);
}

/** Mean over all B*T positions of -log softmax(logits)[target] (det logSoftmax: max, exp32, striped sum, log32). */
export function nextTokenLoss(logits: Tensor, targets: Float32Array): Tensor {
  const V = logits.shape[1]!;
  const oh = tf.oneHot(tf.tensor(Int32Array.from(targets), [targets.length], 'int32') as never, V, 1, 0, 'float32');
  return tf.neg(tf.mean(tf.sum(tf.mul(oh, tf.logSoftmax(logits)), -1)));
}
