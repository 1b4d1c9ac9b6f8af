// What one job's run carries while the JobRunner works it, and what it reports at the end: shared by
// the runner, the training step and the earnings accounting.
import type { Logger } from 'pino';
import type { Dataset, ModelSpec } from '../../ml-runtime/index.ts';
import type { SolverArtifacts } from '../jobs/index.ts';
import type { SentTx } from './chain-client.ts';
import type { ChunkSources } from './chunk-sources.ts';
import type { SolverContext } from './context.ts';
import type { Earnings } from './events.ts';
import type { JobDefence } from './job-defence.ts';
import type { JobView } from './job-view.ts';

export type JobResultStatus = 'finalized' | 'slashed' | 'expired' | 'diverged' | 'gave-up' | 'failed' | 'lost' | 'stopped';

export interface JobResult {
  jobId: string;
  status: JobResultStatus;
  /** the chain's outcome ('paid', 'mismatch', 'no-open', ...) when the job ended */
  outcome: string;
  earnings: Earnings | null;
  /** why the solver gave up or failed */
  reason: string | null;
}

export interface JobRun {
  id: string;
  log: Logger;
  txs: SentTx[];
  balanceBefore: bigint;
  artifacts: SolverArtifacts | null;
  abort: AbortController;
  /** the training set (the solver answers dispute moves with its samples) */
  dataset: Dataset;
  /** the dispute play, once the job reached the attest phase */
  defence?: JobDefence;
}

/** Trains an accepted job (or reuses its finished record) into artifacts: job-training.ts trainedArtifacts. */
export type TrainArtifacts = (c: SolverContext, sources: ChunkSources, run: JobRun, v: JobView, spec: ModelSpec, dataset: Dataset) => Promise<SolverArtifacts>;
