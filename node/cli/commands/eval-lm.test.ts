// `polchain eval` on transformer runs: validation loss and the unigram baseline (both in nats), and
// samples read through the dataset's own vocabulary without --vocab: the names letters for `names`,
// UTF-8 bytes for a text file stored by `polchain dataset add` (found with --data-dir).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command as train } from './train.ts';
import { command as evalCmd } from './eval.ts';
import {
  NAMES_VOCAB, canonicalSpecJson, createTrainer, decodeState, importDataset, loadDataset, parseSpec, sampleSequences, unigramBaseline,
} from '../../../ml-runtime/index.ts';
import { SolverArtifacts } from '../../jobs/index.ts';
import { storeOf } from '../dataset-ref.ts';
import { utf8Decoder } from '../run-dataset.ts';
import { sha256, utf8 } from '../../../primitives/index.ts';
import { captureCliIo } from '../../../test/helpers/cli-capture.ts';

const specs = new URL('../../../ml-runtime/specs/', import.meta.url).pathname;

/** names-transformer.json made small: a few dozen steps train in seconds. */
function tinySpec(dir: string, vocab: number): string {
  const base = JSON.parse(readFileSync(join(specs, 'names-transformer.json'), 'utf8'));
  const spec = parseSpec(JSON.stringify({ ...base, model: { ...base.model, vocab, layers: 1, heads: 2, width: 16 }, optimizer: { ...base.optimizer, learningRate: 0.01 }, batchSize: 16, steps: 40, checkpointInterval: 20 }));
  const file = join(dir, `tiny-${vocab}.json`);
  writeFileSync(file, canonicalSpecJson(spec));
  return file;
}

/** The samples eval must print: the same seed derivation, the same checkpoint. */
async function expectedSamples(run: string, train: ReturnType<typeof loadDataset>['train'], count: number, seed: string): Promise<number[][]> {
  const art = await SolverArtifacts.openAt(run);
  const tr = createTrainer(art.spec, train, art.seed);
  const state = decodeState(await art.checkpointBytes(art.checkpoints.length - 1), tr.layout);
  return sampleSequences(tr, state, { count, seed: sha256(utf8('polchain/eval-sample/v1\u0000'), utf8(seed)) });
}

test('eval on a names transformer: loss below where it started, the unigram baseline, samples in the names letters', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-eval-lm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = join(dir, 'run');
  const tr = await captureCliIo(() => train.run(['--spec', tinySpec(dir, 27), '--dataset', 'names', '--out', run, '--quiet']));
  assert.equal(tr.code, 0, tr.err);
  assert.match(tr.out, /trained 40 steps on names \(det\).*validation loss \d+\.\d{4} nats\/token/);

  const first = await captureCliIo(() => evalCmd.run(['--from', run, '--step', '0', '--samples', '0', '--json']));
  const last = await captureCliIo(() => evalCmd.run(['--from', run, '--samples', '6', '--sample-seed', 'abc', '--json']));
  assert.equal(last.code, 0, last.err);
  const a = JSON.parse(first.out);
  const b = JSON.parse(last.out);
  const names = loadDataset('names');
  const baseline = unigramBaseline(names);
  assert.equal(b.unigramBaseline, baseline);
  assert.ok(baseline > 2.8 && baseline < 2.9, `the names unigram baseline is about 2.85 nats (${baseline})`);
  assert.ok(a.loss > Math.log(27) - 0.2, `an untrained model is near uniform (${a.loss})`);
  assert.ok(b.loss < a.loss - 0.3, `40 steps lower the validation loss (${a.loss} -> ${b.loss})`);
  const ids = await expectedSamples(run, names.train, 6, 'abc');
  assert.deepEqual(b.samples, ids.map((q) => q.map((i) => NAMES_VOCAB[i]).join('')), 'decoded with NAMES_VOCAB, no --vocab given');
  assert.ok(b.samples.every((s: string) => /^[a-z]*$/.test(s)) && b.samples.some((s: string) => s.length > 0), JSON.stringify(b.samples));

  const text = await captureCliIo(() => evalCmd.run(['--from', run, '--samples', '6', '--sample-seed', 'abc']));
  assert.equal(text.code, 0, text.err);
  const lines = text.out.split('\n');
  assert.match(lines[0]!, new RegExp(`^names/test at step 40 \\(det\\): validation loss ${b.loss.toFixed(4)} nats/token over \\d+ tokens; unigram baseline ${baseline.toFixed(4)} nats/token$`));
  assert.equal(lines[1], 'samples (seed "abc"):');
  assert.deepEqual(lines.slice(2, 8), b.samples.map((s: string) => `  ${JSON.stringify(s)}`));
});

test('eval on a transformer trained on a stored text file: its samples decode as UTF-8 bytes; without its data dir the dataset is unknown', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-eval-text-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  const body = Array.from({ length: 40 }, (_, i) => `line ${i}: café au lait, crème brûlée\n`).join('');
  const ds = importDataset('text', new TextEncoder().encode(body), { name: 'menu', context: 16 }).dataset;
  storeOf(dataDir).add('menu', ds, { format: 'text', file: 'menu.txt' });
  const run = join(dir, 'run');
  const tr = await captureCliIo(() => train.run(['--spec', tinySpec(dir, 256), '--dataset', 'menu', '--data-dir', dataDir, '--out', run, '--quiet']));
  assert.equal(tr.code, 0, tr.err);
  const ev = await captureCliIo(() => evalCmd.run(['--from', run, '--data-dir', dataDir, '--samples', '5', '--json']));
  assert.equal(ev.code, 0, ev.err);
  const o = JSON.parse(ev.out);
  assert.equal(o.dataset, 'menu');
  assert.equal(o.kind, 'stored');
  assert.equal(o.unigramBaseline, unigramBaseline({ name: 'menu', train: ds, test: ds }));
  const ids = await expectedSamples(run, ds, 5, '0');
  assert.deepEqual(o.samples, ids.map((q) => utf8Decoder(q)));
  assert.deepEqual(utf8Decoder([...new TextEncoder().encode('brûlée')]), 'brûlée', 'multi-byte characters come back whole');
  assert.equal(utf8Decoder([0x63, 0xc3, 300, 0x61]), 'c\uFFFD\uFFFDa', 'a cut sequence and an id past the bytes are U+FFFD');

  // the name now holds other samples (the store was emptied and refilled): refused, not evaluated on them
  rmSync(join(dataDir, 'datasets'), { recursive: true, force: true });
  storeOf(dataDir).add('menu', importDataset('text', new TextEncoder().encode(body.toUpperCase()), { name: 'menu', context: 16 }).dataset, { format: 'text', file: 'menu.txt' });
  const moved = await captureCliIo(() => evalCmd.run(['--from', run, '--data-dir', dataDir]));
  assert.equal(moved.code, 1);
  assert.match(moved.err, /^error: DATASET_UNKNOWN: dataset menu no longer has the run's dataset root [0-9a-f]{64}/);

  // the run names a stored dataset: another data dir does not hold it
  const lost = await captureCliIo(() => evalCmd.run(['--from', run, '--data-dir', join(dir, 'elsewhere')]));
  assert.equal(lost.code, 1);
  assert.match(lost.err, /^error: DATASET_UNKNOWN: unknown dataset "menu": neither bundled \(.*names\) nor stored in .*elsewhere.*; give --data-dir/);
});
