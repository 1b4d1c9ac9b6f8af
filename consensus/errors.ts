import { CodedError } from '../primitives/index.ts';

/** Typed errors of the consensus module. Codes are stable: the node logs them and may score peers by them. */
export type ConsensusErrorCode =
  | 'CONSENSUS_MALFORMED' // a message that does not decode or has the wrong shape
  | 'VOTE_WRONG_HEIGHT'
  | 'VOTE_WRONG_ROUND'
  | 'VOTE_UNKNOWN_VALIDATOR'
  | 'VOTE_BAD_SIGNATURE'
  | 'VOTE_DUPLICATE'
  | 'VOTE_CONFLICT'
  | 'PROPOSAL_WRONG_HEIGHT'
  | 'PROPOSAL_WRONG_PROPOSER'
  | 'PROPOSAL_BAD_SIGNATURE'
  | 'PROPOSAL_BAD_HASH'
  | 'PROPOSAL_BAD_POL_ROUND'
  | 'PROPOSAL_DUPLICATE'
  | 'PROPOSAL_ROUND_TOO_FAR'
  | 'PROPOSAL_TOO_LARGE' // a block larger than any valid block can be
  | 'COMMIT_INVALID'
  | 'EVIDENCE_INVALID'
  | 'VALIDATOR_SET_INVALID'
  | 'DOUBLE_SIGN_REFUSED'
  | 'BEACON_INVALID'
  | 'STATE_INVALID';

export class ConsensusError extends CodedError<ConsensusErrorCode> {}

export function isConsensusError(e: unknown): e is ConsensusError {
  return e instanceof ConsensusError;
}
