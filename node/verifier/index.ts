// Public surface of the committee verifier: the service a validator node runs to attest jobs.
export { VerifierService, type VerifierStats } from './service.ts';
export type { VerifierOptions } from './options.ts';
export { jobsBackend, type VerifierBackend, type CheckpointRequest, type DatasetRef, type ResolvedDataset } from './backend.ts';
export { BlockPace } from './pace.ts';
export { VerifierError, type VerifierErrorCode } from './errors.ts';
