// tfjs ops over det's transformer kernels, differentiable through tf.customGrad (the gradient is
// the matching *Grad kernel). They run only on the det backend (the kernels are reached by name:
// the det module is loaded lazily, ml-runtime/backend-select.ts); transformer.ts builds the same
// layers from stock tfjs ops on other backends.
import { tf } from '../tf.ts';

/** Names of det's owned transformer kernels (ml-runtime/det/attention.ts, layernorm.ts, gelu.ts). */
export const DET_TRANSFORMER_KERNELS = {
  attention: 'DetCausalAttention', attentionGrad: 'DetCausalAttentionGrad',
  layerNorm: 'DetLayerNorm', layerNormGrad: 'DetLayerNormGrad',
  gelu: 'DetGelu', geluGrad: 'DetGeluGrad',
} as const;
const { attention: CAUSAL_ATTENTION, attentionGrad: CAUSAL_ATTENTION_GRAD, layerNorm: LAYER_NORM, layerNormGrad: LAYER_NORM_GRAD, gelu: GELU, geluGrad: GELU_GRAD } = DET_TRANSFORMER_KERNELS;

type Tensor = tf.Tensor;
const run = (name: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown> = {}) =>
  tf.engine().runKernel(name, inputs as never, attrs as never) as Tensor | Tensor[];

/** Causal self-attention of qkv [B*T, 3W] (q | k | v, `heads` heads each) -> [B*T, W]; scores scaled by `scale`. */
export function detCausalAttention(qkv: Tensor, batch: number, heads: number, scale: number): Tensor {
  const attrs = { batch, heads, scale };
  const f = tf.customGrad(((x: Tensor, save: (t: Tensor[]) => void) => {
    const [y, probs] = run(CAUSAL_ATTENTION, { qkv: x }, attrs) as Tensor[];
    save([x, probs!]);
    return { value: y!, gradFunc: (dy: Tensor, saved: Tensor[]) => run(CAUSAL_ATTENTION_GRAD, { dy, qkv: saved[0]!, probs: saved[1]! }, attrs) as Tensor };
  }) as never) as unknown as (x: Tensor) => Tensor;
  return f(qkv);
}

/** Layer normalisation of x [N, W] over its last axis with gain and bias [W]. */
export function detLayerNorm(x: Tensor, gain: Tensor, bias: Tensor, epsilon: number): Tensor {
  const f = tf.customGrad(((a: Tensor, g: Tensor, b: Tensor, save: (t: Tensor[]) => void) => {
    save([a, g]);
    return {
      value: run(LAYER_NORM, { x: a, gain: g, bias: b }, { epsilon }) as Tensor,
      gradFunc: (dy: Tensor, saved: Tensor[]) => run(LAYER_NORM_GRAD, { dy, x: saved[0]!, gain: saved[1]! }, { epsilon }) as Tensor[],
    };
  }) as never) as unknown as (x: Tensor, g: Tensor, b: Tensor) => Tensor;
  return f(x, gain, bias);
}

/** GELU (tanh form) element-wise. */
export function detGelu(x: Tensor): Tensor {
  const f = tf.customGrad(((a: Tensor, save: (t: Tensor[]) => void) => {
    const [y, t] = run(GELU, { x: a }) as Tensor[];
    save([a, t!]);
    return { value: y!, gradFunc: (dy: Tensor, saved: Tensor[]) => run(GELU_GRAD, { dy, x: saved[0]!, t: saved[1]! }) as Tensor };
  }) as never) as unknown as (x: Tensor) => Tensor;
  return f(x);
}
