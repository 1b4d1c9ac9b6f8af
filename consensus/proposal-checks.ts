// Admission of a proposal at the current height, before it is stored: every check that needs no
// vote, as one pure function so the state machine's handler only stores or rejects.
import type { Proposal } from './types.ts';
import type { ConsensusApp } from './app.ts';
import type { ConsensusErrorCode } from './errors.ts';
import { verifyProposalSignature } from './proposal.ts';
import { proposer, type ValidatorSet } from './validator-set.ts';
import { bytesToHex, equalBytes } from '../primitives/index.ts';

export interface ProposalContext {
  chainId: string;
  app: ConsensusApp;
  set: ValidatorSet;
  round: number;
  maxRoundsAhead: number;
  /** the proposal already held for p.round, if any */
  held: Proposal | undefined;
}

/** null when the proposal may be stored; else the rejection's code and message. */
export function checkProposal(ctx: ProposalContext, p: Proposal): { code: ConsensusErrorCode; message: string } | null {
  const no = (code: ConsensusErrorCode, message: string) => ({ code, message });
  if (p.round > ctx.round + ctx.maxRoundsAhead) return no('PROPOSAL_ROUND_TOO_FAR', `proposal for round ${p.round} at round ${ctx.round}`);
  const expected = proposer(ctx.set, p.round);
  if (!equalBytes(expected.address, p.proposer)) return no('PROPOSAL_WRONG_PROPOSER', `proposal for ${p.height}/${p.round} from ${bytesToHex(p.proposer)}, proposer is ${bytesToHex(expected.address)}`);
  if (ctx.held) {
    if (equalBytes(ctx.held.signature, p.signature)) return no('PROPOSAL_DUPLICATE', `proposal ${p.height}/${p.round} again`);
    return no('PROPOSAL_DUPLICATE', `second, different proposal for ${p.height}/${p.round} from ${bytesToHex(p.proposer)}`);
  }
  if (!(p.polRound >= -1 && p.polRound < p.round)) return no('PROPOSAL_BAD_POL_ROUND', `polRound ${p.polRound} for round ${p.round}`);
  let h: Uint8Array;
  try { h = ctx.app.hashBlock(p.block); } catch { return no('PROPOSAL_BAD_HASH', `proposal ${p.height}/${p.round}: block does not hash`); }
  if (!equalBytes(h, p.blockHash)) return no('PROPOSAL_BAD_HASH', `proposal ${p.height}/${p.round}: blockHash does not match the block`);
  if (!verifyProposalSignature(ctx.chainId, p, expected.consensusKey)) return no('PROPOSAL_BAD_SIGNATURE', `proposal ${p.height}/${p.round}: bad signature`);
  return null;
}
