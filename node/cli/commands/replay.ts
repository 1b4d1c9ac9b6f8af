// `polchain replay --from DIR --segment J`: re-executes segment J from its checkpoint and compares
// every step hash with the committed list; prints "match" or the first mismatching step.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from '../command.ts';
import { Progress } from '../../util/index.ts';
import { loadDataset, selectBackend, decodeState, createTrainer, replaySegment, segmentBounds, segmentCount, firstMismatch, traceRoot } from '../../../ml-runtime/index.ts';
import { cliIo, parseFlags, readManifest, readStepHashes, runCli, UsageError, checkpointFile } from './train.ts';
import { hexToBytes, bytesToHex, equalBytes } from '../../../primitives/index.ts';

const usage = 'usage: polchain replay --from DIR --segment J [--backend det|cpu (default: the backend of the run)] [--quiet]';

export const command: CliCommand = {
  name: 'replay',
  summary: 're-execute one segment of a training run from its checkpoint and compare the step hashes',
  usage,
  run: (argv) => runCli(usage, async () => {
    if (argv.includes('--help') || argv.includes('-h')) { cliIo.out(`${usage}\n`); return 0; }
    const f = parseFlags(argv, ['from', 'segment', 'backend'], ['quiet']);
    if (!f.from) throw new UsageError('missing --from');
    if (f.segment === undefined) throw new UsageError('missing --segment');
    const j = Number(f.segment);
    const m = readManifest(f.from);
    const nseg = segmentCount(m.spec.steps, m.spec.checkpointInterval);
    if (!Number.isInteger(j) || j < 0 || j >= nseg) throw new UsageError(`--segment must be an integer in 0..${nseg - 1}, got ${f.segment}`);
    const hashes = readStepHashes(f.from);
    if (hashes.length !== m.steps + 1) throw new UsageError(`step-hashes.txt has ${hashes.length} hashes, expected ${m.steps + 1}`);
    if (!equalBytes(traceRoot(hashes), hexToBytes(m.traceRoot))) {
      cliIo.out(`step-hashes.txt does not match the trace root ${m.traceRoot}\n`);
      return 1;
    }
    const backend = await selectBackend(f.backend ?? m.backend);
    const { from, to } = segmentBounds(m.spec.steps, m.spec.checkpointInterval, j);
    const data = loadDataset(m.dataset);
    const tr = createTrainer(m.spec, data.train, hexToBytes(m.seed));
    let bytes: Uint8Array;
    try { bytes = new Uint8Array(readFileSync(join(f.from, checkpointFile(from)))); } catch (e) { throw new UsageError(`missing checkpoint for step ${from}: ${(e as Error).message}`); }
    const state = decodeState(bytes, tr.layout);
    const bar = f.quiet === 'true' ? null : new Progress({ stream: cliIo.errStream(), total: to - from, label: `replay segment ${j}`, unit: 'steps' });
    const got = replaySegment(m.spec, data.train, hexToBytes(m.jobId), hexToBytes(m.seed), state, from, to, (t, loss) => bar?.update(t + 1 - from, { loss }));
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
