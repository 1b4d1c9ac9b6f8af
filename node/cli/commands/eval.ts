// `polchain eval --from DIR [--step N] [--split test|train]`: test accuracy (or mse) of a checkpoint.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from '../command.ts';
import { loadDataset, selectBackend, decodeState, createTrainer, evaluate } from '../../../ml-runtime/index.ts';
import { cliIo, parseFlags, readManifest, runCli, UsageError, checkpointFile } from './train.ts';
import { hexToBytes } from '../../../primitives/index.ts';

const usage = 'usage: polchain eval --from DIR [--step N (default: the last checkpoint)] [--split test|train] [--backend det|cpu (default: the backend of the run)] [--json]';

export const command: CliCommand = {
  name: 'eval',
  summary: 'report the test accuracy (or mse) of a checkpoint of a training run',
  usage,
  run: (argv) => runCli(usage, async () => {
    if (argv.includes('--help') || argv.includes('-h')) { cliIo.out(`${usage}\n`); return 0; }
    const f = parseFlags(argv, ['from', 'step', 'split', 'backend'], ['json']);
    if (!f.from) throw new UsageError('missing --from');
    const m = readManifest(f.from);
    const step = f.step === undefined ? m.steps : Number(f.step);
    const cp = m.checkpoints.find((c) => c.step === step);
    if (!cp) throw new UsageError(`no checkpoint at step ${f.step}; checkpoints: ${m.checkpoints.map((c) => c.step).join(', ')}`);
    const split = f.split ?? 'test';
    if (split !== 'test' && split !== 'train') throw new UsageError(`--split must be test or train, got ${split}`);
    const backend = await selectBackend(f.backend ?? m.backend);
    const data = loadDataset(m.dataset);
    const tr = createTrainer(m.spec, data.train, hexToBytes(m.seed));
    const state = decodeState(new Uint8Array(readFileSync(join(f.from, checkpointFile(cp.step)))), tr.layout);
    const ev = evaluate(tr, state, data[split]);
    if (f.json === 'true') cliIo.out(JSON.stringify({ dataset: m.dataset, split, step, backend, ...ev }) + '\n');
    else if (ev.accuracy !== undefined) cliIo.out(`${m.dataset}/${split} at step ${step} (${backend}): accuracy ${(ev.accuracy * 100).toFixed(2)}% (${ev.correct}/${ev.count})\n`);
    else cliIo.out(`${m.dataset}/${split} at step ${step} (${backend}): mse ${ev.mse!.toPrecision(6)} over ${ev.count} samples\n`);
    return 0;
  }),
};
