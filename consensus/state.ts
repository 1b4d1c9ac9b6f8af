/**
 * The Tendermint state machine (Buchman, Kwon, Milosevic, arXiv 1807.04938, Algorithm 1), pure:
 * `handle(event)` returns the effects, in order. No clocks, no IO, no randomness. The node feeds
 * messages and expired timers in, and carries out the effects (see docs/consensus.md).
 *
 * Rules (line numbers of Algorithm 1), evaluated to a fixpoint after every event:
 *   L11 StartRound: the proposer proposes validValue (with validRound as polRound) or a new block;
 *       others schedule timeoutPropose.
 *   L22 PROPOSAL(h, r, v, -1) in step propose: prevote v if valid(v) and (lockedRound = -1 or lockedValue = v), else nil.
 *   L28 PROPOSAL(h, r, v, vr) + 2f+1 PREVOTE(h, vr, v), 0 <= vr < r, step propose: prevote v if valid(v)
 *       and (lockedRound <= vr or lockedValue = v), else nil  (this is how a lock is released: proof-of-lock-change).
 *   L34 2f+1 PREVOTE(h, r, *) in step prevote, first time: schedule timeoutPrevote.
 *   L36 PROPOSAL(h, r, v) + 2f+1 PREVOTE(h, r, v), valid(v), step >= prevote, first time: if step = prevote,
 *       lock v at r and precommit v; validValue = v, validRound = r.
 *   L44 2f+1 PREVOTE(h, r, nil) in step prevote: precommit nil.
 *   L47 2f+1 PRECOMMIT(h, r, *) first time: schedule timeoutPrecommit.
 *   L49 PROPOSAL(h, r', v) + 2f+1 PRECOMMIT(h, r', v) for ANY round r': decide v (commitBlock effect).
 *   L55 f+1 votes (by power) of a round r' > r: StartRound(r').
 *   L57/L61/L65 timeouts: prevote nil / precommit nil / StartRound(r + 1).
 * "2f+1" is more than 2/3 of the voting power and "f+1" more than 1/3, both in bigint.
 * Beyond Algorithm 1, for the node's gossip and sync: `block` (a block asked for by missingBlock),
 * `commit` (a verified commit for the current height decides at once), `maj23` (a peer's +2/3 claim,
 * see vote-set.ts); `heldVotes()` and `maj23Claims()` say what to gossip.
 */

import { ConsensusError, isConsensusError } from './errors.ts';
import type { ConsensusEffect, ConsensusEvent } from './events.ts';
import type { Commit, Proposal, Vote, VoteType } from './types.ts';
import { VoteSet } from './vote-set.ts';
import { commitFromVotes, verifyCommit } from './commit.ts';
import { verifyProposalSignature } from './proposal.ts';
import { getValidator, hasOneThird, proposer, type ValidatorSet } from './validator-set.ts';
import { DEV_TIMEOUTS, timeoutDuration, type TimeoutConfig, type TimeoutStep } from './timeouts.ts';
import type { Signer } from './signer.ts';
import { encodeEvidence } from './evidence.ts';
import { bytesToHex, equalBytes } from '../primitives/index.ts';

/** The application: block building and validation, plugged in by the node (vm.buildBlock / vm.applyBlock). Must be deterministic. */
export interface ConsensusApp {
  /** A new block for `height` (called only when this validator proposes and has no validValue). */
  buildBlock(height: bigint, round: number): Uint8Array;
  /** valid(v): the block applies cleanly on top of the last committed state. Throwing counts as invalid. */
  validateBlock(height: bigint, block: Uint8Array): boolean;
  /** The block's hash (what votes sign), e.g. vm's sha256(encode(header)). */
  hashBlock(block: Uint8Array): Uint8Array;
}

export interface ConsensusOptions {
  chainId: string;
  app: ConsensusApp;
  /** null for a non-validating (observer) node. */
  signer: Signer | null;
  timeouts?: TimeoutConfig;
  /** Messages for rounds beyond round + this are rejected (bounds memory). Default 64. */
  maxRoundsAhead?: number;
  /** Messages for height + 1 kept until that height starts. Default 10000. */
  maxBuffered?: number;
}

export type Step = 'idle' | 'propose' | 'prevote' | 'precommit' | 'commit';

interface Value {
  hash: Uint8Array;
  block: Uint8Array;
}

export class ConsensusState {
  readonly chainId: string;
  private readonly app: ConsensusApp;
  private readonly signer: Signer | null;
  private readonly timeouts: TimeoutConfig;
  private readonly maxRoundsAhead: number;
  private readonly maxBuffered: number;

  private _height = 0n;
  private _round = 0;
  private _step: Step = 'idle';
  private set: ValidatorSet | null = null;
  private locked: Value | null = null;
  private _lockedRound = -1;
  private valid: Value | null = null;
  private _validRound = -1;

  private proposals = new Map<number, Proposal>();
  private blocks = new Map<string, Uint8Array>();
  private validity = new Map<string, boolean>();
  private prevotes = new Map<number, VoteSet>();
  private precommits = new Map<number, VoteSet>();
  private evidenceSeen = new Set<string>();
  private missingReported = new Set<string>();
  private buffered: ConsensusEvent[] = [];

  // "for the first time" flags of the current round
  private prevoteTimeoutScheduled = false;
  private precommitTimeoutScheduled = false;
  private polkaHandled = false;

  private out: ConsensusEffect[] = [];

  constructor(opts: ConsensusOptions) {
    this.chainId = opts.chainId;
    this.app = opts.app;
    this.signer = opts.signer;
    this.timeouts = opts.timeouts ?? DEV_TIMEOUTS;
    this.maxRoundsAhead = opts.maxRoundsAhead ?? 64;
    this.maxBuffered = opts.maxBuffered ?? 10_000;
  }

  get height(): bigint { return this._height; }
  get round(): number { return this._round; }
  get step(): Step { return this._step; }
  get lockedRound(): number { return this._lockedRound; }
  get lockedHash(): Uint8Array | null { return this.locked?.hash ?? null; }
  get validRound(): number { return this._validRound; }
  get validHash(): Uint8Array | null { return this.valid?.hash ?? null; }
  get validatorSet(): ValidatorSet | null { return this.set; }

  /** Power-weighted tally of one round, for RPC/diagnostics. */
  tally(round: number, type: VoteType): { power: bigint; votes: Vote[] } {
    const vs = (type === 'prevote' ? this.prevotes : this.precommits).get(round);
    return { power: vs?.power ?? 0n, votes: vs?.sortedVotes() ?? [] };
  }

  /** Every vote held at the current height (by round, prevotes before precommits): what the node gossips to peers that lack them. */
  heldVotes(): Vote[] {
    const out: Vote[] = [];
    const rounds = [...new Set([...this.prevotes.keys(), ...this.precommits.keys()])].sort((a, b) => a - b);
    for (const r of rounds) for (const m of [this.prevotes, this.precommits]) out.push(...(m.get(r)?.allVotes() ?? []));
    return out;
  }

  /** The proposals held at the current height, by round (gossip them to peers that lack them). */
  heldProposals(): Proposal[] {
    return sortedKeys(this.proposals).map((r) => this.proposals.get(r)!);
  }

  /** The +2/3 majorities for blocks this node has at its height, for the node to gossip as maj23 claims (CometBFT VoteSetMaj23). */
  maj23Claims(): Array<{ height: bigint; round: number; voteType: VoteType; blockHash: Uint8Array }> {
    const out: Array<{ height: bigint; round: number; voteType: VoteType; blockHash: Uint8Array }> = [];
    for (const [type, m] of [['prevote', this.prevotes], ['precommit', this.precommits]] as const) {
      for (const r of sortedKeys(m)) {
        const maj = m.get(r)!.twoThirdsMajority();
        if (maj && maj.hash) out.push({ height: this._height, round: r, voteType: type, blockHash: maj.hash });
      }
    }
    return out;
  }

  /** Feeds one event; returns the effects to carry out, in order (see ConsensusEffect). */
  handle(ev: ConsensusEvent): ConsensusEffect[] {
    this.out = [];
    switch (ev.type) {
      case 'startHeight': this.startHeight(ev.height, ev.validatorSet); break;
      case 'proposal': this.onProposal(ev.proposal); break;
      case 'vote': this.onVote(ev.vote); break;
      case 'timeout': this.onTimeout(ev.height, ev.round, ev.step); break;
      case 'block': this.onBlock(ev.height, ev.block); break;
      case 'commit': this.onCommit(ev.commit, ev.block); break;
      case 'maj23':
        if (this._step !== 'idle' && ev.height === this._height && ev.round <= this._round + this.maxRoundsAhead) this.voteSet(ev.round, ev.voteType).claimMaj23(ev.blockHash);
        break;
      default: throw new ConsensusError('STATE_INVALID', `unknown event ${(ev as { type: string }).type}`);
    }
    this.evaluate();
    const out = this.out;
    this.out = [];
    return out;
  }

  // ---- inputs ---------------------------------------------------------------------------------

  private startHeight(height: bigint, set: ValidatorSet): void {
    if (height <= this._height && this._step !== 'idle') {
      this.reject('STATE_INVALID', `startHeight ${height}: already at height ${this._height}`);
      return;
    }
    if (height < 1n) throw new ConsensusError('STATE_INVALID', 'height must be >= 1');
    this._height = height;
    this.set = set;
    this.locked = null; this._lockedRound = -1;
    this.valid = null; this._validRound = -1;
    this.proposals = new Map(); this.blocks = new Map(); this.validity = new Map();
    this.prevotes = new Map(); this.precommits = new Map();
    this.missingReported = new Set();
    this.evidenceSeen = new Set();
    this._round = 0;
    this._step = 'propose';
    const pending = this.buffered.filter((e) => eventHeight(e) === height);
    this.buffered = [];
    for (const e of pending) {
      if (e.type === 'proposal') this.onProposal(e.proposal);
      else if (e.type === 'vote') this.onVote(e.vote);
    }
    this.startRound(0);
  }

  private bufferOrReject(ev: ConsensusEvent, h: bigint, what: 'proposal' | 'vote'): boolean {
    if (this._step !== 'idle' && h === this._height) return false;
    if (this._step !== 'idle' && h === this._height + 1n && this.buffered.length < this.maxBuffered) {
      this.buffered.push(ev);
      return true;
    }
    this.reject(what === 'vote' ? 'VOTE_WRONG_HEIGHT' : 'PROPOSAL_WRONG_HEIGHT', `${what} for height ${h} at height ${this._height}`);
    return true;
  }

  private onProposal(p: Proposal): void {
    if (this.bufferOrReject({ type: 'proposal', proposal: p }, p.height, 'proposal')) return;
    const set = this.set!;
    if (p.round > this._round + this.maxRoundsAhead) return this.reject('PROPOSAL_ROUND_TOO_FAR', `proposal for round ${p.round} at round ${this._round}`);
    const expected = proposer(set, p.round);
    if (!equalBytes(expected.address, p.proposer)) return this.reject('PROPOSAL_WRONG_PROPOSER', `proposal for ${p.height}/${p.round} from ${bytesToHex(p.proposer)}, proposer is ${bytesToHex(expected.address)}`);
    const have = this.proposals.get(p.round);
    if (have) {
      if (equalBytes(have.signature, p.signature)) return this.reject('PROPOSAL_DUPLICATE', `proposal ${p.height}/${p.round} again`);
      return this.reject('PROPOSAL_DUPLICATE', `second, different proposal for ${p.height}/${p.round} from ${bytesToHex(p.proposer)}`);
    }
    if (!(p.polRound >= -1 && p.polRound < p.round)) return this.reject('PROPOSAL_BAD_POL_ROUND', `polRound ${p.polRound} for round ${p.round}`);
    let h: Uint8Array;
    try { h = this.app.hashBlock(p.block); } catch { return this.reject('PROPOSAL_BAD_HASH', `proposal ${p.height}/${p.round}: block does not hash`); }
    if (!equalBytes(h, p.blockHash)) return this.reject('PROPOSAL_BAD_HASH', `proposal ${p.height}/${p.round}: blockHash does not match the block`);
    if (!verifyProposalSignature(this.chainId, p, expected.consensusKey)) return this.reject('PROPOSAL_BAD_SIGNATURE', `proposal ${p.height}/${p.round}: bad signature`);
    this.proposals.set(p.round, p);
    this.blocks.set(bytesToHex(p.blockHash), p.block);
  }

  private onVote(v: Vote): void {
    if (this.bufferOrReject({ type: 'vote', vote: v }, v.height, 'vote')) return;
    if (v.round > this._round + this.maxRoundsAhead) return this.reject('VOTE_WRONG_ROUND', `vote for round ${v.round} at round ${this._round}`);
    this.addVote(v);
  }

  private addVote(v: Vote): boolean {
    const vs = this.voteSet(v.round, v.type);
    try {
      const r = vs.add(v);
      if (r.status === 'duplicate') { this.reject('VOTE_DUPLICATE', `${v.type} ${v.height}/${v.round} from ${bytesToHex(v.validator)} again`); return false; }
      if (r.status === 'conflict') {
        const key = bytesToHex(encodeEvidence(r.evidence));
        if (!this.evidenceSeen.has(key)) {
          this.evidenceSeen.add(key);
          this.out.push({ type: 'evidence', evidence: r.evidence });
        }
        this.reject('VOTE_CONFLICT', `conflicting ${v.type} ${v.height}/${v.round} from ${bytesToHex(v.validator)}`);
        return false;
      }
      return true;
    } catch (e) {
      if (isConsensusError(e)) { this.reject(e.code, e.message); return false; }
      throw e;
    }
  }

  private onBlock(height: bigint, block: Uint8Array): void {
    if (this._step === 'idle' || height !== this._height) return this.reject('PROPOSAL_WRONG_HEIGHT', `block for height ${height} at height ${this._height}`);
    let h: Uint8Array;
    try { h = this.app.hashBlock(block); } catch { return this.reject('PROPOSAL_BAD_HASH', 'fetched block does not hash'); }
    const k = bytesToHex(h);
    if (!this.missingReported.has(k)) return this.reject('PROPOSAL_BAD_HASH', `fetched block ${k} was not asked for`);
    this.blocks.set(k, block);
  }

  private onCommit(commit: Commit, block: Uint8Array): void {
    if (this._step === 'idle' || this._step === 'commit' || commit.height !== this._height) return this.reject('COMMIT_INVALID', `commit for height ${commit.height} at height ${this._height} (${this._step})`);
    try {
      verifyCommit(this.chainId, this.set!, commit, { height: this._height });
      if (!equalBytes(this.app.hashBlock(block), commit.blockHash)) throw new ConsensusError('COMMIT_INVALID', 'block does not match the commit');
    } catch (e) {
      if (isConsensusError(e)) return this.reject(e.code, e.message);
      return this.reject('COMMIT_INVALID', `block does not hash: ${(e as Error).message}`);
    }
    if (!this.isValid(commit.blockHash, block)) return this.reject('COMMIT_INVALID', 'committed block is invalid here');
    this.blocks.set(bytesToHex(commit.blockHash), block);
    this._step = 'commit';
    this.out.push({ type: 'commitBlock', height: this._height, round: commit.round, blockHash: commit.blockHash, block, commit });
  }

  private onTimeout(height: bigint, round: number, step: TimeoutStep): void {
    if (height !== this._height || round !== this._round) return; // stale
    if (step === 'propose' && this._step === 'propose') {
      this.castVote('prevote', null);
      this._step = 'prevote';
    } else if (step === 'prevote' && this._step === 'prevote') {
      this.castVote('precommit', null);
      this._step = 'precommit';
    } else if (step === 'precommit' && this._step !== 'commit' && this._step !== 'idle') {
      this.startRound(this._round + 1);
    }
  }

  // ---- rules ----------------------------------------------------------------------------------

  private evaluate(): void {
    for (;;) {
      if (this._step === 'idle' || this._step === 'commit') return;
      if (this.tryDecide()) continue;
      if (this.tryRoundSkip()) continue;
      if (this._step === 'propose' && this.tryPrevoteProposal()) continue;
      const pv = this.voteSet(this._round, 'prevote');
      if (this._step === 'prevote' && !this.prevoteTimeoutScheduled && pv.hasTwoThirdsAny()) {
        this.prevoteTimeoutScheduled = true;
        this.schedule('prevote');
        continue;
      }
      if ((this._step === 'prevote' || this._step === 'precommit') && !this.polkaHandled && this.tryPolka()) continue;
      if (this._step === 'prevote' && pv.hasTwoThirdsFor(null)) {
        this.castVote('precommit', null);
        this._step = 'precommit';
        continue;
      }
      if (!this.precommitTimeoutScheduled && this.voteSet(this._round, 'precommit').hasTwoThirdsAny()) {
        this.precommitTimeoutScheduled = true;
        this.schedule('precommit');
        continue;
      }
      return;
    }
  }

  /** L49: +2/3 precommits for a block in any round, and the block known and valid. */
  private tryDecide(): boolean {
    for (const r of sortedKeys(this.precommits)) {
      const maj = this.precommits.get(r)!.twoThirdsMajority();
      if (!maj || maj.hash === null) continue;
      const hk = bytesToHex(maj.hash);
      const block = this.blocks.get(hk);
      if (!block) {
        if (!this.missingReported.has(hk)) {
          this.missingReported.add(hk);
          this.out.push({ type: 'missingBlock', height: this._height, round: r, blockHash: maj.hash });
        }
        continue;
      }
      if (!this.isValid(maj.hash, block)) continue;
      const commit = commitFromVotes(this._height, r, maj.hash, this.precommits.get(r)!.votesFor(maj.hash));
      this._step = 'commit';
      this.out.push({ type: 'commitBlock', height: this._height, round: r, blockHash: maj.hash, block, commit });
      return true;
    }
    return false;
  }

  /** L55: f+1 of the power has sent some vote for a higher round: jump to the highest such round. */
  private tryRoundSkip(): boolean {
    const rounds = [...new Set([...this.prevotes.keys(), ...this.precommits.keys()])].filter((r) => r > this._round).sort((a, b) => b - a);
    for (const r of rounds) {
      const seen = new Set<string>();
      let power = 0n;
      for (const vs of [this.prevotes.get(r), this.precommits.get(r)]) {
        for (const v of vs?.sortedVotes() ?? []) {
          const k = bytesToHex(v.validator);
          if (seen.has(k)) continue;
          seen.add(k);
          power += getValidator(this.set!, v.validator)!.power;
        }
      }
      if (hasOneThird(this.set!, power)) {
        this.startRound(r);
        return true;
      }
    }
    return false;
  }

  /** L22 and L28. */
  private tryPrevoteProposal(): boolean {
    const p = this.proposals.get(this._round);
    if (!p) return false;
    let ok: boolean;
    if (p.polRound === -1) {
      ok = this.isValid(p.blockHash, p.block) && (this._lockedRound === -1 || this.isLocked(p.blockHash));
    } else if (p.polRound >= 0 && p.polRound < this._round && this.voteSet(p.polRound, 'prevote').hasTwoThirdsFor(p.blockHash)) {
      ok = this.isValid(p.blockHash, p.block) && (this._lockedRound <= p.polRound || this.isLocked(p.blockHash));
    } else {
      return false;
    }
    this.castVote('prevote', ok ? p.blockHash : null);
    this._step = 'prevote';
    return true;
  }

  /** L36. */
  private tryPolka(): boolean {
    const p = this.proposals.get(this._round);
    if (!p || !this.voteSet(this._round, 'prevote').hasTwoThirdsFor(p.blockHash) || !this.isValid(p.blockHash, p.block)) return false;
    this.polkaHandled = true;
    const v: Value = { hash: p.blockHash, block: p.block };
    if (this._step === 'prevote') {
      this.locked = v;
      this._lockedRound = this._round;
      this.castVote('precommit', p.blockHash);
      this._step = 'precommit';
    }
    this.valid = v;
    this._validRound = this._round;
    return true;
  }

  private startRound(round: number): void {
    this._round = round;
    this._step = 'propose';
    this.prevoteTimeoutScheduled = false;
    this.precommitTimeoutScheduled = false;
    this.polkaHandled = false;
    const set = this.set!;
    const prop = proposer(set, round);
    this.out.push({ type: 'enterRound', height: this._height, round, proposer: prop.address });
    if (this.signer && equalBytes(prop.address, this.signer.address) && !this.proposals.has(round)) {
      let block: Uint8Array, polRound: number;
      if (this.valid) { block = this.valid.block; polRound = this._validRound; }
      else {
        try { block = this.app.buildBlock(this._height, round); } catch (e) {
          this.reject('STATE_INVALID', `buildBlock failed: ${(e as Error).message}`);
          this.schedule('propose');
          return;
        }
        polRound = -1;
      }
      const unsigned = { height: this._height, round, polRound, blockHash: this.app.hashBlock(block), block, proposer: prop.address };
      let signature: Uint8Array;
      try { signature = this.signer.signProposal(this.chainId, unsigned); } catch (e) {
        if (!isConsensusError(e)) throw e;
        this.reject(e.code, e.message);
        this.schedule('propose');
        return;
      }
      const proposal: Proposal = { ...unsigned, signature };
      this.proposals.set(round, proposal);
      this.blocks.set(bytesToHex(proposal.blockHash), block);
      this.out.push({ type: 'broadcastProposal', proposal });
    } else {
      this.schedule('propose');
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private castVote(type: VoteType, blockHash: Uint8Array | null): void {
    if (!this.signer || !getValidator(this.set!, this.signer.address)) return;
    const unsigned = { type, height: this._height, round: this._round, blockHash, validator: this.signer.address };
    let signature: Uint8Array;
    try { signature = this.signer.signVote(this.chainId, unsigned); } catch (e) {
      if (!isConsensusError(e)) throw e;
      this.reject(e.code, e.message);
      return;
    }
    const vote: Vote = { ...unsigned, signature };
    if (this.addVote(vote)) this.out.push({ type: 'broadcastVote', vote });
  }

  private schedule(step: TimeoutStep): void {
    this.out.push({ type: 'scheduleTimeout', height: this._height, round: this._round, step, durationMs: timeoutDuration(this.timeouts, step, this._round) });
  }

  private isValid(hash: Uint8Array, block: Uint8Array): boolean {
    const k = bytesToHex(hash);
    let ok = this.validity.get(k);
    if (ok === undefined) {
      try { ok = this.app.validateBlock(this._height, block) === true; } catch { ok = false; }
      this.validity.set(k, ok);
    }
    return ok;
  }

  private isLocked(hash: Uint8Array): boolean {
    return this.locked !== null && equalBytes(this.locked.hash, hash);
  }

  private voteSet(round: number, type: VoteType): VoteSet {
    const m = type === 'prevote' ? this.prevotes : this.precommits;
    let vs = m.get(round);
    if (!vs) {
      vs = new VoteSet(this.chainId, this.set!, this._height, round, type);
      m.set(round, vs);
    }
    return vs;
  }

  private reject(code: Parameters<typeof rejected>[0], message: string): void {
    this.out.push(rejected(code, message));
  }
}

function rejected(code: ConsensusError['code'], message: string): ConsensusEffect {
  return { type: 'rejected', code, message };
}

function sortedKeys(m: Map<number, unknown>): number[] {
  return [...m.keys()].sort((a, b) => a - b);
}

function eventHeight(e: ConsensusEvent): bigint | undefined {
  return e.type === 'proposal' ? e.proposal.height : e.type === 'vote' ? e.vote.height : undefined;
}
