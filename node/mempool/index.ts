export { Mempool, DEFAULT_MEMPOOL, type MempoolOptions } from './mempool.ts';
