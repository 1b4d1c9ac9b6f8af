// What the ML commands (train, replay, eval) share: their output streams (tests swap them), the
// mapping of errors to exit codes, and opening a trained run. A run on disk is the solver's
// artifact record (node/jobs/artifact-files.ts, docs/da.md): `polchain train --out DIR` writes
// meta.json, steps.bin and cp-<i>.bin into DIR, and replay/eval read any such folder, a solver's too.
import { DATASET_NAMES, MlError, datasetRoot, loadDataset } from '../../ml-runtime/index.ts';
import { JobsError, SolverArtifacts, isJobsError } from '../jobs/index.ts';
import { NodeError } from '../util/index.ts';
import { equalBytes } from '../../primitives/index.ts';

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

/** The bundled dataset a run trained on: named by `polchain train`, else found by its root (a solver's job). */
export function datasetNameOf(art: SolverArtifacts): string {
  if (art.run) return art.run.dataset;
  for (const name of DATASET_NAMES) if (equalBytes(datasetRoot(loadDataset(name).train), art.datasetRoot)) return name;
  throw new MlError('DATASET_UNKNOWN', `no bundled dataset has the run's dataset root`);
}
