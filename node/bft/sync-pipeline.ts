import { blockHash, decodeBlock, decodeCanonical, type Block, type ChainState } from '../../vm/index.ts';
import { decodeCommit, type Commit } from '../../consensus/index.ts';
import { fetchBlocks, type P2pHost } from '../p2p/index.ts';
import { errorMessage } from '../../primitives/index.ts';
import type { BeaconCheck, BeaconPool } from './beacon-pool.ts';

export const SYNC_BATCH = 32;
/** Ranges requested ahead of the one being applied, spread over the peers. */
export const SYNC_WINDOW = 4;

export interface SyncItem { block: Block; hash: Uint8Array; commit: Commit; commitBytes: Uint8Array }

/** One fetched range: its blocks decoded (not yet checked), or why the peer's answer is unusable. */
export interface FetchedRange {
  from: bigint;
  peer: string;
  items: SyncItem[];
  /** The peer sent something that does not decode: it is penalized like a bad block. */
  malformed?: string;
  /** Resolves once the beacons of these blocks went through the worker pool (passed or not). */
  beaconsChecked: Promise<void>;
}

/**
 * The download side of block sync: keeps SYNC_WINDOW range requests in flight (round-robin over
 * the peers still useful this round) instead of one request and a full round trip per batch, and
 * hands each arrived range's beacon signatures to the worker pool as soon as the range before it
 * arrived (each beacon signs over the previous block's beacon); only full ranges do, so a node a
 * few blocks behind checks them inline rather than wait for workers to start (~1 s). It checks nothing itself: block
 * sync applies the ranges strictly in height order and checks every block against its commit.
 */
export class RangePipeline {
  private readonly inflight = new Map<bigint, Promise<FetchedRange>>();
  private ahead = 0n;
  /** The beacon after the last block of the range requested last (what the next range's first block signs over). */
  private lastBeacon: Promise<Uint8Array | undefined> = Promise.resolve(undefined);
  private live: string[];
  private rr = 0;
  /** Bumped by reset(): a range requested before it never reaches the worker pool (no workers start after a round ends). */
  private gen = 0;
  /** One request at a time until a full range shows the node is really behind (a caught-up node asks each peer once per round). */
  private window = 1;

  constructor(private readonly p2p: P2pHost, private readonly state: ChainState, private readonly pool: BeaconPool, peers: string[]) {
    this.live = peers;
    this.reset();
  }

  get peersLeft(): number {
    return this.live.length;
  }

  /** The range starting at the next height to apply (requested now if it is not in flight). */
  next(): Promise<FetchedRange> {
    const from = this.state.height + 1n;
    if (!this.inflight.has(from)) this.reset();
    this.fill();
    const r = this.inflight.get(from)!;
    this.inflight.delete(from);
    if (this.window > 1) this.fill();
    return r;
  }

  /** A full range came: keep SYNC_WINDOW ranges in flight from now on. */
  widen(): void {
    this.window = SYNC_WINDOW;
    this.fill();
  }

  /** A peer that had nothing at the next height: not asked again this round. */
  drop(peer: string): void {
    this.live = this.live.filter((p) => p !== peer);
    this.reset();
  }

  /** Forgets what is in flight (their answers are ignored) and requests again from the next height to apply. */
  reset(): void {
    this.inflight.clear();
    this.gen++;
    this.ahead = this.state.height + 1n;
    this.lastBeacon = Promise.resolve(this.state.beacon);
  }

  private fill(): void {
    while (this.inflight.size < this.window && this.live.length > 0) {
      const from = this.ahead;
      this.ahead += BigInt(SYNC_BATCH);
      const peer = this.live[this.rr++ % this.live.length]!;
      const fetched = fetchBlocks(this.p2p, peer, from, SYNC_BATCH, { timeoutMs: 5000 }).then(
        (raw) => decodeRange(raw), () => ({ items: [] as SyncItem[] }));
      const prev = this.lastBeacon;
      const gen = this.gen;
      this.lastBeacon = fetched.then((f) => f.items.at(-1)?.block.header.beacon);
      const checked = Promise.all([fetched, prev]).then(([f, b]) => {
        if (b === undefined || gen !== this.gen || f.items.length < SYNC_BATCH) return undefined;
        return this.pool.verify(beaconChecks(this.state, f.items, b));
      });
      this.inflight.set(from, fetched.then((f) => ({ from, peer, ...f, beaconsChecked: checked })));
    }
  }
}

function decodeRange(raw: Uint8Array[]): { items: SyncItem[]; malformed?: string } {
  const items: SyncItem[] = [];
  try {
    for (const item of raw) {
      const [blockBytes, commitBytes] = decodeCanonical(item, 'synced block') as [Uint8Array, Uint8Array];
      const block = decodeBlock(blockBytes);
      items.push({ block, hash: blockHash(block.header), commit: decodeCommit(commitBytes), commitBytes });
    }
    return { items };
  } catch (e) {
    return { items, malformed: errorMessage(e) };
  }
}

/**
 * What each block's beacon check will be, with the proposer's key as the current state knows it
 * (a key that changes before the block is applied only means the check is redone there).
 */
function beaconChecks(state: ChainState, items: SyncItem[], prevBeacon: Uint8Array): BeaconCheck[] {
  const out: BeaconCheck[] = [];
  let prev = prevBeacon;
  for (const { block } of items) {
    const v = state.getValidator(block.header.proposer);
    if (v) out.push({ blsKey: v.blsKey, chainId: state.chainId, height: block.header.height, prevBeacon: prev, signature: block.beaconSig });
    prev = block.header.beacon;
  }
  return out;
}
