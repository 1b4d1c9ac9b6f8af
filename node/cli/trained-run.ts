// What the ML commands (train, replay, eval) share: their output streams (tests swap them), the
// mapping of errors to exit codes, and opening a trained run. A run on disk is the solver's
// artifact record (node/jobs/artifact-files.ts, docs/da.md): `polchain train --out DIR` writes
// meta.json, steps.bin and cp-<i>.bin into DIR, and replay/eval read any such folder, a solver's too.
import { MlError, datasetRoot } from '../../ml-runtime/index.ts';
import { defaultDataDir } from '../config/index.ts';
import { runData, type RunData } from './run-dataset.ts';
import { JobsError, SolverArtifacts, isJobsError } from '../jobs/index.ts';
import { NodeError } from '../util/index.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

/** Where the ML commands write (stdout for results, stderr for progress and errors); tests swap it. */
export const cliIo = {
  out(s: string): void { process.stdout.write(s); },
  err(s: string): void { process.stderr.write(s); },
  errStream(): NodeJS.WritableStream & { isTTY?: boolean } {
    return { write: (s: string) => { cliIo.err(s); return true; }, isTTY: process.stderr.isTTY } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  },
};

export function usageError(message: string, usage: string): NodeError {
  return new NodeError('USAGE', `${message}\nusage: ${usage}`);
}

/** Runs a command body, mapping usage errors to exit code 2 and runtime errors to 1. */
export async function runCli(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof NodeError && e.code === 'USAGE') {
      cliIo.err(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof MlError || e instanceof JobsError) {
      cliIo.err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** Opens the trained run in `dir` (a usage error when `dir` holds none). */
export async function openTrainedRun(dir: string, usage: string): Promise<SolverArtifacts> {
  try {
    return await SolverArtifacts.openAt(dir);
  } catch (e) {
    if (isJobsError(e, 'ARTIFACTS_NOT_FOUND')) throw usageError(`${dir} is not a training output directory (no meta.json)`, usage);
    throw e;
  }
}

/**
 * The dataset a run trained on: named by `polchain train`, else found by its root (a solver's job),
 * bundled or stored in `dataDir` by `polchain dataset add`. Its root must be the run's.
 */
export function runDataOf(art: SolverArtifacts, dataDir: string): RunData {
  const d = runData(art.run?.dataset ?? bytesToHex(art.datasetRoot), dataDir);
  if (!equalBytes(datasetRoot(d.train), art.datasetRoot)) throw new MlError('DATASET_UNKNOWN', `dataset ${d.name} no longer has the run's dataset root ${bytesToHex(art.datasetRoot)}`);
  return d;
}

/** --data-dir, else $POLCHAIN_DATA_DIR, else the default data dir. */
export function dataDirFlag(v: unknown): string {
  return (v as string | undefined) ?? process.env.POLCHAIN_DATA_DIR ?? defaultDataDir();
}
