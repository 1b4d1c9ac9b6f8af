/** consensus/ public surface: a pure Tendermint state machine and everything its messages need. */
export { ConsensusError, isConsensusError, type ConsensusErrorCode } from './errors.ts';
export { VOTE_TYPE_TAG, type VoteType, type Vote, type UnsignedVote, type Proposal, type UnsignedProposal, type Commit, type CommitSig, type DuplicateVoteEvidence } from './types.ts';
export { verifyConsensusSignature, consensusSignatureStats } from './signature-cache.ts';
export { VOTE_DOMAIN, voteSigningBytes, encodeVote, decodeVote, signVote, verifyVoteSignature } from './vote.ts';
export { PROPOSAL_DOMAIN, proposalSigningBytes, encodeProposal, decodeProposal, readProposal, readProposalRound, signProposal, verifyProposalSignature } from './proposal.ts';
export { encodeCommit, decodeCommit, commitFromVotes, commitVote, verifyCommit } from './commit.ts';
export { makeDuplicateVoteEvidence, encodeEvidence, decodeEvidence, verifyDuplicateVoteEvidence } from './evidence.ts';
export {
  type ConsensusValidator, type ValidatorSet, makeValidatorSet, validatorSetFromVm, getValidator, hasTwoThirds, hasOneThird,
  proposer, advanceHeight, validatorSetAtHeight, updateValidatorSet,
} from './validator-set.ts';
export { VoteSet, type AddVoteResult } from './vote-set.ts';
export { SIGN_STEP, type SignStep, type LastSigned, type Signer, GuardedSigner } from './signer.ts';
export { DEV_TIMEOUTS, timeoutDuration, type TimeoutConfig, type TimeoutStep } from './timeouts.ts';
export {
  BEACON_DST, BLS_SECRET_LENGTH, BLS_PUBLIC_KEY_LENGTH, BLS_SIGNATURE_LENGTH,
  blsSecretFromSeed, blsPublicKey, beaconMessage, beaconPrepare, beaconSign, beaconVerify, beaconVerifyMany, nextBeacon, genesisBeacon, verifyBlockBeacon,
} from './beacon.ts';
export type { ConsensusEvent, ConsensusEffect } from './events.ts';
export { ConsensusState, type ConsensusApp, type ConsensusOptions, type Step } from './state.ts';
export { DEFAULT_MAX_ROUNDS_AHEAD } from './app.ts';
export { type InboundView, type InboundCheck, checkInboundVote, checkInboundProposal, maxProposalBlockBytes } from './inbound-checks.ts';
