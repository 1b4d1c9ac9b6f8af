export { ChainStore } from './chain-store.ts';
