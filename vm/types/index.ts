export * from './tx.ts';
export * from './account.ts';
export * from './block.ts';
export * from './receipt.ts';
export * from './job.ts';
export * from './dispute.ts';
