export { chainMethods, type ChainRpcContext } from './chain-methods.ts';
