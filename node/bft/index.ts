export { BftDriver, type BftDriverOptions } from './driver.ts';
export { TxBatcher } from './tx-gossip.ts';
export { ConsensusWal, type WalRecord } from './wal.ts';
export { ValidatorSets } from './validator-sets.ts';
