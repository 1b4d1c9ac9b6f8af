// Public surface of the committee verifier: the service a validator node runs to attest jobs.
export { VerifierService, type VerifierOptions, type VerifierStats } from './service.ts';
export { jobsBackend, type VerifierBackend, type CheckpointRequest, type DatasetRef, type ResolvedDataset } from './backend.ts';
export { BlockPace } from './pace.ts';
export { VerifierError, type VerifierErrorCode } from './errors.ts';
