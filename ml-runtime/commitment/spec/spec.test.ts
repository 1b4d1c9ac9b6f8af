import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSpec, validateSpec, specHash, canonicalSpecJson, specShapes, withSteps, SPEC_LIMITS } from './index.ts';
import { MlError } from '../errors.ts';
import { bytesToHex } from '../../../primitives/index.ts';


const base = {
  format: 'polchain/model-spec/v1',
  inputShape: [784],
  layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  loss: 'categorical_crossentropy',
  optimizer: { type: 'adam', learningRate: 0.001 },
  batchSize: 64,
  steps: 400,
  checkpointInterval: 50,
};
const mut = (f: (s: any) => void) => { const s = structuredClone(base) as any; f(s); return s; };

test('a valid spec is normalised (defaults, float32 hyperparameters) and hashed canonically', () => {
  const s = validateSpec(base);
  assert.deepEqual(s.optimizer, { type: 'adam', learningRate: Math.fround(0.001), beta1: Math.fround(0.9), beta2: Math.fround(0.999), epsilon: Math.fround(1e-7) });
  // key order and whitespace do not matter; the canonical JSON has sorted keys
  const shuffled = JSON.stringify({ steps: 400, checkpointInterval: 50, batchSize: 64, optimizer: { learningRate: 0.001, type: 'adam' }, loss: base.loss, layers: base.layers, inputShape: [784], format: base.format }, null, 2);
  assert.equal(bytesToHex(specHash(parseSpec(shuffled))), bytesToHex(specHash(s)));
  assert.ok(canonicalSpecJson(s).startsWith('{"batchSize":64,"checkpointInterval":50,"format":"polchain/model-spec/v1","inputShape":[784],"layers":[{"activation":"relu","type":"dense","units":128}'));
  // a committed spec hash: changes only when the spec format changes
  assert.equal(bytesToHex(specHash(s)), GOLDEN_SPEC_HASH);
  assert.notEqual(bytesToHex(specHash(withSteps(s, 401))), GOLDEN_SPEC_HASH);
  assert.equal(specShapes(s).paramCount, 784 * 128 + 128 + 128 * 10 + 10);
});
const GOLDEN_SPEC_HASH = readFileSync(new URL('./golden-spec-hash.txt', import.meta.url), 'utf8').trim();

test('bundled example specs parse', () => {
  for (const f of ['mlp-mnist', 'cnn-mnist', 'golden-mlp', 'golden-cnn', 'iris', 'regression']) {
    const s = parseSpec(readFileSync(new URL(`../../specs/${f}.json`, import.meta.url), 'utf8'));
    assert.ok(specShapes(s).paramCount > 0, f);
  }
  const cnn = parseSpec(readFileSync(new URL('../../specs/cnn-mnist.json', import.meta.url), 'utf8'));
  assert.deepEqual(specShapes(cnn).layerOutputs, [[26, 26, 8], [13, 13, 8], [1352], [10]]);
});

const cases: [string, unknown, string, RegExp][] = [
  ['not JSON', '{', 'SPEC_INVALID_JSON', /not valid JSON/],
  ['not an object', '[]', 'SPEC_INVALID', /spec: must be a JSON object/],
  ['wrong format', mut((s) => { s.format = 'v0'; }), 'SPEC_INVALID', /format: must be "polchain\/model-spec\/v1"/],
  ['unknown top-level field', mut((s) => { s.extra = 1; }), 'SPEC_INVALID', /spec: unknown field "extra"/],
  ['bad inputShape', mut((s) => { s.inputShape = [0]; }), 'SPEC_INVALID', /inputShape\[0\]: must be in 1\.\.4096/],
  ['no layers', mut((s) => { s.layers = []; }), 'SPEC_INVALID', /layers: must be a non-empty array/],
  ['unknown layer', mut((s) => { s.layers[0].type = 'lstm'; }), 'SPEC_INVALID', /layers\[0\]\.type: unknown layer type "lstm"/],
  ['unknown layer field', mut((s) => { s.layers[0].kernelInitializer = 'x'; }), 'SPEC_INVALID', /layers\[0\]: unknown field "kernelInitializer"/],
  ['fractional units', mut((s) => { s.layers[0].units = 1.5; }), 'SPEC_INVALID', /layers\[0\]\.units: must be an integer/],
  ['unknown activation', mut((s) => { s.layers[0].activation = 'gelu'; }), 'SPEC_INVALID', /layers\[0\]\.activation: unknown activation "gelu"/],
  ['dropout rate 1', mut((s) => { s.layers.splice(1, 0, { type: 'dropout', rate: 1 }); }), 'SPEC_INVALID', /layers\[1\]\.rate: must be in \[0, 1\)/],
  ['dense on an image', mut((s) => { s.inputShape = [28, 28, 1]; }), 'SPEC_INVALID', /layers\[0\] \(dense\): needs a rank-1 input, got shape \[28, 28, 1\] \(add a flatten layer\)/],
  ['conv on a vector', mut((s) => { s.layers.unshift({ type: 'conv2d', filters: 2, kernelSize: 3 }); }), 'SPEC_INVALID', /layers\[0\] \(conv2d\): needs a \[height, width, channels\] input/],
  ['kernel larger than input', mut((s) => { s.inputShape = [2, 2, 1]; s.layers.unshift({ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }); }), 'SPEC_INVALID', /kernel 3x3 is larger than the 2x2 input/],
  ['bad padding', mut((s) => { s.inputShape = [8, 8, 1]; s.layers.unshift({ type: 'maxpool2d', padding: 'full' }, { type: 'flatten' }); }), 'SPEC_INVALID', /layers\[0\]\.padding: must be "valid" or "same"/],
  ['bad loss', mut((s) => { s.loss = 'hinge'; }), 'SPEC_INVALID', /loss: must be "categorical_crossentropy" or "mse"/],
  ['crossentropy without softmax', mut((s) => { s.layers[1].activation = 'linear'; }), 'SPEC_INVALID', /categorical_crossentropy needs a final softmax/],
  ['unknown optimizer', mut((s) => { s.optimizer = { type: 'rmsprop' }; }), 'SPEC_INVALID', /optimizer\.type: unknown optimizer "rmsprop"/],
  ['negative learning rate', mut((s) => { s.optimizer.learningRate = -1; }), 'SPEC_INVALID', /optimizer\.learningRate: must be in \(0, 1000\]/],
  ['NaN-like hyperparameter', mut((s) => { s.optimizer.beta1 = '0.9'; }), 'SPEC_INVALID', /optimizer\.beta1: must be a finite number/],
  ['batch size 0', mut((s) => { s.batchSize = 0; }), 'SPEC_INVALID', /batchSize: must be in 1\.\.4096/],
  ['missing steps', mut((s) => { delete s.steps; }), 'SPEC_INVALID', /steps: must be an integer, got undefined/],
  ['checkpoint interval 0', mut((s) => { s.checkpointInterval = 0; }), 'SPEC_INVALID', /checkpointInterval: must be in 1\.\./],
  ['too many layers', mut((s) => { s.layers = [...Array(SPEC_LIMITS.maxLayers), s.layers[1]].map((l) => l ?? { type: 'activation', activation: 'relu' }); }), 'SPEC_TOO_LARGE', /65 layers exceed the limit of 64/],
  ['too many parameters', mut((s) => { s.layers[0].units = 20000; }), 'SPEC_TOO_LARGE', /model has \d+ parameters, limit 10000000/],
  ['activations too large', mut((s) => { s.inputShape = [4096, 4096, 1]; s.layers = [{ type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same' }]; }), 'SPEC_TOO_LARGE', /activations of \d+ elements per batch exceed/],
  ['JSON too large', '{"format":"' + 'x'.repeat(70000) + '"}', 'SPEC_TOO_LARGE', /spec JSON is \d+ bytes, limit 65536/],
];

for (const [name, input, code, msg] of cases) {
  test(`invalid spec: ${name} -> ${code}`, () => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    assert.throws(() => parseSpec(text), (e: unknown) => {
      assert.ok(e instanceof MlError, `expected MlError, got ${e}`);
      assert.equal(e.code, code);
      assert.match(e.message, msg);
      return true;
    });
  });
}
