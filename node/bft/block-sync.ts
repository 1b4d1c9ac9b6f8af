import type { Logger } from 'pino';
import { applyBlock, encode, type BlockResult, type ChainState, type Commit as VmCommit, type ConsensusHooks, type Validator } from '../../vm/index.ts';
import { verifyCommit, type ConsensusState, type ValidatorSet } from '../../consensus/index.ts';
import { registerBlockSyncServer, type P2pHost } from '../p2p/index.ts';
import type { ChainStore } from '../storage/index.ts';
import { Progress } from '../util/index.ts';
import { CATCHUP_PROTOCOL, pollCatchup, serveCatchup } from './catchup.ts';
import { errorMessage } from '../../primitives/index.ts';
import { BeaconPool } from './beacon-pool.ts';
import { RangePipeline, SYNC_BATCH } from './sync-pipeline.ts';

const TICK_MS = 500;

/** A block fetched from a peer, checked against its +2/3 commit and applied, ready to commit. */
export interface SyncedBlock {
  result: BlockResult;
  commit: VmCommit;
  commitBytes: Uint8Array;
  decidedBy: Validator[];
}

export interface BlockSyncOptions {
  p2p: P2pHost;
  state: ChainState;
  store: ChainStore;
  logger: Logger;
  hooks: ConsensusHooks;
  /** The set whose +2/3 must have signed the commit of the next block. */
  nextValidatorSet(): ValidatorSet;
  /** The engine: catch-up serves and asks for the height it is at. */
  engine(): ConsensusState;
  /** Resolves once the engine is not committing a block itself. */
  engineIdle(): Promise<void>;
  /** No block was committed for a while: then peers are asked for the height in progress. */
  stalled(): boolean;
  /** A proposal or vote that catch-up brought, handed to the engine as if gossiped. */
  deliver(kind: 'proposal' | 'vote', bytes: Uint8Array): void;
  commit(b: SyncedBlock): Promise<void>;
  /** Blocks were synced: the engine moves on to the height after them. */
  caughtUp(): void;
}

/**
 * What a node that fell behind does, every TICK_MS: downloads committed blocks from peers
 * (verifying each commit against the validator set) until caught up, and, when still stuck,
 * asks peers for the proposal and votes of the height in progress (catch-up). It also serves both
 * to peers.
 */
export class BlockSync {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private downloadingNow = false;
  private readonly beacons = new BeaconPool();

  constructor(private readonly o: BlockSyncOptions) {}

  /** True while blocks are being downloaded from peers. */
  get downloading(): boolean {
    return this.downloadingNow;
  }

  start(): void {
    const { p2p, store, state } = this.o;
    void registerBlockSyncServer(p2p, async (from, count) => {
      const out: Uint8Array[] = [];
      for (let h = from; h < from + BigInt(count) && h <= state.height; h++) {
        const b = await store.getBlockBytes(h);
        const c = await store.getBftCommit(h);
        if (!b || !c) break;
        out.push(encode([b, c]));
      }
      return out;
    });
    void p2p.handle(CATCHUP_PROTOCOL, (req) => serveCatchup(this.o.engine(), req));
    this.timer = setInterval(() => void this.tick(), TICK_MS);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    void this.beacons.close();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    try {
      await this.syncBlocks();
      if (this.o.stalled()) await pollCatchup(this.o.p2p, this.o.engine().height, this.o.deliver);
    } catch (e) {
      this.o.logger.debug({ err: errorMessage(e) }, 'sync round failed');
    } finally {
      this.running = false;
      this.downloadingNow = false;
    }
  }

  /**
   * Downloads committed blocks from peers (several ranges in flight, see sync-pipeline.ts) and
   * applies them strictly in height order, each checked against its commit by +2/3 of the set that
   * decides its height and executed to its state root, until caught up.
   */
  private async syncBlocks(): Promise<void> {
    const { p2p, state, logger } = this.o;
    const peers = p2p.peers().map((p) => p.peerId);
    if (peers.length === 0) return;
    const pipe = new RangePipeline(p2p, state, this.beacons, peers);
    const hooks = this.beacons.hooks(this.o.hooks);
    let bar: Progress | undefined;
    let synced = 0;
    try {
      while (pipe.peersLeft > 0) {
        if (this.stopped) return;
        const range = await pipe.next();
        if (range.items.length === 0 && range.malformed === undefined) {
          pipe.drop(range.peer); // nothing after our height there
          continue;
        }
        // one block behind is the normal skew between validators committing the same height; only a
        // node further behind than that is catching up (node_syncing, and the verifier waits)
        if (range.items.length > 1 || synced > 0) this.downloadingNow = true;
        if (range.items.length === SYNC_BATCH) pipe.widen();
        await range.beaconsChecked;
        await this.o.engineIdle(); // never interleave with a commit the engine is making
        for (const [i, { block, hash, commit, commitBytes }] of range.items.entries()) {
          // A block the engine committed meanwhile (while this range was in flight) is skipped.
          if (state.height + 1n !== range.from + BigInt(i)) continue;
          try {
            verifyCommit(state.chainId, this.o.nextValidatorSet(), commit, { height: block.header.height, blockHash: hash });
            const decidedBy = state.validatorList();
            const result = applyBlock(state, block, undefined, hooks);
            await this.o.commit({ result, commit: { height: commit.height, blockHash: hash, signatures: commit.signatures }, commitBytes, decidedBy });
            synced++;
          } catch (e) {
            this.refuse(range.peer, block.header.height, errorMessage(e));
            return;
          }
        }
        if (range.malformed !== undefined) {
          this.refuse(range.peer, range.from + BigInt(range.items.length), range.malformed);
          return;
        }
        if (range.items.length < SYNC_BATCH) pipe.reset(); // the peer's tip or its byte budget: the ranges after it start elsewhere
        if (synced > 0) {
          bar ??= new Progress({ label: 'block sync', unit: 'blocks' });
          bar.update(synced, { height: Number(state.height) });
        }
      }
    } finally {
      pipe.reset();
      if (this.downloadingNow) await this.beacons.close(); // caught up (or refused a peer): workers go until the next time
    }
    if (synced > 0) {
      bar?.finish({ height: Number(state.height) });
      logger.info({ synced, height: Number(state.height) }, 'caught up by block sync');
      this.o.caughtUp();
    }
  }

  private refuse(peer: string, height: bigint, why: string): void {
    this.o.p2p.adjustScore(peer, -20, 'bad synced block');
    this.o.logger.warn({ peer, height: Number(height), err: why }, 'rejected a synced block');
  }
}
