export { commitDecidedBlock, type CommitTarget, type ConsensusRecord, type DecidedBlock } from './commit-block.ts';
export type { BlockDecider, DeciderStatus } from './block-decider.ts';
