// `polchain train --spec FILE --dataset NAME --steps N --out DIR`: trains a model spec on a bundled
// dataset under the det backend, writing checkpoints, the per-step hash list and the trace root.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from '../command.ts';
import { Progress } from '../../util/index.ts';
import { parseSpec, validateSpec, withSteps, canonicalSpecJson, specHash, loadDataset, datasetRoot, createTrainer, runTraceAsync, selectBackend, detRuntimeVersion, localJobId, jobSeedForLocalRun, CHUNK_SIZE, MlError, evaluate, type ModelSpec, type Checkpoint } from '../../../ml-runtime/index.ts';
import { bytesToHex, hexToBytes } from '../../../primitives/index.ts';

export const RUN_FORMAT = 'polchain/train-run/v1';

/** manifest.json of a training output directory. */
export interface RunManifest {
  format: typeof RUN_FORMAT;
  spec: ModelSpec;
  specHash: string;
  dataset: string;
  datasetRoot: string;
  jobId: string;
  seed: string;
  backend: string;
  runtimeVersion: string | null;
  steps: number;
  checkpointInterval: number;
  chunkSize: number;
  traceRoot: string;
  checkpointsRoot: string;
  checkpoints: { step: number; file: string; stepHash: string; chunkRoot: string; chunkCount: number; bytes: number }[];
  finalLoss: number | null;
  wallSeconds: number;
}

export class UsageError extends Error {}

/** Where the ML commands write (stdout for results, stderr for progress and errors); tests swap it. */
export const cliIo = {
  out(s: string): void { process.stdout.write(s); },
  err(s: string): void { process.stderr.write(s); },
  errStream(): NodeJS.WritableStream & { isTTY?: boolean } {
    return { write: (s: string) => { cliIo.err(s); return true; }, isTTY: process.stderr.isTTY } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  },
};

/** Parses `--name value` flags; `known` lists the accepted names, boolean flags take no value. */
export function parseFlags(argv: string[], known: string[], booleans: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!known.includes(name) && !booleans.includes(name)) throw new UsageError(`unknown option --${name}`);
    if (booleans.includes(name)) { out[name] = 'true'; continue; }
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) throw new UsageError(`option --${name} needs a value`);
    out[name] = v;
  }
  return out;
}

export function checkpointFile(step: number): string {
  return join('checkpoints', `step-${String(step).padStart(9, '0')}.state`);
}

export function readManifest(dir: string): RunManifest {
  const p = join(dir, 'manifest.json');
  if (!existsSync(p)) throw new UsageError(`${dir} is not a training output directory (no manifest.json)`);
  const m = JSON.parse(readFileSync(p, 'utf8')) as RunManifest;
  if (m.format !== RUN_FORMAT) throw new UsageError(`${p}: unknown format ${JSON.stringify(m.format)}`);
  m.spec = validateSpec(m.spec);
  return m;
}

export function readStepHashes(dir: string): Uint8Array[] {
  return readFileSync(join(dir, 'step-hashes.txt'), 'utf8').split('\n').filter((l) => l.length > 0).map((l, i) => hexToBytes(l.trim(), `step-hashes.txt line ${i + 1}`));
}

/** Runs a command body, mapping usage errors to exit code 2 and runtime errors to 1. */
export async function runCli(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      cliIo.err(`error: ${e.message}\n${usage}\n`);
      return 2;
    }
    if (e instanceof MlError) {
      cliIo.err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

const usage = 'usage: polchain train --spec FILE --dataset NAME [--steps N] --out DIR [--backend det|cpu] [--job-id HEX32] [--seed HEX32] [--quiet]';

export const command: CliCommand = {
  name: 'train',
  summary: 'train a model spec on a bundled dataset, writing checkpoints, per-step hashes and the trace root',
  usage,
  run: (argv) => runCli(usage, async () => {
    if (argv.includes('--help') || argv.includes('-h')) { cliIo.out(`${usage}\n`); return 0; }
    const f = parseFlags(argv, ['spec', 'dataset', 'steps', 'out', 'backend', 'job-id', 'seed'], ['quiet']);
    for (const r of ['spec', 'dataset', 'out']) if (!f[r]) throw new UsageError(`missing --${r}`);
    let specText: string;
    try { specText = readFileSync(f.spec!, 'utf8'); } catch (e) { throw new UsageError(`cannot read spec ${f.spec}: ${(e as Error).message}`); }
    let spec = parseSpec(specText);
    if (f.steps !== undefined) {
      const n = Number(f.steps);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--steps must be a positive integer, got ${f.steps}`);
      spec = withSteps(spec, n);
    }
    const backend = await selectBackend(f.backend);
    const runtimeVersion = backend === 'det' ? await detRuntimeVersion() : null;
    const data = loadDataset(f.dataset!);
    const jobId = f['job-id'] ? hexToBytes(f['job-id'], '--job-id') : localJobId(spec, data.name);
    const seed = f.seed ? hexToBytes(f.seed, '--seed') : jobSeedForLocalRun(jobId);
    if (jobId.length !== 32 || seed.length !== 32) throw new UsageError('--job-id and --seed must be 32 bytes (64 hex digits)');
    const tr = createTrainer(spec, data.train, seed);
    const out = f.out!;
    mkdirSync(join(out, 'checkpoints'), { recursive: true });
    writeFileSync(join(out, 'spec.json'), canonicalSpecJson(spec) + '\n');
    const cps: RunManifest['checkpoints'] = [];
    const quiet = f.quiet === 'true';
    const bar = quiet ? null : new Progress({ stream: cliIo.errStream(), total: spec.steps, label: 'train', unit: 'steps' });
    const t0 = performance.now();
    const r = await runTraceAsync(tr, jobId, {
      onStep: (t, loss) => bar?.update(t + 1, { loss }),
      onCheckpoint: (cp: Checkpoint) => {
        const file = checkpointFile(cp.step);
        writeFileSync(join(out, file), cp.bytes);
        cps.push({ step: cp.step, file, stepHash: bytesToHex(cp.stepHash), chunkRoot: bytesToHex(cp.chunkRoot), chunkCount: cp.chunkCount, bytes: cp.bytes.length });
      },
    });
    const wallSeconds = (performance.now() - t0) / 1000;
    bar?.finish();
    writeFileSync(join(out, 'step-hashes.txt'), r.stepHashes.map(bytesToHex).join('\n') + '\n');
    writeFileSync(join(out, 'trace-root.txt'), bytesToHex(r.traceRoot) + '\n');
    const manifest: RunManifest = {
      format: RUN_FORMAT, spec, specHash: bytesToHex(specHash(spec)), dataset: data.name, datasetRoot: bytesToHex(datasetRoot(data.train)),
      jobId: bytesToHex(jobId), seed: bytesToHex(seed), backend, runtimeVersion, steps: spec.steps, checkpointInterval: spec.checkpointInterval,
      chunkSize: CHUNK_SIZE, traceRoot: bytesToHex(r.traceRoot), checkpointsRoot: bytesToHex(r.checkpointsRoot), checkpoints: cps,
      finalLoss: r.losses.length ? r.losses[r.losses.length - 1]! : null, wallSeconds,
    };
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    const ev = evaluate(tr, r.finalState, data.test);
    const evText = ev.accuracy !== undefined ? `test accuracy ${(ev.accuracy * 100).toFixed(2)}%` : `test mse ${ev.mse!.toPrecision(6)}`;
    cliIo.out(`trained ${spec.steps} steps on ${data.name} (${backend}) in ${wallSeconds.toFixed(1)} s, ${(spec.steps / wallSeconds).toFixed(1)} steps/s; ${evText}\n`);
    cliIo.out(`trace root ${bytesToHex(r.traceRoot)}\n`);
    return 0;
  }),
};
