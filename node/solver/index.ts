// Public surface of the proof-of-learning solver worker (docs/jobs.md): the Solver class behind
// `polchain solver`, its training loop, reveal splitting, job views, its side of the dispute game
// (JobDefence) and test-only cheats.
export { Solver } from './solver.ts';
export { SOLVER_RUNTIME, DEFAULT_MAX_TX_BYTES, DEFAULT_MAX_STEPS, type SolverOptions } from './options.ts';
export { type JobResult, type JobResultStatus } from './job-run.ts';
export { trainJob, withLearningRate, skipStepsOf, type TraceSink, type TrainJobOptions, type TrainJobResult } from './train-job.ts';
export { parseCheat, skippedSegments, skipPeriod, describeCheat, CHEAT_SYNTAX, type CheatMode } from './cheat.ts';
export { cheatHooks, fakedSegment, fakedStepOf, lieAboutLoss, skipUpdates, stopEarly, trainWith, startFrom, foreignInit, interpolateTo, reversedDataset } from './cheat-hooks.ts';
export { packBySize, signedTxSize, splitRevealPayloads, type RevealItem } from './tx-split.ts';
export { ChainClient, isRetryable, rejectionCode, type SentTx, type AccountView, type NodeStatusView, type RetryOptions } from './chain-client.ts';
export {
  parseJobView, parseJobSummary, statusAtLeast, shortId, JOB_STATUS_ORDER, TERMINAL_STATUSES,
  type JobView, type JobSummaryView, type JobTermsView, type JobStatusName, type DisputeView, type DemandView, type StateSupplyView,
} from './job-view.ts';
export { formatEvent, type SolverEvent, type Earnings, type DisputeEarnings } from './events.ts';
export { JobDefence, type DefenceDeps } from './job-defence.ts';
export { disputeEarnings } from './earnings.ts';
export { SolverError, type SolverErrorCode } from './errors.ts';
