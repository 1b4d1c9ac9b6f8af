// `polchain eval --from DIR [--step N] [--split test|train]`: test accuracy (or mse) of a checkpoint;
// for a transformer (next-token) run: validation loss, the dataset's unigram baseline (what a model
// that learnt only symbol frequencies scores) and text sampled from the model with the PRF.
import type { CliCommand } from '../command.ts';
import { parseFlags, requireFlag } from '../args.ts';
import { cliIo, dataDirFlag, openTrainedRun, runCli, runDataOf, usageError } from '../trained-run.ts';
import type { RunData } from '../run-dataset.ts';
import {
  selectBackend, decodeState, createTrainer, evaluate, isTransformerSpec, nextTokenEval, sampleSequences, decodeTokens, unigramBaseline,
  type StepContext, type TrainState,
} from '../../../ml-runtime/index.ts';
import { sha256, utf8 } from '../../../primitives/index.ts';

const usage = 'polchain eval --from DIR [--step N (default: the last checkpoint)] [--split test|train] [--backend det|cpu (default: the backend of the run)] [--samples N (next-token runs; default 10)] [--sample-seed S] [--vocab SYMBOLS (default: the dataset\'s: names letters, text bytes)] [--data-dir DIR (where a stored dataset lives)] [--json]';

export const command: CliCommand = {
  name: 'eval',
  summary: 'report the test accuracy (or mse) of a checkpoint of a training run',
  usage,
  run: (argv) => runCli(async () => {
    const { values: f } = parseFlags(argv, {
      from: { type: 'string' }, step: { type: 'string' }, split: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' },
      samples: { type: 'string' }, 'sample-seed': { type: 'string' }, vocab: { type: 'string' }, 'data-dir': { type: 'string' },
    }, usage);
    if (f.help) { cliIo.out(`${usage}\n`); return 0; }
    const art = await openTrainedRun(requireFlag(f, 'from', usage), usage);
    const step = f.step === undefined ? art.T : Number(f.step);
    const cp = art.checkpoints.find((c) => c.step === step);
    if (!cp) throw usageError(`no checkpoint at step ${f.step}; checkpoints: ${art.checkpoints.map((c) => c.step).join(', ')}`, usage);
    const split = (f.split as string | undefined) ?? 'test';
    if (split !== 'test' && split !== 'train') throw usageError(`--split must be test or train, got ${split}`, usage);
    const backend = await selectBackend((f.backend as string | undefined) ?? art.run?.backend ?? 'det');
    const data = runDataOf(art, dataDirFlag(f['data-dir']));
    const name = data.name;
    const tr = createTrainer(art.spec, data.train, art.seed);
    const state = decodeState(await art.checkpointBytes(cp.index), tr.layout);
    if (isTransformerSpec(art.spec)) {
      const count = f.samples === undefined ? 10 : Number(f.samples);
      if (!Number.isInteger(count) || count < 0 || count > 1000) throw usageError(`--samples must be an integer in 0..1000, got ${f.samples}`, usage);
      const o = nextTokenReport(tr, state, data, split, count, (f['sample-seed'] as string | undefined) ?? '0', f.vocab as string | undefined);
      const where = data.kind === 'stored' ? `${name} (stored: its own samples)` : `${name}/${split}`;
      if (f.json) cliIo.out(JSON.stringify({ dataset: name, kind: data.kind, split, step, backend, ...o }) + '\n');
      else cliIo.out(`${where} at step ${step} (${backend}): validation loss ${o.loss.toFixed(4)} nats/token over ${o.tokens} tokens; unigram baseline ${o.unigramBaseline.toFixed(4)} nats/token\n`
        + `${o.samples.length ? `samples (seed ${JSON.stringify(o.sampleSeed)}):\n` : ''}${o.samples.map((x) => `  ${JSON.stringify(x)}\n`).join('')}`);
      return 0;
    }
    const ev = evaluate(tr, state, data[split]);
    if (f.json) cliIo.out(JSON.stringify({ dataset: name, split, step, backend, ...ev }) + '\n');
    else if (ev.accuracy !== undefined) cliIo.out(`${name}/${split} at step ${step} (${backend}): accuracy ${(ev.accuracy * 100).toFixed(2)}% (${ev.correct}/${ev.count})\n`);
    else cliIo.out(`${name}/${split} at step ${step} (${backend}): mse ${ev.mse!.toPrecision(6)} over ${ev.count} samples\n`);
    return 0;
  }),
};

/**
 * Validation loss, the unigram baseline (training targets' frequencies scored on the split) and
 * `count` samples. The sampling seed is SHA-256("polchain/eval-sample/v1\0" || S), so `--sample-seed S`
 * reproduces the samples of the same checkpoint. Ids become text through --vocab, else the dataset's
 * own reading (names: its letters; a stored text file: UTF-8 bytes), else they are printed as numbers.
 */
function nextTokenReport(tr: StepContext, state: TrainState, data: RunData, split: 'train' | 'test', count: number, sampleSeed: string, vocab?: string) {
  const ds = data[split];
  const { loss, tokens } = nextTokenEval(tr, state, ds);
  const baseline = unigramBaseline({ name: data.name, train: data.train, test: ds });
  const seqs = count === 0 ? [] : sampleSequences(tr, state, { count, seed: sha256(utf8('polchain/eval-sample/v1\u0000'), utf8(sampleSeed)) });
  const decode = vocab !== undefined ? (q: readonly number[]) => decodeTokens([...q], vocab) : data.decode;
  const samples = seqs.map((q) => (decode ? decode(q) : q.join(' ')));
  return { loss, unigramBaseline: baseline, tokens, sampleSeed, samples };
}
