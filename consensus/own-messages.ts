// This validator's own proposal and votes: built and signed here, so the state machine only decides
// when to send them. A signer refusal (the double-sign guard) comes back as a rejection.
import type { Proposal, Vote, VoteType } from './types.ts';
import type { ConsensusApp } from './app.ts';
import type { Signer } from './signer.ts';
import { isConsensusError, type ConsensusErrorCode } from './errors.ts';
import { errorMessage } from '../primitives/index.ts';

export type Signed<T> = { ok: T } | { code: ConsensusErrorCode; message: string };

/** The proposal for (height, round): validValue (with its round as polRound) when there is one, else a new block. */
export function signProposal(chainId: string, app: ConsensusApp, signer: Signer, height: bigint, round: number,
  valid: { block: Uint8Array; round: number } | null): Signed<Proposal> {
  let block: Uint8Array, polRound: number;
  if (valid) { block = valid.block; polRound = valid.round; }
  else {
    try { block = app.buildBlock(height, round); } catch (e) {
      return { code: 'STATE_INVALID', message: `buildBlock failed: ${errorMessage(e)}` };
    }
    polRound = -1;
  }
  const unsigned = { height, round, polRound, blockHash: app.hashBlock(block), block, proposer: signer.address };
  try {
    return { ok: { ...unsigned, signature: signer.signProposal(chainId, unsigned) } };
  } catch (e) {
    if (!isConsensusError(e)) throw e;
    return { code: e.code, message: e.message };
  }
}

export function signVote(chainId: string, signer: Signer, type: VoteType, height: bigint, round: number, blockHash: Uint8Array | null): Signed<Vote> {
  const unsigned = { type, height, round, blockHash, validator: signer.address };
  try {
    return { ok: { ...unsigned, signature: signer.signVote(chainId, unsigned) } };
  } catch (e) {
    if (!isConsensusError(e)) throw e;
    return { code: e.code, message: e.message };
  }
}
