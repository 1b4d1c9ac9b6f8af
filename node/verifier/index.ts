// Public surface of the committee verifier: the service a validator node runs to attest jobs.
export { VerifierService } from './service.ts';
export type { VerifierStats } from './context.ts';
export type { VerifierOptions } from './options.ts';
export { jobsBackend, type VerifierBackend, type CheckpointRequest, type DatasetRef, type ResolvedDataset } from './verifier-backend.ts';
export { BlockPace } from './pace.ts';
export { VerifierError, type VerifierErrorCode } from './errors.ts';
export { CpuSlots, defaultReplaySlots, type TaskPhase, type TaskDecision, type VerifierTaskView, type VerifierScheduleView } from './scheduler.ts';
