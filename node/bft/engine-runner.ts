import type { Logger } from 'pino';

import {
  ConsensusState, encodeEvidence, decodeProposal, decodeVote,
  type GuardedSigner, type ConsensusApp, type ConsensusEffect, type ConsensusEvent, type Commit, type DuplicateVoteEvidence,
  type Proposal, type TimeoutConfig, type TimeoutStep, type ValidatorSet, type Vote,
} from '../../consensus/index.ts';
import { ConsensusWal, type WalRecord } from './wal.ts';
import { encodeAddress } from '../../primitives/index.ts';

/** What the engine decided to do outside itself. */
export interface EngineEffects {
  proposal(p: Proposal): void;
  vote(v: Vote): void;
  evidence(bytes: Uint8Array): void;
  /** Awaited: no further event reaches the engine until the block is committed. */
  commit(height: bigint, blockHash: Uint8Array, block: Uint8Array, commit: Commit): Promise<void>;
}

export interface EngineRunnerOptions {
  chainId: string;
  app: ConsensusApp;
  /** The validator's double-sign guard (sign-history.ts); null: a full node that follows the chain without voting. */
  signer: GuardedSigner | null;
  walPath: string;
  /** Bound of one height's WAL (default DEFAULT_WAL_MAX_BYTES_PER_HEIGHT in wal.ts). */
  walMaxBytesPerHeight?: number;
  /** Told the seconds of each WAL append (metrics). */
  onWalAppend?: (seconds: number) => void;
  timeouts: TimeoutConfig;
  /** Pause after a commit before the next height starts (Tendermint's timeout_commit): sets the block pace. */
  commitWaitMs: number;
  logger: Logger;
  effects: EngineEffects;
  /** The height after the committed state. */
  nextHeight(): bigint;
  /** The set deciding nextHeight() (one step of the proposer-priority walk). */
  nextValidatorSet(): ValidatorSet;
}

/**
 * Runs the pure consensus engine (consensus/state.ts): feeds it events strictly one at a time,
 * writes each to the WAL before the engine sees it, keeps its timers, and hands its outward effects
 * on. The engine signs through the GuardedSigner it is given, which persists its last-signed record
 * before a signature leaves, so a restarted validator never double-signs.
 */
export class EngineRunner {
  readonly cs: ConsensusState;
  private readonly wal: ConsensusWal;
  private readonly queue: Array<{ ev: ConsensusEvent; wal: WalRecord | null }> = [];
  private draining = false;
  private stopped = false;
  private inflight: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextHeightTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: EngineRunnerOptions) {
    this.wal = new ConsensusWal(o.walPath, {
      ...(o.walMaxBytesPerHeight !== undefined ? { maxBytesPerHeight: o.walMaxBytesPerHeight } : {}),
      onFull: ({ height, bytes, maxBytes }) => o.logger.warn({ height: height === null ? null : Number(height), bytes, maxBytes },
        'consensus WAL full for this height: further proposals and votes are handled but not persisted'),
      ...(o.onWalAppend ? { onAppend: o.onWalAppend } : {}),
    });
    this.cs = new ConsensusState({ chainId: o.chainId, signer: o.signer, timeouts: o.timeouts, app: o.app });
  }

  /** Starts the next height, first replaying its WAL so round, step, lock and own votes come back exactly. */
  start(): void {
    const records = this.wal.read();
    const next = this.o.nextHeight();
    const resume = records.length > 0 && records[0]!.kind === 'height' && records[0]!.height === next;
    this.enqueue({ type: 'startHeight', height: next, validatorSet: this.o.nextValidatorSet() }, resume ? null : { kind: 'height', height: next });
    if (resume) for (const r of records.slice(1)) { const ev = fromWal(r); if (ev) this.enqueue(ev, null); }
    this.o.logger.info({ height: Number(next), replayed: resume ? records.length - 1 : 0 }, 'consensus started');
  }

  /** `wal` is the record that replays the event after a restart (null: it is not replayed). */
  enqueue(ev: ConsensusEvent, wal: WalRecord | null): void {
    if (this.stopped) return;
    this.queue.push({ ev, wal });
    if (!this.draining) this.inflight = this.drain();
  }

  /**
   * Makes the WAL durable up to the event being handled. The validator's signer calls it before it
   * persists a signature (driver.ts), so every input that led to the signature survives a crash.
   */
  syncWal(): void {
    this.wal.sync();
  }

  /** Resolves when no event is being handled (so a block from sync never interleaves with an engine commit). */
  idle(): Promise<void> {
    return this.inflight;
  }

  /** After commitWaitMs the engine moves to the height after the committed state (messages for it are buffered meanwhile). */
  startNextHeight(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    clearTimeout(this.nextHeightTimer);
    this.nextHeightTimer = setTimeout(() => {
      const next = this.o.nextHeight();
      if (next <= this.cs.height) return;
      this.enqueue({ type: 'startHeight', height: next, validatorSet: this.o.nextValidatorSet() }, { kind: 'height', height: next });
    }, this.o.commitWaitMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.nextHeightTimer);
    for (const t of this.timers) clearTimeout(t);
    await this.inflight;
    this.wal.close();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length && !this.stopped) {
        const { ev, wal } = this.queue.shift()!;
        if (wal) wal.kind === 'height' ? this.wal.startHeight(wal.height) : this.wal.append(wal);
        let effects: ConsensusEffect[];
        try {
          effects = this.cs.handle(ev);
        } catch (e) {
          this.o.logger.error({ err: e, event: ev.type }, 'consensus rejected an event');
          continue;
        }
        for (const fx of effects) await this.execute(fx);
      }
    } catch (e) {
      this.o.logger.error({ err: e }, 'consensus driver failed');
    } finally {
      this.draining = false;
    }
  }

  private async execute(fx: ConsensusEffect): Promise<void> {
    const { effects, logger } = this.o;
    switch (fx.type) {
      case 'broadcastProposal':
        effects.proposal(fx.proposal);
        return;
      case 'broadcastVote':
        effects.vote(fx.vote);
        return;
      case 'scheduleTimeout': {
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.enqueue({ type: 'timeout', height: fx.height, round: fx.round, step: fx.step }, { kind: 'timeout', height: fx.height, round: fx.round, step: fx.step });
        }, fx.durationMs);
        this.timers.add(t);
        return;
      }
      case 'commitBlock':
        await effects.commit(fx.height, fx.blockHash, fx.block, fx.commit);
        return;
      case 'evidence':
        logEvidence(logger, fx.evidence);
        effects.evidence(encodeEvidence(fx.evidence));
        return;
      case 'enterRound':
        logger.debug({ height: Number(fx.height), round: fx.round, proposer: encodeAddress(fx.proposer) }, 'enter round');
        return;
      case 'rejected':
        logger.debug({ code: fx.code, msg: fx.message }, 'consensus input ignored');
        return;
      case 'missingBlock':
        return; // the catch-up poll fetches the proposal from peers
    }
  }
}

function logEvidence(logger: Logger, e: DuplicateVoteEvidence): void {
  logger.warn({ validator: encodeAddress(e.voteA.validator), height: Number(e.voteA.height) }, 'equivocation detected');
}

function fromWal(r: WalRecord): ConsensusEvent | null {
  try {
    if (r.kind === 'proposal') return { type: 'proposal', proposal: decodeProposal(r.bytes) };
    if (r.kind === 'vote') return { type: 'vote', vote: decodeVote(r.bytes) };
    if (r.kind === 'timeout') return { type: 'timeout', height: r.height, round: r.round, step: r.step as TimeoutStep };
  } catch {
    return null;
  }
  return null;
}
