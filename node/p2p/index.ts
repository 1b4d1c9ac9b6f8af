// Public surface of polchain's libp2p networking layer (docs/p2p.md). The polyfill must
// load before libp2p, so it is imported first.
import './polyfill.ts';

export { createP2pHost } from './host.ts';
export { STATUS_PROTOCOL } from './request-wire.ts';
export type {
  P2pHost,
  P2pHostOptions,
  P2pLogger,
  PeerSummary,
  GossipHandler,
  GossipMeta,
  GossipVerdict,
  RequestHandler,
  HandleOptions,
  RequestOptions,
} from './types.ts';
export { P2pError, type P2pErrorCode } from './errors.ts';
export {
  GOSSIP_TOPICS,
  DEFAULT_TOPIC_MAX_BYTES,
  GOSSIP_HARD_MAX_BYTES,
  DEFAULTS as P2P_DEFAULTS,
  topicId,
  protocolId,
  type GossipTopic,
} from './limits.ts';
export { PeerScoreBook, PENALTY, REWARD_VALID, DEFAULT_SCORE_OPTIONS, type ScoreOptions } from './scores.ts';
export { encodeVarint, decodeVarint, readFrame } from './framing.ts';
export {
  BLOCK_SYNC_PROTOCOL,
  SYNC_DEFAULTS,
  registerBlockSyncServer,
  fetchBlocks,
  encodeRangeRequest,
  decodeRangeRequest,
  encodeItems,
  decodeItems,
  type BlockSyncServerOptions,
  type FetchOptions,
} from './sync.ts';
export {
  BLOB_PROTOCOL,
  registerBlobServer,
  fetchBlob,
  sha256Matches,
  type BlobServerOptions,
  type FetchBlobOptions,
} from './blob.ts';
export { peerIdFromSeed } from './identity.ts';
