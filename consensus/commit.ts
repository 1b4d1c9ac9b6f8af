/**
 * Commits: the +2/3 precommits that finalised a block, carried in the next block as its last commit.
 *   commit = [height(u64), round(u32), blockHash(32), [[validator(20), signature(64)]...]]  (sorted by validator, unique)
 * Each signature is the validator's precommit signature: voteSigningBytes(precommit, height, round, blockHash).
 */
import { encode, decodeCanonical, Reader, type Encodable } from '../vm/index.ts';
import { ConsensusError } from './errors.ts';
import type { Commit, Vote } from './types.ts';
import { verifyVoteSignature } from './vote.ts';
import { getValidator, hasTwoThirds, type ValidatorSet } from './validator-set.ts';
import { compareBytes, bytesToHex, errorMessage } from '../primitives/index.ts';

export function encodeCommit(c: Commit): Uint8Array {
  return encode([c.height, c.round, c.blockHash, c.signatures.map((s) => [s.validator, s.signature])] as Encodable[]);
}

export function decodeCommit(bytes: Uint8Array): Commit {
  try {
    const r = Reader.of(decodeCanonical(bytes, 'commit'), 'commit', 4, 'CODEC_MALFORMED');
    const height = r.u64('height');
    const round = r.u32('round');
    const blockHash = r.bytes('blockHash', 32);
    const signatures = r.array('signatures').map((s) => {
      const sr = Reader.of(s, 'commit.signature', 2, 'CODEC_MALFORMED');
      return { validator: sr.bytes('validator', 20), signature: sr.bytes('signature', 64) };
    });
    return { height, round, blockHash, signatures };
  } catch (e) {
    throw new ConsensusError('CONSENSUS_MALFORMED', errorMessage(e));
  }
}

/** Builds a commit from precommits for one block (any order); sorted by validator address. */
export function commitFromVotes(height: bigint, round: number, blockHash: Uint8Array, precommits: readonly Vote[]): Commit {
  const sigs = precommits.map((v) => ({ validator: v.validator, signature: v.signature })).sort((a, b) => compareBytes(a.validator, b.validator));
  return { height, round, blockHash, signatures: sigs };
}

/** The precommit a commit signature stands for. */
export function commitVote(c: Commit, i: number): Vote {
  const s = c.signatures[i]!;
  return { type: 'precommit', height: c.height, round: c.round, blockHash: c.blockHash, validator: s.validator, signature: s.signature };
}

/**
 * Checks a commit against the validator set of its height: strictly increasing validators, each a
 * member with a valid precommit signature, together more than 2/3 of the voting power. Returns the
 * signed power. Throws ConsensusError COMMIT_INVALID saying what is wrong.
 */
export function verifyCommit(chainId: string, set: ValidatorSet, c: Commit, expect?: { height?: bigint; blockHash?: Uint8Array }): bigint {
  const bad = (m: string) => new ConsensusError('COMMIT_INVALID', `commit at height ${c.height}: ${m}`);
  if (expect?.height !== undefined && c.height !== expect.height) throw bad(`expected height ${expect.height}`);
  if (expect?.blockHash !== undefined && compareBytes(c.blockHash, expect.blockHash) !== 0) throw bad('is for another block');
  let power = 0n;
  for (let i = 0; i < c.signatures.length; i++) {
    const s = c.signatures[i]!;
    if (i > 0 && compareBytes(c.signatures[i - 1]!.validator, s.validator) >= 0) throw bad('signatures not sorted by validator or duplicated');
    const v = getValidator(set, s.validator);
    if (!v) throw bad(`${bytesToHex(s.validator)} is not a validator`);
    if (!verifyVoteSignature(chainId, commitVote(c, i), v.consensusKey)) throw bad(`bad signature from ${bytesToHex(s.validator)}`);
    power += v.power;
  }
  if (!hasTwoThirds(set, power)) throw bad(`signed power ${power} of ${set.totalPower} is not more than 2/3`);
  return power;
}
