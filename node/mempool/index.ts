export { Mempool, DEFAULT_MEMPOOL, type MempoolOptions, type MempoolStats, type BlockTouch } from './mempool.ts';
