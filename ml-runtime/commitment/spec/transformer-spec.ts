// The decoder-only transformer variant of a model spec: `model` (instead of `inputShape` and
// `layers`) and loss next_token_crossentropy. Validation, parameter list and size limits.
// Its parameters, in canonical order (the state encoding and the PRF init index follow it):
//   tok.embedding [vocab, width], pos.embedding [context, width],
//   per block l: ln1.gain [width], ln1.bias, attn.qkv.kernel [width, 3*width], attn.qkv.bias,
//     attn.proj.kernel [width, width], attn.proj.bias, ln2.gain, ln2.bias,
//     mlp.fc.kernel [width, mlpRatio*width], mlp.fc.bias, mlp.proj.kernel [mlpRatio*width, width], mlp.proj.bias,
//   lnf.gain, lnf.bias, and (untied embeddings only) head.kernel [width, vocab].
import { MlError } from '../errors.ts';
import type { ParamInfo, SpecShapes } from './shapes.ts';

export interface TransformerModel {
  type: 'transformer';
  vocab: number;
  context: number;
  layers: number;
  heads: number;
  width: number;
  mlpRatio: number;
  dropout: number;
  tiedEmbeddings: boolean;
}

export const TRANSFORMER_LIMITS = { maxVocab: 65536, maxContext: 4096, maxBlocks: 64, maxHeads: 64, maxWidth: 8192, maxMlpRatio: 16 } as const;

type Fail = (where: string, msg: string) => never;
type Int = (v: unknown, where: string, min: number, max: number) => number;
type Num = (v: unknown, where: string, min: number, max: number, minExclusive?: boolean, maxExclusive?: boolean) => number;

/** Validates `model` of a transformer spec (helpers from spec.ts keep error texts uniform). */
export function parseTransformerModel(raw: Record<string, unknown>, h: { fail: Fail; int: Int; num: Num; onlyKeys: (o: Record<string, unknown>, keys: string[], where: string) => void }): TransformerModel {
  const w = 'model';
  h.onlyKeys(raw, ['type', 'vocab', 'context', 'layers', 'heads', 'width', 'mlpRatio', 'dropout', 'tiedEmbeddings'], w);
  const L = TRANSFORMER_LIMITS;
  const width = h.int(raw.width, `${w}.width`, 1, L.maxWidth);
  const heads = h.int(raw.heads, `${w}.heads`, 1, L.maxHeads);
  if (width % heads !== 0) h.fail(`${w}.heads`, `width ${width} must be a multiple of heads ${heads}`);
  const tied = raw.tiedEmbeddings ?? true;
  if (typeof tied !== 'boolean') h.fail(`${w}.tiedEmbeddings`, `must be true or false, got ${JSON.stringify(tied)}`);
  return {
    type: 'transformer',
    vocab: h.int(raw.vocab, `${w}.vocab`, 2, L.maxVocab),
    context: h.int(raw.context, `${w}.context`, 1, L.maxContext),
    layers: h.int(raw.layers, `${w}.layers`, 1, L.maxBlocks),
    heads,
    width,
    mlpRatio: h.int(raw.mlpRatio ?? 4, `${w}.mlpRatio`, 1, L.maxMlpRatio),
    dropout: h.num(raw.dropout ?? 0, `${w}.dropout`, 0, 1, false, true),
    tiedEmbeddings: tied,
  };
}

/** Parameter list and shapes of a transformer; SPEC_TOO_LARGE over the activation or parameter limits. */
export function transformerShapes(m: TransformerModel, batchSize: number, limits: { maxParams: number; maxActivationElements: number }): SpecShapes {
  const { vocab: V, context: T, width: W, mlpRatio: r, heads: H } = m;
  const params: ParamInfo[] = [];
  const add = (name: string, kind: ParamInfo['kind'], shape: number[], fanIn: number, fanOut: number) => {
    params.push({ name, layer: params.length, kind, shape, size: shape.reduce((a, b) => a * b, 1), fanIn, fanOut });
  };
  add('tok.embedding', 'embedding', [V, W], V, W);
  add('pos.embedding', 'embedding', [T, W], T, W);
  const layerOutputs: number[][] = [];
  for (let l = 0; l < m.layers; l++) {
    const p = `blocks[${l}]`;
    add(`${p}.ln1.gain`, 'gain', [W], W, W); add(`${p}.ln1.bias`, 'bias', [W], W, W);
    add(`${p}.attn.qkv.kernel`, 'kernel', [W, 3 * W], W, 3 * W); add(`${p}.attn.qkv.bias`, 'bias', [3 * W], W, 3 * W);
    add(`${p}.attn.proj.kernel`, 'kernel', [W, W], W, W); add(`${p}.attn.proj.bias`, 'bias', [W], W, W);
    add(`${p}.ln2.gain`, 'gain', [W], W, W); add(`${p}.ln2.bias`, 'bias', [W], W, W);
    add(`${p}.mlp.fc.kernel`, 'kernel', [W, r * W], W, r * W); add(`${p}.mlp.fc.bias`, 'bias', [r * W], W, r * W);
    add(`${p}.mlp.proj.kernel`, 'kernel', [r * W, W], r * W, W); add(`${p}.mlp.proj.bias`, 'bias', [W], r * W, W);
    layerOutputs.push([T, W]);
  }
  add('lnf.gain', 'gain', [W], W, W); add('lnf.bias', 'bias', [W], W, W);
  if (!m.tiedEmbeddings) add('head.kernel', 'kernel', [W, V], W, V);
  layerOutputs.push([T, V]);
  const paramCount = params.reduce((a, p) => a + p.size, 0);
  if (paramCount > limits.maxParams) throw new MlError('SPEC_TOO_LARGE', `model has ${paramCount} parameters, limit ${limits.maxParams}`);
  const widest = Math.max(T * r * W, T * V, H * T * T, T * 3 * W);
  if (widest * batchSize > limits.maxActivationElements) {
    throw new MlError('SPEC_TOO_LARGE', `model: activations of ${widest * batchSize} elements per batch exceed the limit of ${limits.maxActivationElements}`);
  }
  return { layerOutputs, outputShape: [T, V], params, paramCount };
}

/** Multiply-adds of one transformer forward pass for one sequence (projections, attention, head). */
export function transformerForwardMacs(m: TransformerModel): number {
  const { context: T, width: W, mlpRatio: r, vocab: V } = m;
  const perBlock = T * (3 * W * W + W * W + 2 * r * W * W) + 2 * T * T * W;
  return m.layers * perBlock + T * W * V;
}
