export * from './codec.ts';
export { applyBlock, buildBlock, commitBlock, lastCommitHash, evidenceHash, type BlockResult, type VerifiedLookup, type BlockContext, type ConsensusHooks, type EvidenceOffence } from './apply.ts';
