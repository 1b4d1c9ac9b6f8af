// Model specs: a strict JSON format, validated and normalised into one canonical form whose
// canonical JSON (sorted keys, no whitespace, defaults filled in) is hashed.
import { MlError } from '../errors.ts';
import { sha256, utf8, errorMessage } from '../../../primitives/index.ts';
import { parseTransformerModel, transformerShapes, type TransformerModel } from './transformer-spec.ts';
import type { ParamInfo, SpecShapes } from './shapes.ts';


export const SPEC_FORMAT = 'polchain/model-spec/v1';

/** Size limits: a spec outside them is rejected (a validator must be able to re-execute a step). */
export const SPEC_LIMITS = {
  maxJsonBytes: 65536,
  maxLayers: 64,
  maxParams: 10_000_000,
  maxActivationElements: 16_777_216,
  maxBatchSize: 4096,
  maxSteps: 10_000_000,
  maxUnits: 65536,
  maxKernel: 15,
  maxRank: 4,
  maxDim: 4096,
} as const;

export type Activation = 'linear' | 'relu' | 'tanh' | 'sigmoid' | 'softmax';
export type Padding = 'valid' | 'same';

export type LayerSpec =
  | { type: 'dense'; units: number; activation: Activation }
  | { type: 'conv2d'; filters: number; kernelSize: [number, number]; strides: [number, number]; padding: Padding; activation: Activation }
  | { type: 'maxpool2d' | 'avgpool2d'; poolSize: [number, number]; strides: [number, number]; padding: Padding }
  | { type: 'flatten' }
  | { type: 'dropout'; rate: number }
  | { type: 'activation'; activation: Activation };

export type OptimizerSpec =
  | { type: 'sgd'; learningRate: number }
  | { type: 'momentum'; learningRate: number; momentum: number }
  | { type: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number }
  | { type: 'adamw'; learningRate: number; beta1: number; beta2: number; epsilon: number; weightDecay: number; clipNorm?: number };

export type LossName = 'categorical_crossentropy' | 'mse';

interface SpecCommon {
  format: typeof SPEC_FORMAT;
  optimizer: OptimizerSpec;
  batchSize: number;
  steps: number;
  checkpointInterval: number;
}

/** A validated, normalised layer-stack spec (MLP, CNN). */
export interface LayeredSpec extends SpecCommon {
  inputShape: number[];
  layers: LayerSpec[];
  loss: LossName;
}

/** A validated, normalised decoder-only transformer spec (task next-token). */
export interface TransformerSpec extends SpecCommon {
  model: TransformerModel;
  loss: 'next_token_crossentropy';
}

/** A validated, normalised spec. */
export type ModelSpec = LayeredSpec | TransformerSpec;

export function isTransformerSpec(spec: ModelSpec): spec is TransformerSpec {
  return 'model' in spec;
}

/** Per-sample input shape: the layered spec's inputShape, or [context] token ids. */
export function specInputShape(spec: ModelSpec): number[] {
  return isTransformerSpec(spec) ? [spec.model.context] : spec.inputShape;
}

/** A dataset's output size the spec trains on: classes / targets, or the vocabulary (transformer). */
export function specOutputSize(spec: ModelSpec, shapes: SpecShapes): number {
  return isTransformerSpec(spec) ? spec.model.vocab : shapes.outputShape.reduce((a, b) => a * b, 1);
}

/** Floats of one sample's target in a batch: the output size, or one target id per position (transformer). */
export function specTargetSize(spec: ModelSpec, shapes: SpecShapes): number {
  return isTransformerSpec(spec) ? spec.model.context : shapes.outputShape.reduce((a, b) => a * b, 1);
}

export type { ParamInfo, SpecShapes } from './shapes.ts';

const ACTIVATIONS: Activation[] = ['linear', 'relu', 'tanh', 'sigmoid', 'softmax'];

function fail(where: string, msg: string): never {
  throw new MlError('SPEC_INVALID', `${where}: ${msg}`, { where });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(o: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(where, `unknown field "${k}" (allowed: ${keys.join(', ')})`);
}

function int(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(where, `must be an integer, got ${JSON.stringify(v)}`);
  if (v < min || v > max) fail(where, `must be in ${min}..${max}, got ${v}`);
  return v;
}

function num(v: unknown, where: string, min: number, max: number, minExclusive = false, maxExclusive = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, `must be a finite number, got ${JSON.stringify(v)}`);
  if (v < min || (minExclusive && v === min) || v > max || (maxExclusive && v === max)) {
    fail(where, `must be in ${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}, got ${v}`);
  }
  // Hyperparameters are float32 values: the normalised spec holds the nearest float32 (0.001 -> 0.0010000000474974513).
  const f = Math.fround(v);
  if (f < min || (minExclusive && f === min) || f > max || (maxExclusive && f === max)) fail(where, `rounds to float32 ${f}, outside the allowed range`);
  return f;
}

function pair(v: unknown, where: string, min: number, max: number, dflt?: [number, number]): [number, number] {
  if (v === undefined && dflt) return dflt;
  if (typeof v === 'number') { const n = int(v, where, min, max); return [n, n]; }
  if (Array.isArray(v) && v.length === 2) return [int(v[0], `${where}[0]`, min, max), int(v[1], `${where}[1]`, min, max)];
  fail(where, `must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
}

function activation(v: unknown, where: string): Activation {
  if (v === undefined) return 'linear';
  if (typeof v !== 'string' || !ACTIVATIONS.includes(v as Activation)) fail(where, `unknown activation ${JSON.stringify(v)} (supported: ${ACTIVATIONS.join(', ')})`);
  return v as Activation;
}

function padding(v: unknown, where: string): Padding {
  if (v === undefined) return 'valid';
  if (v !== 'valid' && v !== 'same') fail(where, `must be "valid" or "same", got ${JSON.stringify(v)}`);
  return v;
}

function parseLayer(raw: unknown, i: number): LayerSpec {
  const where = `layers[${i}]`;
  if (!isObj(raw)) fail(where, 'must be an object');
  const t = raw.type;
  switch (t) {
    case 'dense':
      onlyKeys(raw, ['type', 'units', 'activation'], where);
      return { type: 'dense', units: int(raw.units, `${where}.units`, 1, SPEC_LIMITS.maxUnits), activation: activation(raw.activation, `${where}.activation`) };
    case 'conv2d': {
      onlyKeys(raw, ['type', 'filters', 'kernelSize', 'strides', 'padding', 'activation'], where);
      return {
        type: 'conv2d',
        filters: int(raw.filters, `${where}.filters`, 1, SPEC_LIMITS.maxUnits),
        kernelSize: pair(raw.kernelSize, `${where}.kernelSize`, 1, SPEC_LIMITS.maxKernel),
        strides: pair(raw.strides, `${where}.strides`, 1, SPEC_LIMITS.maxKernel, [1, 1]),
        padding: padding(raw.padding, `${where}.padding`),
        activation: activation(raw.activation, `${where}.activation`),
      };
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      onlyKeys(raw, ['type', 'poolSize', 'strides', 'padding'], where);
      const poolSize = pair(raw.poolSize, `${where}.poolSize`, 1, SPEC_LIMITS.maxKernel, [2, 2]);
      return { type: t, poolSize, strides: pair(raw.strides, `${where}.strides`, 1, SPEC_LIMITS.maxKernel, poolSize), padding: padding(raw.padding, `${where}.padding`) };
    }
    case 'flatten':
      onlyKeys(raw, ['type'], where);
      return { type: 'flatten' };
    case 'dropout':
      onlyKeys(raw, ['type', 'rate'], where);
      return { type: 'dropout', rate: num(raw.rate, `${where}.rate`, 0, 1, false, true) };
    case 'activation':
      onlyKeys(raw, ['type', 'activation'], where);
      if (raw.activation === undefined) fail(`${where}.activation`, 'is required');
      return { type: 'activation', activation: activation(raw.activation, `${where}.activation`) };
    default:
      fail(`${where}.type`, `unknown layer type ${JSON.stringify(t)} (supported: dense, conv2d, maxpool2d, avgpool2d, flatten, dropout, activation)`);
  }
}

function parseOptimizer(raw: unknown): OptimizerSpec {
  const where = 'optimizer';
  if (!isObj(raw)) fail(where, 'must be an object');
  switch (raw.type) {
    case 'sgd':
      onlyKeys(raw, ['type', 'learningRate'], where);
      return { type: 'sgd', learningRate: num(raw.learningRate, `${where}.learningRate`, 0, 1e3, true) };
    case 'momentum':
      onlyKeys(raw, ['type', 'learningRate', 'momentum'], where);
      return { type: 'momentum', learningRate: num(raw.learningRate, `${where}.learningRate`, 0, 1e3, true), momentum: num(raw.momentum ?? 0.875, `${where}.momentum`, 0, 1, false, true) };
    case 'adam':
      onlyKeys(raw, ['type', 'learningRate', 'beta1', 'beta2', 'epsilon'], where);
      return {
        type: 'adam',
        learningRate: num(raw.learningRate ?? 0.001, `${where}.learningRate`, 0, 1e3, true),
        beta1: num(raw.beta1 ?? 0.9, `${where}.beta1`, 0, 1, false, true),
        beta2: num(raw.beta2 ?? 0.999, `${where}.beta2`, 0, 1, false, true),
        epsilon: num(raw.epsilon ?? 1e-7, `${where}.epsilon`, 0, 1, true),
      };
    case 'adamw': {
      onlyKeys(raw, ['type', 'learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'clipNorm'], where);
      const o: OptimizerSpec = {
        type: 'adamw',
        learningRate: num(raw.learningRate ?? 0.001, `${where}.learningRate`, 0, 1e3, true),
        beta1: num(raw.beta1 ?? 0.9, `${where}.beta1`, 0, 1, false, true),
        beta2: num(raw.beta2 ?? 0.999, `${where}.beta2`, 0, 1, false, true),
        epsilon: num(raw.epsilon ?? 1e-8, `${where}.epsilon`, 0, 1, true),
        weightDecay: num(raw.weightDecay ?? 0.01, `${where}.weightDecay`, 0, 1),
      };
      // absent means no clipping; the key is then absent from the canonical JSON too
      if (raw.clipNorm !== undefined) o.clipNorm = num(raw.clipNorm, `${where}.clipNorm`, 0, 1e6, true);
      return o;
    }
    default:
      fail(`${where}.type`, `unknown optimizer ${JSON.stringify(raw.type)} (supported: sgd, momentum, adam, adamw)`);
  }
}

/** Validates a parsed JSON value and returns the normalised spec. Throws MlError SPEC_INVALID / SPEC_TOO_LARGE. */
export function validateSpec(raw: unknown): ModelSpec {
  if (!isObj(raw)) fail('spec', 'must be a JSON object');
  if ('model' in raw) return validateTransformerSpec(raw);
  onlyKeys(raw, ['format', 'inputShape', 'layers', 'loss', 'optimizer', 'batchSize', 'steps', 'checkpointInterval'], 'spec');
  if (raw.format !== SPEC_FORMAT) fail('format', `must be "${SPEC_FORMAT}", got ${JSON.stringify(raw.format)}`);
  if (!Array.isArray(raw.inputShape) || raw.inputShape.length < 1 || raw.inputShape.length > 3) fail('inputShape', 'must be an array of 1 to 3 positive integers (without the batch dimension)');
  const inputShape = raw.inputShape.map((d, i) => int(d, `inputShape[${i}]`, 1, SPEC_LIMITS.maxDim));
  if (!Array.isArray(raw.layers) || raw.layers.length < 1) fail('layers', 'must be a non-empty array');
  if (raw.layers.length > SPEC_LIMITS.maxLayers) throw new MlError('SPEC_TOO_LARGE', `layers: ${raw.layers.length} layers exceed the limit of ${SPEC_LIMITS.maxLayers}`);
  const layers = raw.layers.map(parseLayer);
  if (raw.loss !== 'categorical_crossentropy' && raw.loss !== 'mse') fail('loss', `must be "categorical_crossentropy" or "mse", got ${JSON.stringify(raw.loss)}`);
  const optimizer = parseOptimizer(raw.optimizer);
  const batchSize = int(raw.batchSize, 'batchSize', 1, SPEC_LIMITS.maxBatchSize);
  const steps = int(raw.steps, 'steps', 1, SPEC_LIMITS.maxSteps);
  const checkpointInterval = int(raw.checkpointInterval, 'checkpointInterval', 1, SPEC_LIMITS.maxSteps);
  const spec: LayeredSpec = { format: SPEC_FORMAT, inputShape, layers, loss: raw.loss, optimizer, batchSize, steps, checkpointInterval };
  const shapes = specShapes(spec);
  if (spec.loss === 'categorical_crossentropy') {
    const last = [...spec.layers].reverse().find((l) => l.type !== 'dropout');
    const act = last && 'activation' in last ? last.activation : undefined;
    if (act !== 'softmax') fail('loss', 'categorical_crossentropy needs a final softmax activation');
    if (shapes.outputShape.length !== 1) fail('loss', `the model output must be a vector, got shape [${shapes.outputShape.join(', ')}]`);
  }
  return spec;
}

function validateTransformerSpec(raw: Record<string, unknown>): TransformerSpec {
  onlyKeys(raw, ['format', 'model', 'loss', 'optimizer', 'batchSize', 'steps', 'checkpointInterval'], 'spec');
  if (raw.format !== SPEC_FORMAT) fail('format', `must be "${SPEC_FORMAT}", got ${JSON.stringify(raw.format)}`);
  if (!isObj(raw.model)) fail('model', 'must be an object');
  if (raw.model.type !== 'transformer') fail('model.type', `unknown model type ${JSON.stringify(raw.model.type)} (supported: transformer)`);
  const model = parseTransformerModel(raw.model, { fail, int, num, onlyKeys });
  if (raw.loss !== 'next_token_crossentropy') fail('loss', `a transformer trains with "next_token_crossentropy", got ${JSON.stringify(raw.loss)}`);
  const spec: TransformerSpec = {
    format: SPEC_FORMAT, model, loss: 'next_token_crossentropy', optimizer: parseOptimizer(raw.optimizer),
    batchSize: int(raw.batchSize, 'batchSize', 1, SPEC_LIMITS.maxBatchSize),
    steps: int(raw.steps, 'steps', 1, SPEC_LIMITS.maxSteps),
    checkpointInterval: int(raw.checkpointInterval, 'checkpointInterval', 1, SPEC_LIMITS.maxSteps),
  };
  specShapes(spec);
  return spec;
}

/** Parses spec JSON text (size-limited) and validates it. */
export function parseSpec(text: string): ModelSpec {
  if (utf8(text).length > SPEC_LIMITS.maxJsonBytes) throw new MlError('SPEC_TOO_LARGE', `spec JSON is ${utf8(text).length} bytes, limit ${SPEC_LIMITS.maxJsonBytes}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new MlError('SPEC_INVALID_JSON', `spec is not valid JSON: ${errorMessage(e)}`);
  }
  return validateSpec(raw);
}

function outDim(inp: number, k: number, s: number, pad: Padding): number {
  return pad === 'same' ? Math.ceil(inp / s) : Math.floor((inp - k) / s) + 1;
}

/** Shapes of every layer and the parameter list; throws SPEC_INVALID on a shape error, SPEC_TOO_LARGE over limits. */
export function specShapes(spec: ModelSpec): SpecShapes {
  if (isTransformerSpec(spec)) return transformerShapes(spec.model, spec.batchSize, SPEC_LIMITS);
  let shape = spec.inputShape.slice();
  const layerOutputs: number[][] = [];
  const params: ParamInfo[] = [];
  let paramCount = 0;
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  spec.layers.forEach((l, i) => {
    const where = `layers[${i}] (${l.type})`;
    switch (l.type) {
      case 'dense': {
        if (shape.length !== 1) fail(where, `needs a rank-1 input, got shape [${shape.join(', ')}] (add a flatten layer)`);
        const inp = shape[0]!;
        params.push({ name: `layers[${i}].kernel`, layer: i, kind: 'kernel', shape: [inp, l.units], size: inp * l.units, fanIn: inp, fanOut: l.units });
        params.push({ name: `layers[${i}].bias`, layer: i, kind: 'bias', shape: [l.units], size: l.units, fanIn: inp, fanOut: l.units });
        paramCount += inp * l.units + l.units;
        shape = [l.units];
        break;
      }
      case 'conv2d': {
        if (shape.length !== 3) fail(where, `needs a [height, width, channels] input, got shape [${shape.join(', ')}]`);
        const [h, w, c] = shape as [number, number, number];
        const [kh, kw] = l.kernelSize;
        if (l.padding === 'valid' && (kh > h || kw > w)) fail(where, `kernel ${kh}x${kw} is larger than the ${h}x${w} input`);
        params.push({ name: `layers[${i}].kernel`, layer: i, kind: 'kernel', shape: [kh, kw, c, l.filters], size: kh * kw * c * l.filters, fanIn: kh * kw * c, fanOut: kh * kw * l.filters });
        params.push({ name: `layers[${i}].bias`, layer: i, kind: 'bias', shape: [l.filters], size: l.filters, fanIn: kh * kw * c, fanOut: kh * kw * l.filters });
        paramCount += kh * kw * c * l.filters + l.filters;
        shape = [outDim(h, kh, l.strides[0], l.padding), outDim(w, kw, l.strides[1], l.padding), l.filters];
        break;
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        if (shape.length !== 3) fail(where, `needs a [height, width, channels] input, got shape [${shape.join(', ')}]`);
        const [h, w, c] = shape as [number, number, number];
        const [ph, pw] = l.poolSize;
        if (l.padding === 'valid' && (ph > h || pw > w)) fail(where, `pool ${ph}x${pw} is larger than the ${h}x${w} input`);
        shape = [outDim(h, ph, l.strides[0], l.padding), outDim(w, pw, l.strides[1], l.padding), c];
        break;
      }
      case 'flatten':
        shape = [size(shape)];
        break;
      case 'dropout':
      case 'activation':
        break;
    }
    if (size(shape) * spec.batchSize > SPEC_LIMITS.maxActivationElements) {
      throw new MlError('SPEC_TOO_LARGE', `${where}: activations of ${size(shape) * spec.batchSize} elements per batch exceed the limit of ${SPEC_LIMITS.maxActivationElements}`);
    }
    layerOutputs.push(shape.slice());
  });
  if (paramCount > SPEC_LIMITS.maxParams) throw new MlError('SPEC_TOO_LARGE', `model has ${paramCount} parameters, limit ${SPEC_LIMITS.maxParams}`);
  return { layerOutputs, outputShape: shape, params, paramCount };
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The canonical JSON text of a normalised spec: sorted keys, no whitespace, ECMAScript number formatting. */
export function canonicalSpecJson(spec: ModelSpec): string {
  return canonicalJson(validateSpec(spec));
}

/** SHA-256("polchain/model-spec/v1\0" || canonical JSON). */
export function specHash(spec: ModelSpec): Uint8Array {
  return sha256(utf8(SPEC_FORMAT + '\u0000'), utf8(canonicalSpecJson(spec)));
}

/** A copy of the spec with another step count (the CLI's --steps). */
export function withSteps(spec: ModelSpec, steps: number): ModelSpec {
  return validateSpec({ ...spec, steps });
}
