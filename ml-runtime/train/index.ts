export { initParams, forward, lossOf, CE_EPSILON } from './model.ts';
export type { DropoutContext } from './model.ts';
export { applyUpdate, slotsPerParam, powi } from './optimizer.ts';
export { createTrainer, initialState, checkState, trainStep, predict, evaluate } from './step.ts';
export type { Trainer, StepResult } from './step.ts';
export { runTrace, runTraceAsync, replaySegment } from './trace.ts';
export type { TraceResult, TraceOptions } from './trace.ts';
export { StepHashWorker } from './hash-worker.ts';
