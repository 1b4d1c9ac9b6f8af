// The transformer variant of the model spec: normalised with defaults, hashed canonically (a new
// golden hash; the layered specs' hashes are unchanged: spec.test.ts), shapes and parameter order,
// typed errors for bad models, and the spec/dataset fit rules for next-token sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSpec, validateSpec, specHash, canonicalSpecJson, specShapes, isTransformerSpec, specInputShape } from './index.ts';
import { checkSpecFitsDataset } from '../dataset-fit.ts';
import { layoutOfSpec } from '../state-layout.ts';
import { refereeCost } from '../referee-cost.ts';
import { MlError } from '../errors.ts';
import { bytesToHex } from '../../../primitives/index.ts';

const base = {
  format: 'polchain/model-spec/v1',
  model: { type: 'transformer', vocab: 27, context: 8, layers: 2, heads: 2, width: 16 },
  loss: 'next_token_crossentropy',
  optimizer: { type: 'adamw', learningRate: 0.01, clipNorm: 1 },
  batchSize: 8, steps: 10, checkpointInterval: 5,
};
const mut = (f: (s: any) => void) => { const s = structuredClone(base) as any; f(s); return s; };

test('a transformer spec is normalised (defaults, float32) and hashed canonically', () => {
  const s = validateSpec(base);
  assert.ok(isTransformerSpec(s));
  assert.deepEqual(s.model, { type: 'transformer', vocab: 27, context: 8, layers: 2, heads: 2, width: 16, mlpRatio: 4, dropout: 0, tiedEmbeddings: true });
  assert.deepEqual(s.optimizer, { type: 'adamw', learningRate: Math.fround(0.01), beta1: Math.fround(0.9), beta2: Math.fround(0.999), epsilon: Math.fround(1e-8), weightDecay: Math.fround(0.01), clipNorm: 1 });
  assert.deepEqual(specInputShape(s), [8]);
  assert.equal(canonicalSpecJson(s), '{"batchSize":8,"checkpointInterval":5,"format":"polchain/model-spec/v1","loss":"next_token_crossentropy","model":{"context":8,"dropout":0,"heads":2,"layers":2,"mlpRatio":4,"tiedEmbeddings":true,"type":"transformer","vocab":27,"width":16},"optimizer":{"beta1":0.8999999761581421,"beta2":0.9990000128746033,"clipNorm":1,"epsilon":9.99999993922529e-9,"learningRate":0.009999999776482582,"type":"adamw","weightDecay":0.009999999776482582},"steps":10}');
  assert.equal(bytesToHex(specHash(s)), bytesToHex(specHash(parseSpec(JSON.stringify(base, null, 1)))));
  assert.equal(bytesToHex(specHash(s)), 'b0d8e66507c25065f3dfc2f46951a79d4592b206942280ffa15eb950b4ea4615');
  // no clipNorm: the key is absent from the canonical form (not null)
  const noClip = validateSpec(mut((x) => { delete x.optimizer.clipNorm; }));
  assert.ok(!canonicalSpecJson(noClip).includes('clipNorm'));
});

test('transformer shapes: parameter order, kinds, counts; adamw keeps two slots per tensor', () => {
  const s = validateSpec(base);
  const sh = specShapes(s);
  const W = 16, V = 27, T = 8;
  assert.deepEqual(sh.params.slice(0, 4).map((p) => [p.name, p.kind, p.shape]), [
    ['tok.embedding', 'embedding', [V, W]], ['pos.embedding', 'embedding', [T, W]], ['blocks[0].ln1.gain', 'gain', [W]], ['blocks[0].ln1.bias', 'bias', [W]],
  ]);
  const perBlock = 2 * W + (W * 3 * W + 3 * W) + (W * W + W) + 2 * W + (W * 4 * W + 4 * W) + (4 * W * W + W);
  assert.equal(sh.paramCount, V * W + T * W + 2 * perBlock + 2 * W);
  assert.deepEqual(sh.outputShape, [T, V]);
  const untied = specShapes(validateSpec(mut((x) => { x.model.tiedEmbeddings = false; })));
  assert.equal(untied.paramCount, sh.paramCount + W * V);
  assert.equal(untied.params.at(-1)!.name, 'head.kernel');
  assert.equal(layoutOfSpec(s).slotSizes.length, 2 * sh.params.length);
  assert.ok(refereeCost(s).stepCost > 3 * 8 * T * W * V);
});

test('bundled transformer specs parse', () => {
  for (const f of ['names-transformer', 'golden-transformer']) {
    const s = parseSpec(readFileSync(new URL(`../../specs/${f}.json`, import.meta.url), 'utf8'));
    assert.ok(isTransformerSpec(s) && specShapes(s).paramCount > 0, f);
  }
});

const bad: Array<[string, unknown, string, RegExp]> = [
  ['heads do not divide width', mut((s) => { s.model.heads = 3; }), 'SPEC_INVALID', /model\.heads: width 16 must be a multiple of heads 3/],
  ['unknown model type', mut((s) => { s.model.type = 'rnn'; }), 'SPEC_INVALID', /model\.type: unknown model type "rnn"/],
  ['unknown model field', mut((s) => { s.model.rope = true; }), 'SPEC_INVALID', /model: unknown field "rope"/],
  ['wrong loss', mut((s) => { s.loss = 'mse'; }), 'SPEC_INVALID', /loss: a transformer trains with "next_token_crossentropy"/],
  ['vocab 1', mut((s) => { s.model.vocab = 1; }), 'SPEC_INVALID', /model\.vocab: must be in 2\.\.65536/],
  ['dropout 1', mut((s) => { s.model.dropout = 1; }), 'SPEC_INVALID', /model\.dropout: must be in \[0, 1\)/],
  ['tied not boolean', mut((s) => { s.model.tiedEmbeddings = 'yes'; }), 'SPEC_INVALID', /model\.tiedEmbeddings: must be true or false/],
  ['layers with model', mut((s) => { s.layers = []; }), 'SPEC_INVALID', /spec: unknown field "layers"/],
  ['negative clipNorm', mut((s) => { s.optimizer.clipNorm = -1; }), 'SPEC_INVALID', /optimizer\.clipNorm: must be in \(0, 1000000\]/],
  ['weight decay > 1', mut((s) => { s.optimizer.weightDecay = 2; }), 'SPEC_INVALID', /optimizer\.weightDecay: must be in \[0, 1\]/],
  ['too wide', mut((s) => { s.model.width = 4096; s.model.heads = 1; s.model.layers = 4; }), 'SPEC_TOO_LARGE', /parameters, limit 10000000/],
  ['attention too large', mut((s) => { s.model.context = 4096; s.model.heads = 16; s.batchSize = 64; }), 'SPEC_TOO_LARGE', /activations of \d+ elements per batch exceed/],
];
for (const [name, spec, code, msg] of bad) {
  test(`transformer spec refused: ${name}`, () => {
    assert.throws(() => validateSpec(spec), (e: unknown) => e instanceof MlError && e.code === code && msg.test(e.message));
  });
}

test('checkSpecFitsDataset: a transformer needs a next-token set with its context and at most its vocabulary', () => {
  const s = validateSpec(base);
  const ds = { name: 'tiny', featureSize: 8, outputSize: 27, task: 'next-token' as const };
  checkSpecFitsDataset(s, ds);
  checkSpecFitsDataset(s, { ...ds, outputSize: 20 });
  const refuse = (d: typeof ds | Record<string, unknown>, spec: unknown, re: RegExp) => assert.throws(() => checkSpecFitsDataset(validateSpec(spec), d as never), (e: unknown) => e instanceof MlError && e.code === 'SPEC_DATASET_MISMATCH' && re.test(e.message));
  refuse({ ...ds, featureSize: 16 }, base, /model\.context 8 does not match dataset tiny's windows of 16 tokens/);
  refuse({ ...ds, outputSize: 30 }, base, /model\.vocab 27 is smaller than dataset tiny's vocabulary of 30/);
  refuse({ ...ds, task: 'classification', outputSize: 10 }, base, /a transformer trains on a next-token dataset; tiny is a classification set/);
  const mlp = { format: 'polchain/model-spec/v1', inputShape: [8], layers: [{ type: 'dense', units: 27, activation: 'softmax' }], loss: 'categorical_crossentropy', optimizer: { type: 'sgd', learningRate: 0.1 }, batchSize: 8, steps: 1, checkpointInterval: 1 };
  refuse(ds, mlp, /next-token \(language-model\) set; train it with a transformer spec/);
});
