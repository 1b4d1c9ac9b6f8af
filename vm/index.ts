export * from './errors.ts';
export * from './types/index.ts';
export * from './codec/index.ts';
export * from './crypto/index.ts';
export * from './tx/index.ts';
export * from './state/index.ts';
export * from './block/index.ts';
export { executeTx, releaseUnbonding, slashValidator } from './execute/tx.ts';
export { orderedMerkleRoot } from './merkle.ts';
