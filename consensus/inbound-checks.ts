/**
 * What a node can check of a peer's vote or proposal before it relays or persists it, against the
 * engine's height, round and validator set: the same signature, validator and proposer checks the
 * state machine applies on admission, plus a height/round window and a size bound. The verdicts
 * follow gossipsub's: `reject` for a message no honest node would send or relay (bad signature,
 * unknown validator, wrong proposer, oversized block), `ignore` for one that may be honest but is of
 * no use here (another height, too far ahead, a validator or proposer we cannot judge yet).
 *
 * A reject costs the relaying peer its score, so it is given only where every honest relayer would
 * also have refused the message. A node one height behind judges our height as its next one, with
 * its own (the previous) set and without the proposer order: what such a node accepts and relays is
 * ignored here, not rejected (`previousKey`), so that a byzantine validator cannot make honest nodes
 * ban each other at a height boundary.
 */
import type { Proposal, Vote } from './types.ts';
import type { ConsensusErrorCode } from './errors.ts';
import { verifyVoteSignature } from './vote.ts';
import { verifyProposalSignature } from './proposal.ts';
import { getValidator, proposer, type ValidatorSet } from './validator-set.ts';
import { DEFAULT_MAX_ROUNDS_AHEAD } from './app.ts';
import { bytesToHex, equalBytes } from '../primitives/index.ts';

/** The engine as a message checker sees it. */
export interface InboundView {
  chainId: string;
  /** The engine's height and round (height 0 or set null: not started, nothing is judged). */
  height: bigint;
  round: number;
  /** The set deciding `height`; for height + 1 it stands in for the next set (a validator's key never changes while it validates). */
  set: ValidatorSet | null;
  /** The largest encoded block a proposal may carry (maxProposalBlockBytes). */
  maxBlockBytes: number;
  /** The block's hash, as the engine computes it; throws on bytes that are not a block. */
  hashBlock(block: Uint8Array): Uint8Array;
  /** The consensus key of a validator of the set that decided height - 1 (absent: none, or unknown). */
  previousKey?: (address: Uint8Array) => Uint8Array | undefined;
  /** Rounds beyond round + this are ignored (default: the engine's own window). */
  maxRoundsAhead?: number;
}

export type InboundCheck =
  | { verdict: 'accept' }
  | { verdict: 'ignore' | 'reject'; code: ConsensusErrorCode; message: string };

const ACCEPT: InboundCheck = { verdict: 'accept' };
const ignore = (code: ConsensusErrorCode, message: string): InboundCheck => ({ verdict: 'ignore', code, message });
const reject = (code: ConsensusErrorCode, message: string): InboundCheck => ({ verdict: 'reject', code, message });

/**
 * The largest encoding a valid block can have: its transactions (maxBlockBytes counts their bytes),
 * a length prefix per transaction, a header, beacon signature, a last commit and at most one evidence
 * item per validator (each a pair of votes). Generous: it must never refuse a valid block.
 */
export function maxProposalBlockBytes(params: { maxBlockBytes: number; maxBlockTxs: number }, validators: number): number {
  return params.maxBlockBytes + 5 * params.maxBlockTxs + 4096 + validators * 1024;
}

/** Which of height and height + 1 the message is for; anything else is ignored (a peer ahead or behind may send it honestly). */
function inWindow(view: InboundView, height: bigint, round: number, what: 'vote' | 'proposal'): InboundCheck | 'current' | 'next' {
  const wrongHeight: ConsensusErrorCode = what === 'vote' ? 'VOTE_WRONG_HEIGHT' : 'PROPOSAL_WRONG_HEIGHT';
  if (view.set === null || view.height < 1n) return ignore(wrongHeight, `${what} for height ${height} before consensus started`);
  const ahead = view.maxRoundsAhead ?? DEFAULT_MAX_ROUNDS_AHEAD;
  const tooFar: ConsensusErrorCode = what === 'vote' ? 'VOTE_WRONG_ROUND' : 'PROPOSAL_ROUND_TOO_FAR';
  if (height === view.height) {
    return round > view.round + ahead ? ignore(tooFar, `${what} for round ${round} at round ${view.round}`) : 'current';
  }
  if (height === view.height + 1n) return round > ahead ? ignore(tooFar, `${what} for ${height}/${round} at height ${view.height}`) : 'next';
  return ignore(wrongHeight, `${what} for height ${height} at height ${view.height}`);
}

export function checkInboundVote(view: InboundView, v: Vote): InboundCheck {
  const w = inWindow(view, v.height, v.round, 'vote');
  if (typeof w !== 'string') return w;
  const val = getValidator(view.set!, v.validator);
  if (!val) {
    const msg = `${bytesToHex(v.validator)} is not a validator at height ${view.height}`;
    // the next height's set may hold a newcomer we cannot know yet
    if (w === 'next') return ignore('VOTE_UNKNOWN_VALIDATOR', msg);
    // a validator that just left the set: a node a height behind accepts its vote and relays it
    const prev = view.previousKey?.(v.validator);
    if (prev && verifyVoteSignature(view.chainId, v, prev)) return ignore('VOTE_UNKNOWN_VALIDATOR', `${msg} (it was at ${view.height - 1n})`);
    return reject('VOTE_UNKNOWN_VALIDATOR', msg);
  }
  if (!verifyVoteSignature(view.chainId, v, val.consensusKey)) {
    return reject('VOTE_BAD_SIGNATURE', `bad ${v.type} signature from ${bytesToHex(v.validator)} at ${v.height}/${v.round}`);
  }
  return ACCEPT;
}

export function checkInboundProposal(view: InboundView, p: Proposal): InboundCheck {
  const w = inWindow(view, p.height, p.round, 'proposal');
  if (typeof w !== 'string') return w;
  if (p.block.byteLength > view.maxBlockBytes) {
    return reject('PROPOSAL_TOO_LARGE', `proposal ${p.height}/${p.round} carries ${p.block.byteLength} block bytes; at most ${view.maxBlockBytes}`);
  }
  let key: Uint8Array;
  if (w === 'current') {
    const expected = proposer(view.set!, p.round);
    if (!equalBytes(expected.address, p.proposer)) {
      const msg = `proposal for ${p.height}/${p.round} from ${bytesToHex(p.proposer)}, proposer is ${bytesToHex(expected.address)}`;
      // a node a height behind checks only the key of a proposal for its next height, and relays it
      const prev = view.previousKey?.(p.proposer);
      if (prev && verifyProposalSignature(view.chainId, p, prev)) return ignore('PROPOSAL_WRONG_PROPOSER', msg);
      return reject('PROPOSAL_WRONG_PROPOSER', msg);
    }
    key = expected.consensusKey;
  } else {
    // the next height's proposer order is not known before this height commits: check the key only
    const val = getValidator(view.set!, p.proposer);
    if (!val) return ignore('PROPOSAL_WRONG_PROPOSER', `proposal for ${p.height}/${p.round} from ${bytesToHex(p.proposer)}, not a validator at ${view.height}`);
    key = val.consensusKey;
  }
  if (!verifyProposalSignature(view.chainId, p, key)) return reject('PROPOSAL_BAD_SIGNATURE', `proposal ${p.height}/${p.round}: bad signature`);
  let h: Uint8Array;
  try {
    h = view.hashBlock(p.block);
  } catch {
    return reject('PROPOSAL_BAD_HASH', `proposal ${p.height}/${p.round}: block does not decode`);
  }
  if (!equalBytes(h, p.blockHash)) return reject('PROPOSAL_BAD_HASH', `proposal ${p.height}/${p.round}: blockHash does not match the block`);
  return ACCEPT;
}
