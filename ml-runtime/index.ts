// Public surface of the ml-runtime: specs, datasets, PRF, the step function, state encoding and
// hashing, traces, checkpoints, replay, Merkle trees, and backend selection.
export { MlError, NonFiniteStateError } from './errors.ts';
export type { MlErrorCode } from './errors.ts';
export * from './prf/index.ts';
export * from './spec/index.ts';
export * from './data/index.ts';
export * from './train/index.ts';
export { selectBackend, detRuntimeVersion, CONSENSUS_BACKEND } from './backend.ts';
export { jobSeedForLocalRun, localJobId } from './job.ts';
