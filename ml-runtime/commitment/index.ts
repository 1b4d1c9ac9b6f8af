// The commitment part of the ml-runtime: everything the chain must agree on about a training job
// without running it (model specs, dataset commitments, the batch PRF, the canonical state encoding
// and per-step hash, the trace and checkpoint format, the checkpoint/segment schedule). Pure: it
// never loads tfjs or the det backend, so the vm may import it (and only it) from ml-runtime.
export { MlError, NonFiniteStateError, type MlErrorCode } from './errors.ts';
export * from './spec/index.ts';
export * from './prf/index.ts';
export { makeDataset, encodeSample, decodeSample, sampleLeafHashes, datasetRoot, sampleProof, verifySample, gatherBatch } from './dataset.ts';
export type { Dataset, DatasetSplit, Task, FeatureKind } from './dataset.ts';
export { encodeState, decodeState, stepHash, stepHashOfEncoding, encodedStateStep, stateDigest, assertFinite, encodedStateLength, tensorsOf, markFinite } from './state.ts';
export type { TrainState, StateLayout } from './state.ts';
export {
  CHUNK_SIZE, chunkBytes, chunkCountOf, makeCheckpoint, chunkProof, verifyChunk, checkpointLeaf, checkpointsRoot, traceRoot,
  stepHashProof, verifyStepHash, firstMismatch, type Checkpoint,
} from './trace-format.ts';
export {
  segmentCount, checkpointCount, checkpointStep, checkpointSteps, segmentBounds, checkedSegments, requiredOpenings, requiredRanges,
  type TraceRange,
} from './schedule.ts';
export { jobSeedForLocalRun, localJobId } from './job.ts';
export { checkSpecFitsDataset } from './dataset-fit.ts';
export { LITTLE_ENDIAN, f32leBytes } from './float-bytes.ts';
export type { StepReferee, RefereeStepInput, RefereeInitialInput, RefereeResult } from './referee.ts';
export { refereeCost, type RefereeCost } from './referee-cost.ts';
export { slotsPerParam, layoutOfSpec, encodedLengthOf } from './state-layout.ts';
export {
  LOSS_BYTES, lossBits, lossesOfBits, lossLeafLength, lossLeaves, lossRoot, lossLeafProof, verifyLossLeaf, stepClaim, segmentClaims,
} from './loss.ts';
