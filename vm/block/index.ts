export * from './codec.ts';
export { applyBlock, buildBlock, commitBlock, lastCommitHash, evidenceHash, type BlockResult, type BlockContext, type ConsensusHooks } from './apply.ts';
