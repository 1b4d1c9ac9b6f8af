// `polchain replay --from DIR --segment J`: re-executes segment J from its checkpoint and compares
// every step hash with the committed list; prints "match" or the first mismatching step.
import type { CliCommand } from '../command.ts';
import { Progress } from '../../util/index.ts';
import { parseFlags, requireFlag } from '../args.ts';
import { cliIo, dataDirFlag, openTrainedRun, runCli, runDataOf, usageError } from '../trained-run.ts';
import { selectBackend, decodeState, createTrainer, replaySegment, segmentBounds, segmentCount, firstMismatch, traceRoot } from '../../../ml-runtime/index.ts';
import { isJobsError } from '../../jobs/index.ts';
import { bytesToHex, equalBytes } from '../../../primitives/index.ts';

const usage = 'polchain replay --from DIR --segment J [--backend det|cpu (default: the backend of the run)] [--data-dir DIR (where a stored dataset lives)] [--quiet]';

export const command: CliCommand = {
  name: 'replay',
  summary: 're-execute one segment of a training run from its checkpoint and compare the step hashes',
  usage,
  run: (argv) => runCli(async () => {
    const { values: f } = parseFlags(argv, { from: { type: 'string' }, segment: { type: 'string' }, backend: { type: 'string' }, 'data-dir': { type: 'string' }, quiet: { type: 'boolean' } }, usage);
    if (f.help) { cliIo.out(`${usage}\n`); return 0; }
    const dir = requireFlag(f, 'from', usage);
    const segment = requireFlag(f, 'segment', usage);
    const j = Number(segment);
    const art = await openTrainedRun(dir, usage);
    const { T, k } = art;
    const nseg = segmentCount(T, k);
    if (!Number.isInteger(j) || j < 0 || j >= nseg) throw usageError(`--segment must be an integer in 0..${nseg - 1}, got ${segment}`, usage);
    const hashes = await art.stepHashes(0, T);
    const committed = art.commitment().traceRoot;
    if (!equalBytes(traceRoot(hashes), committed)) {
      cliIo.out(`steps.bin does not match the trace root ${bytesToHex(committed)}\n`);
      return 1;
    }
    const backend = await selectBackend((f.backend as string | undefined) ?? art.run?.backend ?? 'det');
    const { from, to } = segmentBounds(T, k, j);
    const data = runDataOf(art, dataDirFlag(f['data-dir']));
    const tr = createTrainer(art.spec, data.train, art.seed);
    let bytes: Uint8Array;
    try {
      bytes = await art.checkpointBytes(j);
    } catch (e) {
      if (isJobsError(e)) throw e;
      throw usageError(`missing checkpoint for step ${from}: ${e instanceof Error ? e.message : String(e)}`, usage);
    }
    const state = decodeState(bytes, tr.layout);
    const bar = f.quiet ? null : new Progress({ stream: cliIo.errStream(), total: to - from, label: `replay segment ${j}`, unit: 'steps' });
    const got = replaySegment(art.spec, data.train, art.jobId, art.seed, state, from, to, (t, loss) => bar?.update(t + 1 - from, { loss }));
    bar?.finish();
    const bad = firstMismatch(hashes.slice(from, to + 1), got, from);
    if (bad === null) {
      cliIo.out(`segment ${j} (steps ${from}..${to}, ${backend}): match\n`);
      return 0;
    }
    cliIo.out(`segment ${j} (steps ${from}..${to}, ${backend}): MISMATCH at step ${bad}: committed ${bytesToHex(hashes[bad]!)}, replayed ${bytesToHex(got[bad - from]!)}\n`);
    return 1;
  }),
};
