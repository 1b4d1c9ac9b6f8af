// Golden-vector cases for det's own transformer kernels (they exist only on det), run through the
// ops of ml-runtime/train/transformer.ts, plus two whole transformer training steps.
import { readFileSync } from 'node:fs';
import { tf, parseSpec, createTrainer, initialState, trainStep, layerNorm, gelu, causalSelfAttention } from '../../ml-runtime/index.ts';
import { rt } from './det-kernel-cases.ts';
import { tinyTokenDataset } from './tiny-lm.ts';
import { sha256, utf8 } from '../../primitives/index.ts';

export type TransformerCase = { name: string; kernel: string; run: () => tf.Tensor | tf.Tensor[] };

/** qkv [B*T, 3W] for B=2, T=7, H=3, D=4 (T not a multiple of 4: stripe tails). */
const att = (seed: number) => rt([14, 36], seed, -2, 2);
const ATT = { B: 2, H: 3 };

export function transformerKernelCases(): TransformerCase[] {
  const c: TransformerCase[] = [];
  const add = (name: string, kernel: string, run: () => tf.Tensor | tf.Tensor[]) => c.push({ name, kernel, run });
  add('causal_attention', 'DetCausalAttention', () => causalSelfAttention(att(100), ATT.B, ATT.H));
  add('causal_attention_probs', 'DetCausalAttention', () => tf.engine().runKernel('DetCausalAttention', { qkv: att(101) }, { batch: 2, heads: 3, scale: 0.5 }) as tf.Tensor[]);
  add('causal_attention_grad', 'DetCausalAttentionGrad', () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(causalSelfAttention(x, ATT.B, ATT.H), rt([14, 12], 103))))(att(102)));
  add('layer_norm', 'DetLayerNorm', () => layerNorm(rt([9, 13], 110, -3, 5), rt([13], 111, 0.5, 1.5), rt([13], 112)));
  add('layer_norm_grad', 'DetLayerNormGrad', () => tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layerNorm(x, g, b), rt([9, 13], 116))))(
    [rt([9, 13], 113, -3, 5), rt([13], 114, 0.5, 1.5), rt([13], 115)]));
  add('gelu', 'DetGelu', () => gelu(rt([1000], 120, -8, 8)));
  add('gelu_grad', 'DetGeluGrad', () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(gelu(x), rt([1000], 122))))(rt([1000], 121, -8, 8)));
  return c;
}

/** Parameters after `steps` steps of the golden transformer spec (dropout, untied head, AdamW with clipping) on the tiny names set. */
export function transformerTrainSteps(steps: number): Float32Array[] {
  const spec = parseSpec(readFileSync(new URL('../../ml-runtime/specs/golden-transformer.json', import.meta.url), 'utf8'));
  const tr = createTrainer(spec, tinyTokenDataset(8), sha256(utf8('det-golden-transformer')));
  let s = initialState(tr);
  for (let t = 0; t < steps; t++) s = trainStep(tr, s).state;
  return [...s.params, ...s.slots];
}
