export { chainMethods, type ChainRpcContext } from './chain-methods.ts';
export { historyMethods, type HistoryRpcContext } from './history-methods.ts';
export { lossCurveJson, checkedSteps, downsample, type LossVectorSource, type LossVectorResult } from './loss-curve.ts';
export { jobMethods, JOBS_TOPIC, DISPUTES_TOPIC, JOB_LIST_MAX, JOB_LIST_DEFAULT, type JobRpcContext, type JobView } from './job-methods.ts';
export { jobUpdateJson } from './job-json.ts';
export { headerJson, txJson, eventJson, receiptJson } from './json.ts';
export { DisputeWatch, type DisputeNotification } from './dispute-updates.ts';
export { gateMethods, type ReadyGate } from './ready-gate.ts';
export { PublishQueue, type Publication, type Publisher } from './publish-queue.ts';
