// Validation loss and PRF sampling of a transformer trained on the tiny names set: loss below the
// untrained model's, samples reproducible from their seed and decoded with a vocabulary string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, createTrainer, initialState, trainStep, nextTokenEval, sampleSequences, decodeTokens, MlError } from '../index.ts';
import { tinyTokenDataset, tinyTransformerSpec, NAMES_VOCAB, TINY_WORDS } from '../../test/helpers/tiny-lm.ts';
import { sha256, utf8 } from '../../primitives/index.ts';

await selectBackend('det');
const spec = tinyTransformerSpec({}, { width: 32, heads: 4 });
const ds = tinyTokenDataset(8);
const tr = createTrainer(spec, ds, sha256(utf8('generate-test')));
const s0 = initialState(tr);
let s = s0;
for (let t = 0; t < 80; t++) s = trainStep(tr, s).state;

test('next-token validation loss: falls with training, independent of the evaluation batch size', () => {
  const before = nextTokenEval(tr, s0, ds);
  const after = nextTokenEval(tr, s, ds);
  assert.equal(after.count, ds.count);
  assert.equal(after.tokens, ds.count * 8);
  assert.ok(Math.abs(before.loss - Math.log(27)) < 0.2, `untrained loss ${before.loss}`);
  assert.ok(after.loss < before.loss - 1, `loss ${before.loss} -> ${after.loss}`);
  assert.ok(Math.abs(nextTokenEval(tr, s, ds, 7).loss - after.loss) < 1e-5);
});

test('samples: same seed same text, another seed other text; ids inside the vocabulary, decoded with it', () => {
  const a = sampleSequences(tr, s, { count: 12, seed: sha256(utf8('samples-1')) });
  const b = sampleSequences(tr, s, { count: 12, seed: sha256(utf8('samples-1')) });
  const c = sampleSequences(tr, s, { count: 12, seed: sha256(utf8('samples-2')) });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const q of a) {
    assert.ok(q.length <= 8);
    for (const id of q) assert.ok(Number.isInteger(id) && id > 0 && id < 27, `id ${id}`);
  }
  const names = a.map((q) => decodeTokens(q, NAMES_VOCAB));
  for (const n of names) assert.match(n, /^[a-z]*$/);
  // a model trained on 20 names reproduces some of them
  assert.ok(names.some((n) => TINY_WORDS.includes(n)), `samples: ${names.join(' ')}`);
  assert.equal(decodeTokens([1, 2, 3], 'xabc'), 'abc');
  assert.throws(() => decodeTokens([27], NAMES_VOCAB), (e: unknown) => e instanceof MlError && /outside the vocabulary of 27/.test(e.message));
});
