import type { Logger } from 'pino';
import { blockHash, type BlockResult, type ChainState, type Commit as VmCommit, type ConsensusHooks, type Validator } from '../../vm/index.ts';
import {
  DEV_TIMEOUTS, blsSecretFromSeed, encodeCommit, encodeProposal, proposer, maxProposalBlockBytes,
  type Commit, type ConsensusState, type InboundCheck, type Proposal, type TimeoutConfig,
} from '../../consensus/index.ts';
import { commitDecidedBlock, type BlockDecider, type DeciderStatus } from '../chain/index.ts';
import type { ChainStore } from '../storage/index.ts';
import type { Mempool } from '../mempool/index.ts';
import type { GossipVerdict, P2pHost } from '../p2p/index.ts';
import { ValidatorSets } from './validator-sets.ts';
import { openGuardedSigner } from './sign-history.ts';
import { bftHooks } from './hooks.ts';
import { EvidencePool } from './evidence-pool.ts';
import { ConsensusGossip, checkInboundMessage, decodeConsensusMessage, type InboundMessage } from './gossip.ts';
import { admitTxBatch } from './tx-gossip.ts';
import { ProposalApp } from './proposal-app.ts';
import { EngineRunner } from './engine-runner.ts';
import { BlockSync, type SyncedBlock } from './block-sync.ts';
import { encodeCompactProposal, rebuildProposal, skeletonProposal, type CompactProposal } from './compact-proposal.ts';
import { ProposalFetcher } from './proposal-fetch.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

export interface BftDriverOptions {
  state: ChainState;
  store: ChainStore;
  mempool: Mempool;
  p2p: P2pHost;
  /** null: a full node that follows the chain without voting. */
  validatorSeed: Uint8Array | null;
  walPath: string;
  /** Bound of one height's consensus WAL in bytes (default 32 MiB, see wal.ts). */
  walMaxBytesPerHeight?: number;
  /** Told the seconds of each WAL append (metrics). */
  onWalAppend?: (seconds: number) => void;
  signHistoryPath: string;
  timeouts?: TimeoutConfig;
  /** Wall clock in ms: proposal timestamps and the stall that triggers catch-up. */
  clock: () => bigint;
  logger: Logger;
  onCommit: (r: BlockResult, commit: VmCommit) => void;
  /** Pause after a commit before the next height starts (Tendermint's timeout_commit): sets the block pace. */
  commitWaitMs: number;
  /** Test-only fault switch: with each prevote for a block, also send a conflicting nil prevote (signed around the guard). */
  equivocate?: boolean;
  /**
   * Called before this node gossips a proposal: flushes the transactions it batched for the `tx`
   * topic, so that peers (one ordered stream per peer) hold them when its compact proposal arrives.
   */
  beforeProposal?: () => void;
}

/** Compact proposals received whole (rebuilt from the mempool) or completed by fetching the full proposal from a peer. */
export interface CompactProposalStats {
  rebuilt: number;
  fetched: number;
}

/** Without a commit for this long, peers are asked for the proposal and votes of the height in progress. */
const STALL_MS = 1000n;

/**
 * Tendermint over libp2p as the node's block decider. Wires the engine runner (events, timers,
 * WAL, signing), gossip, the evidence pool and block sync together, and owns what they share:
 * the proposer-priority walk, the validators that decided recent heights and the last commit.
 * Every block, decided here or fetched by sync, goes through the node's one commit path.
 */
export class BftDriver implements BlockDecider {
  private readonly sets = new ValidatorSets();
  /** Validator lists that decided recent heights (for the last commit carried by the next block). */
  private readonly decided = new Map<bigint, Validator[]>();
  private lastCommitBytes: Uint8Array | null = null;
  private lastProgress: bigint;
  private readonly evidence: EvidencePool;
  private readonly app: ProposalApp;
  private readonly runner: EngineRunner;
  private readonly gossip: ConsensusGossip;
  private readonly sync: BlockSync;
  private readonly unsubs: Array<() => void> = [];
  private prevKeys: { height: bigint; keys: Map<string, Uint8Array> } | null = null;
  private readonly self: Uint8Array | null;
  private readonly fetcher: ProposalFetcher;
  private rebuilt = 0;

  constructor(private readonly o: BftDriverOptions) {
    const { state, logger } = o;
    this.lastProgress = o.clock();
    const hooks: ConsensusHooks = bftHooks(state.chainId, (h) => this.decided.get(h));
    this.evidence = new EvidencePool((bytes) => hooks.evidenceOffender(bytes, state));
    this.gossip = new ConsensusGossip(o.p2p, state.chainId, o.equivocate ? o.validatorSeed : null);
    const nextHeight = () => state.height + 1n;
    const nextValidatorSet = () => this.sets.forNextHeight(state);
    // Inputs are written to the WAL without an fsync each; they are made durable before any signature is
    const signer = o.validatorSeed ? openGuardedSigner(o.validatorSeed, o.signHistoryPath, () => this.runner.syncWal()) : null;
    this.self = signer?.address ?? null;
    this.app = new ProposalApp({
      state, mempool: o.mempool, evidence: this.evidence, hooks, clock: o.clock, logger,
      proposer: signer && o.validatorSeed ? { address: signer.address, blsSecret: blsSecretFromSeed(o.validatorSeed) } : null,
      lastCommit: () => this.lastCommitBytes,
    });
    this.runner = new EngineRunner({
      chainId: state.chainId, app: this.app, signer, walPath: o.walPath, walMaxBytesPerHeight: o.walMaxBytesPerHeight, onWalAppend: o.onWalAppend,
      timeouts: o.timeouts ?? DEV_TIMEOUTS, commitWaitMs: o.commitWaitMs, logger, nextHeight, nextValidatorSet,
      effects: {
        proposal: (p) => {
          o.beforeProposal?.();
          this.gossip.publishProposal(p, this.compactOf(p));
        },
        vote: (v) => this.gossip.publishVote(v),
        evidence: (bytes) => {
          this.evidence.add(bytes);
          this.gossip.publishEvidence(bytes);
        },
        commit: (height, hash, block, commit) => this.commitDecision(height, hash, block, commit),
      },
    });
    this.fetcher = new ProposalFetcher({ p2p: o.p2p, height: () => this.runner.cs.height, deliver: (kind, bytes) => this.deliver(kind, bytes) });
    this.sync = new BlockSync({
      p2p: o.p2p, state, store: o.store, logger, hooks, nextValidatorSet,
      engine: () => this.runner.cs,
      engineIdle: () => this.runner.idle(),
      stalled: () => o.clock() - this.lastProgress > STALL_MS,
      deliver: (kind, bytes) => this.deliver(kind, bytes),
      commit: (b) => this.commitSynced(b),
      caughtUp: () => this.runner.startNextHeight(),
    });
  }

  /** Compact proposals received and rebuilt from the mempool, or completed by fetching the full proposal. */
  get compactStats(): CompactProposalStats {
    return { rebuilt: this.rebuilt, fetched: this.fetcher.fetched };
  }

  get consensus(): ConsensusState {
    return this.runner.cs;
  }

  /** True while blocks are being downloaded from peers. */
  get isSyncing(): boolean {
    return this.sync.downloading;
  }

  status(): DeciderStatus {
    const cs = this.runner.cs;
    return { engine: 'bft', height: cs.height, round: cs.round, step: cs.step, lockedRound: cs.lockedRound, syncing: this.isSyncing };
  }

  /** Loads what the next proposal needs from the store: the last block's deciders, proposer priorities and commit. */
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
    this.unsubs.push(...this.gossip.subscribe({
      message: (m, from) => this.admit(m, from),
      compact: (c, from) => this.admitCompact(c, from),
      evidence: (bytes) => (this.evidence.admit(bytes) ? 'accept' : 'reject'),
      tx: (bytes) => admitTxBatch(this.o.mempool, bytes),
    }, () => this.o.state.params.maxBlockTxs));
    this.sync.start();
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.fetcher.stop();
    this.sync.stop();
    for (const u of this.unsubs) u();
    await this.runner.stop();
  }

  /** A proposal or vote from catch-up, through the inbound checks; null for bytes that do not decode (dropped). */
  private deliver(kind: 'proposal' | 'vote', bytes: Uint8Array): { m: InboundMessage; verdict: GossipVerdict } | null {
    let m: InboundMessage;
    try {
      m = decodeConsensusMessage(kind, bytes);
    } catch {
      return null;
    }
    return { m, verdict: this.admit(m, null) };
  }

  /** Checks a peer's proposal or vote against the engine's height, round and set; only what passes reaches the WAL and the engine. */
  private admit(m: InboundMessage, from: string | null): GossipVerdict {
    const r = this.check(m, (b) => this.app.hashBlock(b));
    if (r.verdict !== 'accept') {
      if (r.verdict === 'reject') this.o.logger.debug({ peer: from, code: r.code, msg: r.message }, 'consensus message refused');
      return r.verdict;
    }
    this.runner.enqueue(m.ev, m.wal);
    return 'accept';
  }

  private check(m: InboundMessage, hashBlock: (block: Uint8Array) => Uint8Array): InboundCheck {
    const cs = this.runner.cs;
    const set = cs.validatorSet;
    const prev = this.previousKeys(cs.height);
    return checkInboundMessage({
      chainId: this.o.state.chainId, height: cs.height, round: cs.round, set,
      // the larger of this and the previous set, as a node a height behind bounds our height's blocks
      maxBlockBytes: maxProposalBlockBytes(this.o.state.params, Math.max(set?.validators.length ?? 0, prev.size)),
      hashBlock,
      previousKey: (a) => prev.get(bytesToHex(a)),
    }, m);
  }

  /** The compact form of a proposal this node gossips (null when its block does not decode: then it goes whole). */
  private compactOf(p: Proposal): Uint8Array | null {
    try {
      const { block, txHashes } = this.app.compactParts(p.block, p.blockHash);
      return encodeCompactProposal(p, block, txHashes);
    } catch {
      return null;
    }
  }

  /**
   * A compact proposal: the signature, proposer, round window and header hash are checked on its
   * skeleton (the header is whole there) before anything else, so only a proposer's message is
   * relayed. Then the block is rebuilt from the mempool and goes through the same checks as a full
   * proposal; with a transaction missing, the full proposal is fetched from the peer that sent it.
   */
  private admitCompact(c: CompactProposal, from: string): GossipVerdict {
    const skeleton = skeletonProposal(c);
    const pre = this.check({ ev: { type: 'proposal', proposal: skeleton }, wal: { kind: 'proposal', bytes: new Uint8Array(0) } }, () => blockHash(c.skeleton.header));
    if (pre.verdict !== 'accept') {
      if (pre.verdict === 'reject') this.o.logger.debug({ peer: from, code: pre.code, msg: pre.message }, 'compact proposal refused');
      return pre.verdict;
    }
    const r = rebuildProposal(c, (k) => this.o.mempool.verified.get(k)?.bytes);
    if ('missing' in r) {
      this.o.logger.debug({ height: Number(c.height), round: c.round, missing: r.missing.length, txs: c.txHashes.length, peer: from }, 'compact proposal: transactions missing, fetching the full proposal');
      this.fetcher.fetch(c, from);
      return 'accept'; // its peers may hold the transactions this node lacks
    }
    this.rebuilt++;
    this.app.adopt(r.proposal.block, r.block, c.blockHash);
    const v = this.admit({ ev: { type: 'proposal', proposal: r.proposal }, wal: { kind: 'proposal', bytes: encodeProposal(r.proposal) } }, from);
    return v;
  }

  /** Consensus keys of the validators that decided `height - 1`, by address (cached per height). */
  private previousKeys(height: bigint): Map<string, Uint8Array> {
    if (this.prevKeys?.height !== height) {
      const vals = this.decided.get(height - 1n) ?? [];
      this.prevKeys = { height, keys: new Map(vals.map((v) => [bytesToHex(v.address), v.consensusKey])) };
    }
    return this.prevKeys.keys;
  }

  /** The engine decided a block (+2/3 precommits). */
  private async commitDecision(height: bigint, hash: Uint8Array, bytes: Uint8Array, commit: Commit): Promise<void> {
    const { state } = this.o;
    if (height !== state.height + 1n) return;
    const decidedBy = state.validatorList();
    const result = this.app.resultFor(hash, bytes);
    const vmCommit: VmCommit = { height, blockHash: hash, signatures: commit.signatures.map((s) => ({ validator: s.validator, signature: s.signature })) };
    await this.commit({ result, commit: vmCommit, commitBytes: encodeCommit(commit), decidedBy }, { round: commit.round });
    const next = this.sets.forNextHeight(state); // the set afterCommit stepped to (same height and members: no new step)
    this.app.prepareNext(this.self !== null && equalBytes(proposer(next, 0).address, this.self));
    this.runner.startNextHeight();
  }

  private commitSynced(b: SyncedBlock): Promise<void> {
    return this.commit(b, null);
  }

  /** `round` null: a block from sync, logged at debug (sync logs one summary line). */
  private async commit(b: SyncedBlock, log: { round: number } | null): Promise<void> {
    const height = b.result.block.header.height;
    await commitDecidedBlock(this.o, {
      result: b.result,
      commit: b.commit,
      consensus: { commit: b.commitBytes, decidedBy: b.decidedBy, priorities: this.sets.prioritiesAt(height) },
      onApplied: (r) => this.afterCommit(r, b.commitBytes, b.decidedBy),
      quiet: log === null,
      logFields: log ?? undefined,
    });
  }

  /** Runs right after the block is durable and applied, before listeners hear of it. */
  private afterCommit(r: BlockResult, commitBytes: Uint8Array, decidedBy: Validator[]): void {
    const h = r.block.header.height;
    this.decided.set(h, decidedBy);
    this.decided.delete(h - 2n);
    this.sets.forNextHeight(this.o.state); // one step of the proposer-priority walk per committed block, none skipped
    this.lastCommitBytes = commitBytes;
    for (const e of r.block.evidence) this.evidence.remove(e);
    this.app.clear();
    this.lastProgress = this.o.clock();
  }
}
