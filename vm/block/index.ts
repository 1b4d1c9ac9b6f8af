export * from './codec.ts';
export { applyBlock, buildBlock, commitBlock, type BlockResult, type BlockContext } from './apply.ts';
