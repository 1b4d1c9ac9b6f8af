/**
 * DuplicateVoteEvidence: two signed votes by one validator for the same (height, round, type) with
 * different block hashes (nil counts as a value).
 *   evidence = [voteA, voteB] (each a vote array as in vote.ts), encodeVote(voteA) < encodeVote(voteB) bytewise
 */
import { encode, decodeCanonical, type Encodable } from '../vm/index.ts';
import { ConsensusError } from './errors.ts';
import type { DuplicateVoteEvidence, Vote } from './types.ts';
import { encodeVote, readVote, verifyVoteSignature } from './vote.ts';
import { compareBytes, equalBytes, bytesToHex, errorMessage } from '../primitives/index.ts';

const sameHash = (a: Uint8Array | null, b: Uint8Array | null) => (a === null || b === null ? a === b : equalBytes(a, b));

/** Puts two conflicting votes in canonical order. */
export function makeDuplicateVoteEvidence(a: Vote, b: Vote): DuplicateVoteEvidence {
  return compareBytes(encodeVote(a), encodeVote(b)) < 0 ? { voteA: a, voteB: b } : { voteA: b, voteB: a };
}

const voteArray = (v: Vote) => decodeCanonical(encodeVote(v)) as Encodable;

export function encodeEvidence(e: DuplicateVoteEvidence): Uint8Array {
  return encode([voteArray(e.voteA), voteArray(e.voteB)]);
}

export function decodeEvidence(bytes: Uint8Array): DuplicateVoteEvidence {
  let v: unknown;
  try {
    v = decodeCanonical(bytes, 'evidence');
  } catch (e) {
    throw new ConsensusError('CONSENSUS_MALFORMED', errorMessage(e));
  }
  if (!Array.isArray(v) || v.length !== 2) throw new ConsensusError('CONSENSUS_MALFORMED', 'evidence: expected [voteA, voteB]');
  return { voteA: readVote(v[0], 'evidence.voteA'), voteB: readVote(v[1], 'evidence.voteB') };
}

/**
 * Verifies evidence against the key of the accused validator (lookup returns the validator's
 * consensus key at that height, or undefined). Returns the equivocator's address; throws
 * ConsensusError EVIDENCE_INVALID otherwise. Usable by the vm to slash.
 */
export function verifyDuplicateVoteEvidence(
  chainId: string,
  e: DuplicateVoteEvidence,
  consensusKeyOf: (address: Uint8Array, height: bigint) => Uint8Array | undefined,
): Uint8Array {
  const { voteA: a, voteB: b } = e;
  const bad = (m: string) => new ConsensusError('EVIDENCE_INVALID', `duplicate vote evidence: ${m}`);
  if (a.type !== b.type || a.height !== b.height || a.round !== b.round) throw bad('votes are for different (height, round, type)');
  if (!equalBytes(a.validator, b.validator)) throw bad('votes are from different validators');
  if (sameHash(a.blockHash, b.blockHash)) throw bad('votes do not conflict');
  if (compareBytes(encodeVote(a), encodeVote(b)) >= 0) throw bad('votes not in canonical order');
  const key = consensusKeyOf(a.validator, a.height);
  if (!key) throw bad(`${bytesToHex(a.validator)} was not a validator at height ${a.height}`);
  if (!verifyVoteSignature(chainId, a, key)) throw bad('voteA signature invalid');
  if (!verifyVoteSignature(chainId, b, key)) throw bad('voteB signature invalid');
  return a.validator;
}
