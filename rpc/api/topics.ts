// WebSocket topics of the node and what each notification carries.

import type { TopicSpec } from '../types.ts';
import type { BlockHeaderJson } from './chain-json.ts';
import type { JobUpdateJson } from './job-json.ts';
import type { DisputeUpdateJson } from './dispute-json.ts';
import { jobIdSchema } from './params.ts';
import type { Repr, Wire } from './wire.ts';

/** Every committed block's header. */
export const NEW_HEADS_TOPIC: TopicSpec = { name: 'newHeads' };

/** Job updates; a subscriber may filter by job id. */
export const JOBS_TOPIC: TopicSpec = {
  name: 'jobs', description: 'one notification per job status change in a committed block: {jobId, status, outcome, height}', filter: jobIdSchema,
};

/** Dispute changes; a subscriber may filter by job id. */
export const DISPUTES_TOPIC: TopicSpec = {
  name: 'disputes',
  description: 'one notification per dispute that was opened, located (moved to the referee) or resolved in a committed block: {jobId, index, kind, event, stage, step, winner, reason, height}',
  filter: jobIdSchema,
};

export const TOPICS = [NEW_HEADS_TOPIC, JOBS_TOPIC, DISPUTES_TOPIC] as const;

/** What each topic's notifications carry. */
export type TopicData<W extends Repr = Wire> = {
  newHeads: BlockHeaderJson<W>;
  jobs: JobUpdateJson<W>;
  disputes: DisputeUpdateJson<W>;
};
