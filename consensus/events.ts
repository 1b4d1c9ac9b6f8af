/** What goes into the state machine (events) and what comes out (effects). */
import type { Commit, DuplicateVoteEvidence, Proposal, Vote } from './types.ts';
import type { TimeoutStep } from './timeouts.ts';
import type { ValidatorSet } from './validator-set.ts';
import type { ConsensusErrorCode } from './errors.ts';

export type ConsensusEvent =
  /** Begin consensus at `height`, round 0, with the validator set of that height (priorities at the start of the height). */
  | { type: 'startHeight'; height: bigint; validatorSet: ValidatorSet }
  /** A proposal received from a peer (already decoded; signature not yet checked). */
  | { type: 'proposal'; proposal: Proposal }
  /** A vote received from a peer (already decoded; signature not yet checked). */
  | { type: 'vote'; vote: Vote }
  /** A block fetched by the node after a missingBlock effect (block sync); kept only if it is the block asked for. */
  | { type: 'block'; height: bigint; block: Uint8Array }
  /** Catch-up: a block and its commit for the current height, fetched from a peer that decided it; decides if the commit verifies and the block is valid. */
  | { type: 'commit'; commit: Commit; block: Uint8Array }
  /** A peer claims +2/3 of (height, round, voteType) went to blockHash (CometBFT VoteSetMaj23): conflicting votes for it then count. */
  | { type: 'maj23'; height: bigint; round: number; voteType: 'prevote' | 'precommit'; blockHash: Uint8Array }
  /** A timer the node started for a scheduleTimeout effect has expired. */
  | { type: 'timeout'; height: bigint; round: number; step: TimeoutStep };

export type ConsensusEffect =
  | { type: 'broadcastProposal'; proposal: Proposal }
  | { type: 'broadcastVote'; vote: Vote }
  | { type: 'scheduleTimeout'; height: bigint; round: number; step: TimeoutStep; durationMs: number }
  /** The decision: apply and store the block with its commit, then send startHeight(height + 1). */
  | { type: 'commitBlock'; height: bigint; round: number; blockHash: Uint8Array; block: Uint8Array; commit: Commit }
  /** +2/3 precommitted a block this node has not seen: fetch it (block sync). */
  | { type: 'missingBlock'; height: bigint; round: number; blockHash: Uint8Array }
  /** A validator equivocated: gossip it and include it in a block. */
  | { type: 'evidence'; evidence: DuplicateVoteEvidence }
  /** Diagnostics: the machine entered a round. */
  | { type: 'enterRound'; height: bigint; round: number; proposer: Uint8Array }
  /** Diagnostics: an input was ignored (invalid, duplicate, late, or a refused signature). */
  | { type: 'rejected'; code: ConsensusErrorCode; message: string };
