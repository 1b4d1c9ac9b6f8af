import type { Logger } from 'pino';
import { applyBlock, blockHash, buildBlock, decodeBlock, encodeBlock, decodeCanonical, encode, type BlockResult, type ChainState, type Commit as VmCommit, type VerifiedTx, type Validator, type ConsensusHooks } from '../../vm/index.ts';
import {
  ConsensusState, GuardedSigner, DEV_TIMEOUTS, decodeProposal, decodeVote, encodeProposal, encodeVote, encodeCommit, decodeCommit,
  verifyCommit, encodeEvidence, beaconSign, blsSecretFromSeed, signVote, type ConsensusEffect, type ConsensusEvent, type TimeoutConfig, type TimeoutStep, type Commit,
} from '../../consensus/index.ts';
import type { ChainStore } from '../storage/index.ts';
import type { Mempool } from '../mempool/index.ts';
import type { BlockDecider } from '../producer/index.ts';
import { registerBlockSyncServer, fetchBlocks, type P2pHost } from '../p2p/index.ts';
import { ConsensusWal, type WalRecord } from './wal.ts';
import { loadSignHistory, saveSignHistory } from './sign-history.ts';
import { ValidatorSets } from './validator-sets.ts';
import { bftHooks } from './hooks.ts';
import { decodeTxBatch } from './tx-gossip.ts';
import { Progress } from '../util/index.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

export interface BftDriverOptions {
  state: ChainState;
  store: ChainStore;
  mempool: Mempool;
  p2p: P2pHost;
  /** null: a full node that follows the chain without voting. */
  validatorSeed: Uint8Array | null;
  walPath: string;
  signHistoryPath: string;
  timeouts?: TimeoutConfig;
  clock: () => bigint;
  logger: Logger;
  onCommit: (r: BlockResult, commit: VmCommit) => void;
  /** Pause after a commit before the next height starts (Tendermint's timeout_commit): sets the block pace. */
  commitWaitMs: number;
  /** Test-only fault switch: with each prevote for a block, also send a conflicting nil prevote (signed around the guard). */
  equivocate?: boolean;
}

const CATCHUP = 'cs-catchup';
const SYNC_BATCH = 32;

/**
 * Drives the pure consensus engine: feeds it gossip, timers and WAL replays; carries out its effects
 * (broadcast, timers, commit through the same store path the solo producer uses); and syncs blocks
 * from peers when this node is behind. Events are handled strictly one at a time.
 */
export class BftDriver implements BlockDecider {
  private cs!: ConsensusState;
  private readonly sets = new ValidatorSets();
  private readonly wal: ConsensusWal;
  private readonly signer: GuardedSigner | null;
  private readonly queue: Array<{ ev: ConsensusEvent; wal: WalRecord | null }> = [];
  private draining = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly built = new Map<string, BlockResult>();
  private readonly preverified = new Map<string, VerifiedTx>();
  private lastProgress = Date.now();
  private syncing = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> = Promise.resolve();
  private readonly unsubs: Array<() => void> = [];
  /** Validator lists that decided recent heights (for the last commit carried by the next block). */
  private readonly decided = new Map<bigint, Validator[]>();
  private lastCommitBytes: Uint8Array | null = null;
  private readonly evidencePool = new Map<string, Uint8Array>();
  private readonly hooks: ConsensusHooks;
  private readonly blsSecret: Uint8Array | null;

  constructor(private readonly o: BftDriverOptions) {
    this.wal = new ConsensusWal(o.walPath);
    this.hooks = bftHooks(o.state.chainId, (h) => this.decided.get(h));
    this.blsSecret = o.validatorSeed ? blsSecretFromSeed(o.validatorSeed) : null;
    this.signer = o.validatorSeed
      ? new GuardedSigner(o.validatorSeed, { history: loadSignHistory(o.signHistoryPath), persist: (h) => saveSignHistory(o.signHistoryPath, h) })
      : null;
  }

  get consensus(): ConsensusState {
    return this.cs;
  }

  /** True while blocks are being downloaded from peers. */
  get isSyncing(): boolean {
    return this.downloading;
  }
  private downloading = false;

  private newEngine(): ConsensusState {
    const { state } = this.o;
    return new ConsensusState({
      chainId: state.chainId,
      signer: this.signer,
      timeouts: this.o.timeouts ?? DEV_TIMEOUTS,
      app: {
        buildBlock: (height) => this.buildProposal(height),
        validateBlock: (height, bytes) => this.validate(height, bytes),
        hashBlock: (bytes) => blockHash(decodeBlock(bytes).header),
      },
    });
  }

  /** Loads what the next proposal needs from the store, then starts. */
  async init(): Promise<void> {
    const h = this.o.state.height;
    if (h > 0n) {
      const vals = await this.o.store.getDecidedBy(h);
      if (vals) this.decided.set(h, vals);
      const priorities = await this.o.store.getProposerPriorities(h);
      if (!vals || !priorities || !this.sets.restore(h, vals, priorities)) {
        this.o.logger.warn({ height: Number(h) }, 'no proposer priorities stored with the last block: recomputing them from height 1 with the current validators');
      }
      this.lastCommitBytes = (await this.o.store.getBftCommit(h)) ?? null;
    }
  }

  start(): void {
    const { p2p, store } = this.o;
    this.unsubs.push(p2p.onMessage('evidence', (bytes) => {
      try {
        this.hooks.evidenceOffender(bytes, this.o.state);
        this.evidencePool.set(bytesToHex(sha256(bytes)), bytes);
        return 'accept';
      } catch {
        return 'reject';
      }
    }));
    this.unsubs.push(p2p.onMessage('proposal', (bytes) => this.onGossip('proposal', bytes)));
    this.unsubs.push(p2p.onMessage('vote', (bytes) => this.onGossip('vote', bytes)));
    this.unsubs.push(p2p.onMessage('tx', (bytes) => {
      let txs: Uint8Array[];
      try {
        txs = decodeTxBatch(bytes);
      } catch {
        return 'reject';
      }
      let admitted = 0;
      for (const tx of txs) {
        try {
          this.o.mempool.add(tx);
          admitted++;
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'TX_BAD_SIGNATURE' || code === 'CODEC_MALFORMED' || code === 'CODEC_NON_CANONICAL') return 'reject';
        }
      }
      return admitted > 0 ? 'accept' : 'ignore';
    }));
    registerBlockSyncServer(p2p, async (from, count) => {
      const out: Uint8Array[] = [];
      for (let h = from; h < from + BigInt(count) && h <= this.o.state.height; h++) {
        const b = await store.getBlockBytes(h);
        const c = await store.getBftCommit(h);
        if (!b || !c) break;
        out.push(encode([b, c]));
      }
      return out;
    });
    void p2p.handle(CATCHUP, (req) => this.serveCatchup(req));
    this.cs = this.newEngine();
    // Replay the WAL of the height in progress so round, step, lock and own votes come back exactly.
    const records = this.wal.read();
    const next = this.o.state.height + 1n;
    const resume = records.length > 0 && records[0]!.kind === 'height' && records[0]!.height === next;
    this.enqueue({ type: 'startHeight', height: next, validatorSet: this.sets.forNextHeight(this.o.state) }, resume ? null : { kind: 'height', height: next });
    if (resume) for (const r of records.slice(1)) { const ev = this.fromWal(r); if (ev) this.enqueue(ev, null); }
    this.o.logger.info({ height: Number(next), replayed: resume ? records.length - 1 : 0 }, 'consensus started');
    this.syncTimer = setInterval(() => void this.tick(), 500);
  }

  private fromWal(r: WalRecord): ConsensusEvent | null {
    try {
      if (r.kind === 'proposal') return { type: 'proposal', proposal: decodeProposal(r.bytes) };
      if (r.kind === 'vote') return { type: 'vote', vote: decodeVote(r.bytes) };
      if (r.kind === 'timeout') return { type: 'timeout', height: r.height, round: r.round, step: r.step as TimeoutStep };
    } catch {
      return null;
    }
    return null;
  }

  private onGossip(kind: 'proposal' | 'vote', bytes: Uint8Array): 'accept' | 'reject' | 'ignore' {
    try {
      if (kind === 'proposal') this.enqueue({ type: 'proposal', proposal: decodeProposal(bytes) }, { kind: 'proposal', bytes });
      else this.enqueue({ type: 'vote', vote: decodeVote(bytes) }, { kind: 'vote', bytes });
      return 'accept';
    } catch {
      return 'reject';
    }
  }

  private enqueue(ev: ConsensusEvent, wal: WalRecord | null): void {
    if (this.stopped) return;
    this.queue.push({ ev, wal });
    if (!this.draining) this.inflight = this.drain();
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
    const { p2p, logger } = this.o;
    switch (fx.type) {
      case 'broadcastProposal': {
        const bytes = encodeProposal(fx.proposal);
        void p2p.publish('proposal', bytes).catch(() => {});
        return;
      }
      case 'broadcastVote': {
        void p2p.publish('vote', encodeVote(fx.vote)).catch(() => {});
        if (this.o.equivocate && fx.vote.type === 'prevote' && fx.vote.blockHash && this.o.validatorSeed) {
          const twin = signVote(this.o.state.chainId, { ...fx.vote, blockHash: null }, this.o.validatorSeed);
          void p2p.publish('vote', encodeVote(twin)).catch(() => {});
        }
        return;
      }
      case 'scheduleTimeout': {
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.enqueue({ type: 'timeout', height: fx.height, round: fx.round, step: fx.step }, { kind: 'timeout', height: fx.height, round: fx.round, step: fx.step });
        }, fx.durationMs);
        this.timers.add(t);
        return;
      }
      case 'commitBlock':
        await this.commit(fx.height, fx.blockHash, fx.block, fx.commit);
        return;
      case 'evidence': {
        logger.warn({ validator: bytesToHex(fx.evidence.voteA.validator), height: Number(fx.evidence.voteA.height) }, 'equivocation detected');
        const bytes = encodeEvidence(fx.evidence);
        this.evidencePool.set(bytesToHex(sha256(bytes)), bytes);
        void p2p.publish('evidence', bytes).catch(() => {});
        return;
      }
      case 'enterRound':
        logger.debug({ height: Number(fx.height), round: fx.round, proposer: bytesToHex(fx.proposer) }, 'enter round');
        return;
      case 'rejected':
        logger.debug({ code: fx.code, msg: fx.message }, 'consensus input ignored');
        return;
      case 'missingBlock':
        return; // the catch-up poll fetches the proposal from peers
    }
  }

  private buildProposal(height: bigint): Uint8Array {
    const { state, mempool } = this.o;
    const now = this.o.clock();
    const timestampMs = now > state.lastTimestampMs ? now : state.lastTimestampMs + 1n;
    const { txs, preverified } = mempool.reap(state.params.maxBlockTxs, state.params.maxBlockBytes);
    for (const [k, v] of preverified) this.preverified.set(k, v);
    const r = buildBlock(state, {
      height, timestampMs, proposer: this.signer!.address,
      beaconSig: beaconSign(this.blsSecret!, state.chainId, height, state.beacon),
      lastCommit: height > 1n ? this.lastCommitBytes : null,
      evidence: [...this.evidencePool.values()],
    }, txs, preverified, this.hooks);
    for (const e of r.rejectedEvidence) this.evidencePool.delete(bytesToHex(sha256(e.bytes))); // stale: offender already jailed
    this.built.set(bytesToHex(r.hash), r);
    return encodeBlock(r.block);
  }

  private validate(height: bigint, bytes: Uint8Array): boolean {
    try {
      const block = decodeBlock(bytes);
      if (block.header.height !== height) return false;
      const known = { get: (k: string) => this.preverified.get(k) ?? this.o.mempool.verified.get(k) };
      const r = applyBlock(this.o.state, block, known, this.hooks);
      this.built.set(bytesToHex(r.hash), r);
      return true;
    } catch (e) {
      this.o.logger.info({ height: Number(height), err: (e as Error).message }, 'invalid proposal');
      return false;
    }
  }

  private async commit(height: bigint, hash: Uint8Array, bytes: Uint8Array, commit: Commit): Promise<void> {
    const { state, store, mempool } = this.o;
    if (height !== state.height + 1n) return;
    const decidedBy = state.validatorList();
    const r = this.built.get(bytesToHex(hash)) ?? applyBlock(state, decodeBlock(bytes), undefined, this.hooks);
    const vmCommit: VmCommit = { height, blockHash: hash, signatures: commit.signatures.map((s) => ({ validator: s.validator, signature: s.signature })) };
    const commitBytes = encodeCommit(commit);
    await store.commit(state, r, vmCommit, { commit: commitBytes, decidedBy, priorities: this.sets.prioritiesAt(height) });
    this.afterCommit(r, vmCommit, commitBytes, decidedBy);
    this.o.logger.info({ height: Number(height), round: commit.round, txs: r.block.txs.length, hash: bytesToHex(hash).slice(0, 16) }, 'committed block');
    this.startNextHeight();
  }

  private afterCommit(r: BlockResult, vmCommit: VmCommit, commitBytes: Uint8Array, decidedBy: Validator[]): void {
    const h = r.block.header.height;
    this.decided.set(h, decidedBy);
    this.decided.delete(h - 2n);
    this.sets.forNextHeight(this.o.state); // one step of the proposer-priority walk per committed block, none skipped
    this.lastCommitBytes = commitBytes;
    for (const e of r.block.evidence) this.evidencePool.delete(bytesToHex(sha256(e)));
    this.o.mempool.update(this.o.state, r.txHashes);
    this.built.clear();
    this.preverified.clear();
    this.lastProgress = Date.now();
    this.o.onCommit(r, vmCommit);
  }

  private nextHeightTimer: NodeJS.Timeout | undefined;

  /** After commitWaitMs, the engine moves to the height after the committed state (messages for it are buffered meanwhile). */
  private startNextHeight(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    clearTimeout(this.nextHeightTimer);
    this.nextHeightTimer = setTimeout(() => {
      const next = this.o.state.height + 1n;
      if (next <= this.cs.height) return;
      this.enqueue({ type: 'startHeight', height: next, validatorSet: this.sets.forNextHeight(this.o.state) }, { kind: 'height', height: next });
    }, this.o.commitWaitMs);
  }

  /** Peers answer with their proposal and votes of a height, so a node that missed gossip catches up. */
  private serveCatchup(req: Uint8Array): Uint8Array {
    const [height] = decodeCanonical(req, 'catchup request') as [bigint];
    if (typeof height !== 'bigint' || !this.cs || height !== this.cs.height) return encode([[], []]);
    return encode([this.cs.heldProposals().map(encodeProposal), this.cs.heldVotes().map(encodeVote)]);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.syncing) return;
    this.syncing = true;
    try {
      await this.syncBlocks();
      if (Date.now() - this.lastProgress > 1000) await this.pollCatchup();
    } catch (e) {
      this.o.logger.debug({ err: (e as Error).message }, 'sync round failed');
    } finally {
      this.syncing = false;
      this.downloading = false;
    }
  }

  private async pollCatchup(): Promise<void> {
    const height = this.cs.height;
    for (const peer of this.o.p2p.peers()) {
      try {
        const res = await this.o.p2p.request(peer.peerId, CATCHUP, encode([height]), { timeoutMs: 2000, maxResponseBytes: 8 << 20 });
        const [props, votes] = decodeCanonical(res, 'catchup response') as [Uint8Array[], Uint8Array[]];
        for (const p of props) this.onGossip('proposal', p);
        for (const v of votes) this.onGossip('vote', v);
      } catch {
        // an unreachable or slow peer: the next tick tries again
      }
    }
  }

  /** Downloads committed blocks from peers, verifying each commit against the validator set, until caught up. */
  private async syncBlocks(): Promise<void> {
    const { p2p, state, store, logger } = this.o;
    let bar: Progress | undefined;
    let synced = 0;
    for (const peer of p2p.peers()) {
      for (;;) {
        if (this.stopped) return;
        const from = state.height + 1n;
        let items: Uint8Array[];
        try {
          items = await fetchBlocks(p2p, peer.peerId, from, SYNC_BATCH, { timeoutMs: 5000 });
        } catch {
          break;
        }
        if (items.length === 0) break;
        // one block behind is the normal skew between validators committing the same height; only a
        // node further behind than that is catching up (node_syncing, and the verifier waits)
        if (items.length > 1 || synced > 0) this.downloading = true;
        await this.inflight; // never interleave with a commit the engine is making
        for (const [i, item] of items.entries()) {
          // A block the engine committed meanwhile (while this batch was in flight) is skipped.
          if (state.height + 1n !== from + BigInt(i)) continue;
          const [blockBytes, commitBytes] = decodeCanonical(item, 'synced block') as [Uint8Array, Uint8Array];
          const block = decodeBlock(blockBytes);
          const hash = blockHash(block.header);
          const commit = decodeCommit(commitBytes);
          try {
            verifyCommit(state.chainId, this.sets.forNextHeight(state), commit, { height: block.header.height, blockHash: hash });
            const decidedBy = state.validatorList();
            const r = applyBlock(state, block, undefined, this.hooks);
            const vmCommit: VmCommit = { height: commit.height, blockHash: hash, signatures: commit.signatures };
            await store.commit(state, r, vmCommit, { commit: commitBytes, decidedBy, priorities: this.sets.prioritiesAt(block.header.height) });
            this.afterCommit(r, vmCommit, commitBytes, decidedBy);
            synced++;
          } catch (e) {
            p2p.adjustScore(peer.peerId, -20, 'bad synced block');
            logger.warn({ peer: peer.peerId, height: Number(block.header.height), err: (e as Error).message }, 'rejected a synced block');
            return;
          }
        }
        if (synced > 0) {
          bar ??= new Progress({ label: 'block sync', unit: 'blocks' });
          bar.update(synced, { height: Number(state.height) });
        }
      }
    }
    if (synced > 0) {
      bar?.finish({ height: Number(state.height) });
      logger.info({ synced, height: Number(state.height) }, 'caught up by block sync');
      this.startNextHeight();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.syncTimer);
    clearTimeout(this.nextHeightTimer);
    for (const t of this.timers) clearTimeout(t);
    for (const u of this.unsubs) u();
    await this.inflight;
    this.wal.close();
  }
}
