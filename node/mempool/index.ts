export { Mempool, DEFAULT_MEMPOOL, type MempoolOptions, type MempoolStats } from './mempool.ts';
