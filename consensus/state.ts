/**
 * The Tendermint state machine (Buchman, Kwon, Milosevic, arXiv 1807.04938, Algorithm 1), pure:
 * `handle(event)` returns the effects, in order. No clocks, no IO, no randomness. The node feeds
 * messages and expired timers in, and carries out the effects (see docs/consensus.md, which states
 * each rule in full). Rules (Algorithm 1's line numbers), evaluated to a fixpoint after every event:
 *   L11 StartRound (propose validValue or a new block; others schedule timeoutPropose);
 *   L22/L28 prevote a proposal (lock rules, proof-of-lock-change via polRound) or nil;
 *   L34 first 2f+1 PREVOTE(*): timeoutPrevote;  L36 polka for a valid proposal: lock, precommit;
 *   L44 2f+1 PREVOTE(nil): precommit nil;  L47 first 2f+1 PRECOMMIT(*): timeoutPrecommit;
 *   L49 PROPOSAL + 2f+1 PRECOMMIT(v) in ANY round: decide;  L55 f+1 of a higher round: skip to it;
 *   L57/L61/L65 timeouts: prevote nil / precommit nil / next round.
 * "2f+1" is more than 2/3 of the voting power and "f+1" more than 1/3, both in bigint. Beyond
 * Algorithm 1, for gossip and sync: `block` (a block asked for by missingBlock), `commit` (a verified
 * commit for the current height decides at once), `maj23` (a peer's +2/3 claim, see vote-set.ts).
 */

import { ConsensusError, isConsensusError } from './errors.ts';
import type { ConsensusEffect, ConsensusEvent } from './events.ts';
import type { Commit, Proposal, Vote, VoteType } from './types.ts';
import type { VoteSet } from './vote-set.ts';
import { HeightVotes, sortedKeys, type Maj23Claim } from './height-votes.ts';
import { DEFAULT_MAX_ROUNDS_AHEAD, type ConsensusApp, type ConsensusOptions, type Step } from './app.ts';
import { commitFromVotes, verifyCommit } from './commit.ts';
import { checkProposal } from './proposal-checks.ts';
import { signProposal, signVote } from './own-messages.ts';
import { getValidator, hasOneThird, proposer, type ValidatorSet } from './validator-set.ts';
import { DEV_TIMEOUTS, timeoutDuration, type TimeoutConfig, type TimeoutStep } from './timeouts.ts';
import type { Signer } from './signer.ts';
import { bytesToHex, equalBytes, errorMessage } from '../primitives/index.ts';

export type { ConsensusApp, ConsensusOptions, Step } from './app.ts';

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
  private votes: HeightVotes | null = null;
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
    this.maxRoundsAhead = opts.maxRoundsAhead ?? DEFAULT_MAX_ROUNDS_AHEAD;
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
    return this.votes?.tally(round, type) ?? { power: 0n, votes: [] };
  }

  /** Every vote held at the current height (by round, prevotes before precommits): what the node gossips to peers that lack them. */
  heldVotes(): Vote[] {
    return this.votes?.all() ?? [];
  }

  /** The proposals held at the current height, by round (gossip them to peers that lack them). */
  heldProposals(): Proposal[] {
    return sortedKeys(this.proposals).map((r) => this.proposals.get(r)!);
  }

  /** The +2/3 majorities for blocks this node has at its height, for the node to gossip as maj23 claims (CometBFT VoteSetMaj23). */
  maj23Claims(): Maj23Claim[] {
    return this.votes?.maj23Claims() ?? [];
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
    this.votes = new HeightVotes(this.chainId, set, height);
    this.missingReported = new Set();
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
    const bad = checkProposal({ chainId: this.chainId, app: this.app, set: this.set!, round: this._round, maxRoundsAhead: this.maxRoundsAhead, held: this.proposals.get(p.round) }, p);
    if (bad) return this.reject(bad.code, bad.message);
    this.proposals.set(p.round, p);
    this.blocks.set(bytesToHex(p.blockHash), p.block);
  }

  private onVote(v: Vote): void {
    if (this.bufferOrReject({ type: 'vote', vote: v }, v.height, 'vote')) return;
    if (v.round > this._round + this.maxRoundsAhead) return this.reject('VOTE_WRONG_ROUND', `vote for round ${v.round} at round ${this._round}`);
    this.addVote(v);
  }

  private addVote(v: Vote): boolean {
    try {
      const r = this.votes!.add(v);
      if (r.status === 'added') return true;
      if (r.status !== 'conflict') this.reject('VOTE_DUPLICATE', `${v.type} ${v.height}/${v.round} from ${bytesToHex(v.validator)} again`);
      else {
        if (r.newEvidence) this.out.push({ type: 'evidence', evidence: r.newEvidence });
        this.reject('VOTE_CONFLICT', `conflicting ${v.type} ${v.height}/${v.round} from ${bytesToHex(v.validator)}`);
      }
      return false;
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
      return this.reject('COMMIT_INVALID', `block does not hash: ${errorMessage(e)}`);
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
    for (const r of this.votes!.precommitRounds()) {
      const maj = this.voteSet(r, 'precommit').twoThirdsMajority();
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
      const commit = commitFromVotes(this._height, r, maj.hash, this.voteSet(r, 'precommit').votesFor(maj.hash));
      this._step = 'commit';
      this.out.push({ type: 'commitBlock', height: this._height, round: r, blockHash: maj.hash, block, commit });
      return true;
    }
    return false;
  }

  /** L55: f+1 of the power has sent some vote for a higher round: jump to the highest such round. */
  private tryRoundSkip(): boolean {
    for (const r of this.votes!.roundsAbove(this._round)) {
      const power = this.votes!.powerIn(r);
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
      const r = signProposal(this.chainId, this.app, this.signer, this._height, round, this.valid && { block: this.valid.block, round: this._validRound });
      if (!('ok' in r)) {
        this.reject(r.code, r.message);
        this.schedule('propose');
        return;
      }
      this.proposals.set(round, r.ok);
      this.blocks.set(bytesToHex(r.ok.blockHash), r.ok.block);
      this.out.push({ type: 'broadcastProposal', proposal: r.ok });
    } else {
      this.schedule('propose');
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private castVote(type: VoteType, blockHash: Uint8Array | null): void {
    if (!this.signer || !getValidator(this.set!, this.signer.address)) return;
    const r = signVote(this.chainId, this.signer, type, this._height, this._round, blockHash);
    if (!('ok' in r)) return this.reject(r.code, r.message);
    if (this.addVote(r.ok)) this.out.push({ type: 'broadcastVote', vote: r.ok });
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
    return this.votes!.of(round, type);
  }

  private reject(code: Parameters<typeof rejected>[0], message: string): void {
    this.out.push(rejected(code, message));
  }
}

function rejected(code: ConsensusError['code'], message: string): ConsensusEffect {
  return { type: 'rejected', code, message };
}

function eventHeight(e: ConsensusEvent): bigint | undefined {
  return e.type === 'proposal' ? e.proposal.height : e.type === 'vote' ? e.vote.height : undefined;
}
