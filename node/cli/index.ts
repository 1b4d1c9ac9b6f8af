// Public surface of the CLI for tests and benchmarks. bin/polchain.mjs loads main.ts alone, so that
// a command loads only what it uses.
export { main, COMMANDS, topLevelHelp } from './main.ts';
export { createDevnet } from './commands/devnet.ts';
export { onceExitCode } from './commands/solver.ts';
export { demoSpec } from './demo-jobs.ts';
export { DISPUTE_DEFAULTS } from './commands/job.ts';
export { resolveDataset, type DatasetRef } from './dataset-ref.ts';
export { cliIo } from './trained-run.ts';
