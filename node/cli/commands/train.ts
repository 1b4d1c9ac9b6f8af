// `polchain train --spec FILE --dataset NAME --steps N --out DIR`: trains a model spec on a bundled
// dataset (or one `polchain dataset add` stored in --data-dir) under the det backend, writing the run
// as a solver artifact record (meta.json with the trace root, steps.bin, cp-<i>.bin) into DIR.
import { readFileSync } from 'node:fs';
import type { CliCommand } from '../command.ts';
import { Progress } from '../../util/index.ts';
import { parseFlags, requireFlag } from '../args.ts';
import { cliIo, dataDirFlag, runCli, usageError } from '../trained-run.ts';
import { runData } from '../run-dataset.ts';
import { parseSpec, withSteps, canonicalSpecJson, datasetRoot, createTrainer, runTrace, selectBackend, detRuntimeVersion, localJobId, jobSeedForLocalRun, evaluate } from '../../../ml-runtime/index.ts';
import { SolverArtifacts } from '../../jobs/index.ts';
import { bytesToHex, hexToBytes } from '../../../primitives/index.ts';

export { cliIo } from '../trained-run.ts';

const usage = 'polchain train --spec FILE --dataset NAME [--steps N] --out DIR [--data-dir DIR (where a stored dataset lives)] [--backend det|cpu] [--job-id HEX32] [--seed HEX32] [--quiet]';

export const command: CliCommand = {
  name: 'train',
  summary: 'train a model spec on a bundled dataset, writing checkpoints, per-step hashes and the trace root',
  usage,
  run: (argv) => runCli(async () => {
    const { values: f } = parseFlags(argv, {
      spec: { type: 'string' }, dataset: { type: 'string' }, steps: { type: 'string' }, out: { type: 'string' }, 'data-dir': { type: 'string' },
      backend: { type: 'string' }, 'job-id': { type: 'string' }, seed: { type: 'string' }, quiet: { type: 'boolean' },
    }, usage);
    if (f.help) { cliIo.out(`${usage}\n`); return 0; }
    const specFile = requireFlag(f, 'spec', usage);
    const datasetName = requireFlag(f, 'dataset', usage);
    const out = requireFlag(f, 'out', usage);
    let specText: string;
    try { specText = readFileSync(specFile, 'utf8'); } catch (e) { throw usageError(`cannot read spec ${specFile}: ${e instanceof Error ? e.message : String(e)}`, usage); }
    let spec = parseSpec(specText);
    if (f.steps !== undefined) {
      const n = Number(f.steps);
      if (!Number.isInteger(n) || n < 1) throw usageError(`--steps must be a positive integer, got ${f.steps}`, usage);
      spec = withSteps(spec, n);
    }
    const backend = await selectBackend(f.backend as string | undefined);
    const runtimeVersion = backend === 'det' ? await detRuntimeVersion() : null;
    const data = runData(datasetName, dataDirFlag(f['data-dir']));
    const jobId = f['job-id'] ? hexToBytes(f['job-id'] as string, '--job-id') : localJobId(spec, data.name);
    const seed = f.seed ? hexToBytes(f.seed as string, '--seed') : jobSeedForLocalRun(jobId);
    if (jobId.length !== 32 || seed.length !== 32) throw usageError('--job-id and --seed must be 32 bytes (64 hex digits)', usage);
    const tr = createTrainer(spec, data.train, seed);
    const writer = SolverArtifacts.createAt(out, { jobId, specJson: canonicalSpecJson(spec), datasetRoot: datasetRoot(data.train), seed, overwrite: true });
    const bar = f.quiet ? null : new Progress({ stream: cliIo.errStream(), total: spec.steps, label: 'train', unit: 'steps' });
    const t0 = performance.now();
    let r;
    try {
      r = await runTrace(tr, jobId, { sink: writer, hooks: [{ onStep: (t, loss) => bar?.update(t + 1, loss === null ? {} : { loss }) }] });
    } catch (e) {
      writer.abort();
      throw e;
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    bar?.finish();
    await writer.finish({ dataset: data.name, backend, runtimeVersion, finalLoss: r.losses.length ? r.losses[r.losses.length - 1]! : null, wallSeconds });
    const ev = evaluate(tr, r.finalState, data.test);
    const evText = ev.accuracy !== undefined ? `test accuracy ${(ev.accuracy * 100).toFixed(2)}%` : ev.loss !== undefined ? `validation loss ${ev.loss.toFixed(4)} nats/token` : `test mse ${ev.mse!.toPrecision(6)}`;
    cliIo.out(`trained ${spec.steps} steps on ${data.name} (${backend}) in ${wallSeconds.toFixed(1)} s, ${(spec.steps / wallSeconds).toFixed(1)} steps/s; ${evText}\n`);
    cliIo.out(`trace root ${bytesToHex(r.traceRoot)}\n`);
    return 0;
  }),
};
