// The prevotes and precommits of one height, by round: what the state machine counts (+2/3, f+1)
// and what the node gossips (held votes, +2/3 claims). Reset by starting a new height.
import type { DuplicateVoteEvidence, Vote, VoteType } from './types.ts';
import { VoteSet } from './vote-set.ts';
import { encodeEvidence } from './evidence.ts';
import { getValidator, type ValidatorSet } from './validator-set.ts';
import { bytesToHex } from '../primitives/index.ts';

export interface Maj23Claim {
  height: bigint;
  round: number;
  voteType: VoteType;
  blockHash: Uint8Array;
}

export function sortedKeys(m: Map<number, unknown>): number[] {
  return [...m.keys()].sort((a, b) => a - b);
}

export class HeightVotes {
  private readonly prevotes = new Map<number, VoteSet>();
  private readonly precommits = new Map<number, VoteSet>();
  private readonly evidenceSeen = new Set<string>();

  constructor(private readonly chainId: string, private readonly set: ValidatorSet, readonly height: bigint) {}

  /** The vote set of one round and type, created empty on first use. */
  of(round: number, type: VoteType): VoteSet {
    const m = type === 'prevote' ? this.prevotes : this.precommits;
    let vs = m.get(round);
    if (!vs) {
      vs = new VoteSet(this.chainId, this.set, this.height, round, type);
      m.set(round, vs);
    }
    return vs;
  }

  /**
   * Adds a vote to its round's set (throws ConsensusError for a vote that is not admissible). A
   * conflicting vote carries its evidence once per height, so the node reports each offence once.
   */
  add(v: Vote): { status: 'added' | 'duplicate' } | { status: 'conflict'; newEvidence: DuplicateVoteEvidence | null } {
    const r = this.of(v.round, v.type).add(v);
    if (r.status !== 'conflict') return { status: r.status === 'duplicate' ? 'duplicate' : 'added' };
    const key = bytesToHex(encodeEvidence(r.evidence));
    if (this.evidenceSeen.has(key)) return { status: 'conflict', newEvidence: null };
    this.evidenceSeen.add(key);
    return { status: 'conflict', newEvidence: r.evidence };
  }

  tally(round: number, type: VoteType): { power: bigint; votes: Vote[] } {
    const vs = (type === 'prevote' ? this.prevotes : this.precommits).get(round);
    return { power: vs?.power ?? 0n, votes: vs?.sortedVotes() ?? [] };
  }

  /** Every vote held (by round, prevotes before precommits). */
  all(): Vote[] {
    const out: Vote[] = [];
    for (const r of this.rounds()) for (const m of [this.prevotes, this.precommits]) out.push(...(m.get(r)?.allVotes() ?? []));
    return out;
  }

  /** The +2/3 majorities for blocks, as maj23 claims (CometBFT VoteSetMaj23). */
  maj23Claims(): Maj23Claim[] {
    const out: Maj23Claim[] = [];
    for (const [type, m] of [['prevote', this.prevotes], ['precommit', this.precommits]] as const) {
      for (const r of sortedKeys(m)) {
        const maj = m.get(r)!.twoThirdsMajority();
        if (maj && maj.hash) out.push({ height: this.height, round: r, voteType: type, blockHash: maj.hash });
      }
    }
    return out;
  }

  /** Rounds with precommits, ascending (L49 looks for a decision in any of them). */
  precommitRounds(): number[] {
    return sortedKeys(this.precommits);
  }

  /** Rounds above `round` with any vote, highest first (L55). */
  roundsAbove(round: number): number[] {
    return this.rounds().filter((r) => r > round).sort((a, b) => b - a);
  }

  /** Voting power of the distinct validators that sent any vote in `round`. */
  powerIn(round: number): bigint {
    const seen = new Set<string>();
    let power = 0n;
    for (const vs of [this.prevotes.get(round), this.precommits.get(round)]) {
      for (const v of vs?.sortedVotes() ?? []) {
        const k = bytesToHex(v.validator);
        if (seen.has(k)) continue;
        seen.add(k);
        power += getValidator(this.set, v.validator)!.power;
      }
    }
    return power;
  }

  private rounds(): number[] {
    return [...new Set([...this.prevotes.keys(), ...this.precommits.keys()])].sort((a, b) => a - b);
  }
}
