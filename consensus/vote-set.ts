/**
 * The votes of one (height, round, type), tallied by voting power (bigint). A validator counts once:
 * the same vote again is a duplicate (ignored); a different second vote is a conflict, which yields
 * DuplicateVoteEvidence and is not counted (the first vote stays).
 *
 * One exception, as in CometBFT (VoteSetMaj23): once a peer claims +2/3 for a block
 * (`claimMaj23`), a conflicting vote FOR THAT BLOCK is also counted towards that block (never towards
 * the "any" total). Without it an equivocator could show half the network one vote and the other half
 * another, so that an honest node never sees the +2/3 that others saw. Safety is unchanged: two
 * +2/3 sets still share more than 1/3 of the power, which includes an honest validator that votes once.
 */

import { ConsensusError } from './errors.ts';
import type { DuplicateVoteEvidence, Vote, VoteType } from './types.ts';
import { verifyVoteSignature } from './vote.ts';
import { makeDuplicateVoteEvidence } from './evidence.ts';
import { getValidator, hasOneThird, hasTwoThirds, type ValidatorSet } from './validator-set.ts';
import { bytesToHex, compareBytes, equalBytes } from '../primitives/index.ts';

export type AddVoteResult = { status: 'added' } | { status: 'duplicate' } | { status: 'conflict'; evidence: DuplicateVoteEvidence };

const NIL = 'nil';
/** At most this many claimed blocks per vote set (honest claims name one block; f+1 distinct claims cannot all be true). */
export const MAX_CLAIMS = 8;
export const hashKey = (h: Uint8Array | null): string => (h === null ? NIL : bytesToHex(h));

export class VoteSet {
  private readonly votes = new Map<string, Vote>(); // validator hex -> first vote
  private readonly byHash = new Map<string, bigint>(); // hashKey -> power
  private total = 0n;
  private readonly claims = new Set<string>(); // hashKeys claimed to have +2/3
  private readonly extra = new Map<string, Map<string, Vote>>(); // claimed hashKey -> validator hex -> conflicting vote for it

  constructor(
    readonly chainId: string,
    readonly set: ValidatorSet,
    readonly height: bigint,
    readonly round: number,
    readonly type: VoteType,
  ) {}

  /** Adds a vote; throws ConsensusError (VOTE_*) on a vote that is not valid for this set. */
  add(v: Vote): AddVoteResult {
    if (v.type !== this.type) throw new ConsensusError('STATE_INVALID', `vote set for ${this.type} got a ${v.type}`);
    if (v.height !== this.height) throw new ConsensusError('VOTE_WRONG_HEIGHT', `vote for height ${v.height}, set is at ${this.height}`);
    if (v.round !== this.round) throw new ConsensusError('VOTE_WRONG_ROUND', `vote for round ${v.round}, set is for round ${this.round}`);
    const val = getValidator(this.set, v.validator);
    if (!val) throw new ConsensusError('VOTE_UNKNOWN_VALIDATOR', `${bytesToHex(v.validator)} is not a validator at height ${this.height}`);
    const key = bytesToHex(v.validator);
    const prev = this.votes.get(key);
    if (prev && sameHash(prev.blockHash, v.blockHash) && equalBytes(prev.signature, v.signature)) return { status: 'duplicate' };
    if (!verifyVoteSignature(this.chainId, v, val.consensusKey)) {
      throw new ConsensusError('VOTE_BAD_SIGNATURE', `bad ${v.type} signature from ${key} at ${v.height}/${v.round}`);
    }
    if (prev) {
      // Same block hash with another (valid) signature cannot happen with deterministic ed25519 but is not a conflict.
      if (sameHash(prev.blockHash, v.blockHash)) return { status: 'duplicate' };
      const hk = hashKey(v.blockHash);
      if (this.claims.has(hk)) {
        let m = this.extra.get(hk);
        if (!m) { m = new Map(); this.extra.set(hk, m); }
        if (m.has(key)) return { status: 'duplicate' };
        m.set(key, v);
        this.byHash.set(hk, (this.byHash.get(hk) ?? 0n) + val.power);
      }
      return { status: 'conflict', evidence: makeDuplicateVoteEvidence(prev, v) };
    }
    this.votes.set(key, v);
    const hk = hashKey(v.blockHash);
    this.byHash.set(hk, (this.byHash.get(hk) ?? 0n) + val.power);
    this.total += val.power;
    return { status: 'added' };
  }

  /** A peer says this block has +2/3 here: conflicting votes for it will count towards it from now on. */
  claimMaj23(hash: Uint8Array): void {
    if (this.claims.size < MAX_CLAIMS) this.claims.add(hashKey(hash)); // bounded: a lying peer cannot grow this set
  }

  get power(): bigint {
    return this.total;
  }

  powerFor(hash: Uint8Array | null): bigint {
    return this.byHash.get(hashKey(hash)) ?? 0n;
  }

  hasTwoThirdsAny(): boolean {
    return hasTwoThirds(this.set, this.total);
  }

  hasOneThirdAny(): boolean {
    return hasOneThird(this.set, this.total);
  }

  hasTwoThirdsFor(hash: Uint8Array | null): boolean {
    return hasTwoThirds(this.set, this.powerFor(hash));
  }

  /** The value (block hash or null for nil) with more than 2/3 of the power, if any. */
  twoThirdsMajority(): { hash: Uint8Array | null } | undefined {
    const keys = [...this.byHash.keys()].sort();
    for (const k of keys) {
      if (hasTwoThirds(this.set, this.byHash.get(k)!)) {
        if (k === NIL) return { hash: null };
        const v = this.sortedVotes().find((x) => x.blockHash && hashKey(x.blockHash) === k) ?? [...(this.extra.get(k)?.values() ?? [])][0];
        if (v) return { hash: v.blockHash };
      }
    }
    return undefined;
  }

  /** All counted votes, sorted by validator address. */
  sortedVotes(): Vote[] {
    return [...this.votes.values()].sort((a, b) => compareBytes(a.validator, b.validator));
  }

  /** Every vote held (first votes and counted conflicting votes), sorted by validator address. */
  allVotes(): Vote[] {
    const extra = [...this.extra.keys()].sort().flatMap((k) => [...this.extra.get(k)!.values()]);
    return this.sortedVotes().concat(extra).sort((a, b) => compareBytes(a.validator, b.validator));
  }

  /** Every counted vote for `hash` (including conflicting votes for a claimed block), sorted by validator address. */
  votesFor(hash: Uint8Array | null): Vote[] {
    const extra = [...(this.extra.get(hashKey(hash))?.values() ?? [])];
    return this.sortedVotes().filter((v) => sameHash(v.blockHash, hash)).concat(extra).sort((a, b) => compareBytes(a.validator, b.validator));
  }

  hasVoteFrom(address: Uint8Array): boolean {
    return this.votes.has(bytesToHex(address));
  }
}

function sameHash(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : equalBytes(a, b);
}
