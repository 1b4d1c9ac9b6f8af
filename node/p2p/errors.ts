import { CodedError } from '../../primitives/index.ts';
export type P2pErrorCode =
  | 'P2P_BAD_OPTIONS'
  | 'P2P_NOT_STARTED'
  | 'P2P_LISTEN_FAILED'
  | 'P2P_UNKNOWN_TOPIC'
  | 'P2P_MESSAGE_TOO_LARGE'
  | 'P2P_FRAME_TOO_LARGE'
  | 'P2P_MALFORMED_FRAME'
  | 'P2P_STREAM_CLOSED'
  | 'P2P_TIMEOUT'
  | 'P2P_REMOTE_ERROR'
  | 'P2P_DIAL_FAILED'
  | 'P2P_PEER_BANNED'
  | 'P2P_BAD_RESPONSE'
  | 'P2P_ABORTED';

/** A networking failure with a stable code (see docs/p2p.md). */
export class P2pError extends CodedError<P2pErrorCode> {}

