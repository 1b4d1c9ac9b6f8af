export { ChainStore, storeCorrupt, type ChainStoreOptions } from './chain-store.ts';
export { checkStoredChain, checkRecentChain, checkHeadAgainstMarker, signedInRecentBlocks, STARTUP_CHECK_DEPTH, type IntegrityReport, type CheckOptions } from './integrity.ts';
export { readHeadMarker, type HeadMark } from './head-marker.ts';
