export { GenesisError, type GenesisErrorCode } from './errors.ts';
export type { Genesis } from './types.ts';
export { parseGenesis } from './parse.ts';
export { genesisToJson, genesisHash } from './serialize.ts';
export { loadGenesisFile, genesisState } from './load.ts';
export * from './networks/dev.ts';
export { CHAIN_ID_RE, checkChainId } from './chain-id.ts';
