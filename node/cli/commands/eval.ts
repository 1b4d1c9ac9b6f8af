// `polchain eval --from DIR [--step N] [--split test|train]`: test accuracy (or mse) of a checkpoint.
import type { CliCommand } from '../command.ts';
import { parseFlags, requireFlag } from '../args.ts';
import { cliIo, datasetNameOf, openTrainedRun, runCli, usageError } from '../trained-run.ts';
import { loadDataset, selectBackend, decodeState, createTrainer, evaluate } from '../../../ml-runtime/index.ts';

const usage = 'polchain eval --from DIR [--step N (default: the last checkpoint)] [--split test|train] [--backend det|cpu (default: the backend of the run)] [--json]';

export const command: CliCommand = {
  name: 'eval',
  summary: 'report the test accuracy (or mse) of a checkpoint of a training run',
  usage,
  run: (argv) => runCli(async () => {
    const { values: f } = parseFlags(argv, { from: { type: 'string' }, step: { type: 'string' }, split: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' } }, usage);
    if (f.help) { cliIo.out(`${usage}\n`); return 0; }
    const art = await openTrainedRun(requireFlag(f, 'from', usage), usage);
    const step = f.step === undefined ? art.T : Number(f.step);
    const cp = art.checkpoints.find((c) => c.step === step);
    if (!cp) throw usageError(`no checkpoint at step ${f.step}; checkpoints: ${art.checkpoints.map((c) => c.step).join(', ')}`, usage);
    const split = (f.split as string | undefined) ?? 'test';
    if (split !== 'test' && split !== 'train') throw usageError(`--split must be test or train, got ${split}`, usage);
    const backend = await selectBackend((f.backend as string | undefined) ?? art.run?.backend ?? 'det');
    const name = datasetNameOf(art);
    const data = loadDataset(name);
    const tr = createTrainer(art.spec, data.train, art.seed);
    const state = decodeState(await art.checkpointBytes(cp.index), tr.layout);
    const ev = evaluate(tr, state, data[split]);
    if (f.json) cliIo.out(JSON.stringify({ dataset: name, split, step, backend, ...ev }) + '\n');
    else if (ev.accuracy !== undefined) cliIo.out(`${name}/${split} at step ${step} (${backend}): accuracy ${(ev.accuracy * 100).toFixed(2)}% (${ev.correct}/${ev.count})\n`);
    else cliIo.out(`${name}/${split} at step ${step} (${backend}): mse ${ev.mse!.toPrecision(6)} over ${ev.count} samples\n`);
    return 0;
  }),
};
