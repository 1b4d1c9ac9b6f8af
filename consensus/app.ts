// What the state machine is given: the application seam (ABCI++-style) and its options.
import type { Signer } from './signer.ts';
import type { TimeoutConfig } from './timeouts.ts';

/** The application: block building and validation, plugged in by the node (vm.buildBlock / vm.applyBlock). Must be deterministic. */
export interface ConsensusApp {
  /** A new block for `height` (called only when this validator proposes and has no validValue). */
  buildBlock(height: bigint, round: number): Uint8Array;
  /** valid(v): the block applies cleanly on top of the last committed state. Throwing counts as invalid. */
  validateBlock(height: bigint, block: Uint8Array): boolean;
  /** The block's hash (what votes sign), e.g. vm's sha256(encode(header)). */
  hashBlock(block: Uint8Array): Uint8Array;
}

/** The engine's round window: messages for rounds beyond round + this are refused (bounds memory). */
export const DEFAULT_MAX_ROUNDS_AHEAD = 64;

export interface ConsensusOptions {
  chainId: string;
  app: ConsensusApp;
  /** null for a non-validating (observer) node. */
  signer: Signer | null;
  timeouts?: TimeoutConfig;
  /** Messages for rounds beyond round + this are rejected (bounds memory). Default 64. */
  maxRoundsAhead?: number;
  /** Messages for height + 1 kept until that height starts. Default 10000. */
  maxBuffered?: number;
}

export type Step = 'idle' | 'propose' | 'prevote' | 'precommit' | 'commit';
