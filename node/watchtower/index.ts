// Public surface of the watchtower (docs/disputes.md, "Watchtower"): the challenger that replays the
// segments a committee did not sample and disputes any the solver faked. A client application like
// the solver: it reaches nodes over JSON-RPC (rpc-chain.ts) and solvers over libp2p (node/jobs DA).
export { Watchtower, type WatchtowerOptions } from './watchtower.ts';
export { notDisputable, alreadyDisputed } from './disputable.ts';
export { RpcWatchChain, isRetryable, sleep, DEFAULT_MAX_TX_BYTES, type RpcWatchChainOptions } from './rpc-chain.ts';
export type { WatchChain, ChainStatus, SentTx, TxState } from './chain.ts';
export { fromVmJob, parseRpcJob, type WatchJob, type WatchDemand, type WatchDispute, type WatchSupply, type WatchCommitment } from './job-view.ts';
export { chooseSegments, segmentRank, checkFraction, DEFAULT_FRACTION } from './segment-choice.ts';
export { nextMoves, findOwnDispute, batchOf, type DisputeMove } from './dispute-plan.ts';
export type { ActiveDispute } from './dispute-runner.ts';
export type { SegmentCheck, SegmentVerdict } from './segment-check.ts';
export { emptyStats, statusLine, slashShares, netEarned, type WatchStats } from './stats.ts';
export { formatEvent, shortId, type WatchEvent } from './events.ts';
export { WatchError, type WatchErrorCode } from './errors.ts';
