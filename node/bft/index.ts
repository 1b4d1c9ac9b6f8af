export { BftDriver, type BftDriverOptions } from './driver.ts';
export { ConsensusWal, type WalRecord } from './wal.ts';
export { ValidatorSets } from './validator-sets.ts';
export { TxBatcher, TX_BATCH_MAX_BYTES } from './tx-gossip.ts';
export { checkSignHistoryPresent } from './sign-history.ts';
