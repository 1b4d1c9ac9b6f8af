export { initParams, forward, lossOf, CE_EPSILON } from './model.ts';
export type { DropoutContext } from './model.ts';
export { applyUpdate, slotsPerParam, powi } from './optimizer.ts';
export { encodeState, decodeState, stepHash, stateDigest, assertFinite, encodedStateLength, tensorsOf } from './state.ts';
export type { TrainState, StateLayout } from './state.ts';
export { createTrainer, initialState, checkState, trainStep, predict, evaluate } from './step.ts';
export type { Trainer, StepResult } from './step.ts';
export {
  CHUNK_SIZE, chunkBytes, makeCheckpoint, chunkProof, verifyChunk, checkpointLeaf, checkpointsRoot, traceRoot, stepHashProof,
  verifyStepHash, checkpointSteps, segmentCount, segmentBounds, runTrace, runTraceAsync, replaySegment, firstMismatch,
} from './trace.ts';
export type { Checkpoint, TraceResult, TraceOptions } from './trace.ts';
export { StepHashWorker } from './hash-worker.ts';
export { markFinite } from './state.ts';
