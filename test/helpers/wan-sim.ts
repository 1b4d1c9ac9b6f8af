/**
 * The real consensus engine (consensus/ ConsensusState, ed25519 votes, the real codec) on a simulated
 * WAN in virtual time: N validators, per-link latency, jitter, loss and uplink bandwidth, and the
 * node's two ways of getting messages around, as node/bft and node/p2p do them:
 *   - gossipsub (node/p2p/config.ts): a node publishes its own proposal/vote to every connected peer
 *     (floodPublish), each node relays a message it sees for the first time to its mesh peers (D = 6)
 *     except the one it came from, and drops copies it has seen (content-addressed ids). The overlay
 *     has at most `maxConnections` (50) connections per node. IHAVE/IWANT lazy gossip is not modelled.
 *   - the block-sync loop (node/bft/block-sync.ts, catchup.ts): every 500 ms, unless a pass is still
 *     running, ask the peers one after another for the blocks after the last committed one (up to
 *     32, each with its commit, checked with verifyCommit), and then, if nothing was committed for
 *     more than 1 s, ask the peers one after another for the proposals and votes they hold for the
 *     height in progress (catch-up). Requests time out after 5 s (sync) and 2 s (catch-up).
 * Timeouts are the engine's own TimeoutConfig in virtual time; after a commit the next height starts
 * after commitWaitMs (the node's block interval). The BLS beacon is off (its cost is per block, not per
 * validator). Pure: no clock, no timers, no IO, seeded PRNG; the caller measures wall time.
 */
import {
  ConsensusState, GuardedSigner, DEV_TIMEOUTS, advanceHeight, makeValidatorSet, encodeVote, encodeProposal, encodeCommit, verifyCommit,
  type Commit, type ConsensusEffect, type ConsensusEvent, type Proposal, type TimeoutConfig, type ValidatorSet, type Vote,
} from '../../consensus/index.ts';
import { encode } from '../../vm/index.ts';
import { addressFromPublicKey, bytesToHex, publicKeyFromSeed, sha256 } from '../../primitives/index.ts';
import { WAN_CHAIN, WanBlocks } from './wan-blocks.ts';
import { EventQueue, Prng, buildOverlay, binBytes, arrayHeaderBytes, varintBytes, responseFrameBytes, emptyTraffic, type NodeTraffic, type Traffic } from './wan-model.ts';

export { WAN_CHAIN, transferBytes } from './wan-blocks.ts';

export interface WanOptions {
  validators: number;
  /** The first `silent` validators never come up (offline: no messages, not in anyone's peer list). */
  silent?: number;
  /** Stop once every live validator has committed this height. */
  heights: number;
  seed?: number;
  /** Per-link one-way latency, uniform in [min, max] ms, drawn once per pair (symmetric). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Per-message extra delay, uniform in [0, jitterMs] ms (a link stays FIFO, as over TCP). */
  jitterMs?: number;
  /** Each transmission is lost with this probability, in 1/10000 (100 = 1%). */
  lossPerMyriad?: number;
  /** Each node's upload bandwidth: messages leave one after another. */
  uplinkMbps?: number;
  timeouts?: TimeoutConfig;
  commitWaitMs?: number;
  /** Transfers per block. */
  blockTxs?: number;
  /**
   * Gossip proposals in compact form, as the node does (node/bft/compact-proposal.ts): the block's
   * transactions travel as 32-byte hashes, every validator is taken to hold them already (they
   * reached it on the tx topic, which costs the same bytes either way and is not modelled here).
   * Catch-up and block sync still carry whole blocks. Default true; false: the whole block.
   */
  compactProposals?: boolean;
  maxConnections?: number;
  meshD?: number;
  /** Bound on virtual time (default: 30 s per height). */
  limitMs?: number;
}

interface Decided { height: bigint; round: number; hash: string; block: Uint8Array; commit: Commit }

interface WanNode {
  index: number;
  seed: Uint8Array;
  address: Uint8Array;
  live: boolean;
  engine: ConsensusState;
  committed: bigint;
  commits: Map<bigint, Decided>;
  lastProgressUs: number;
  uplinkFreeUs: number;
  seen: Set<number>;
  traffic: NodeTraffic;
  loop: { running: boolean; phase: 'sync' | 'catchup'; peer: number; req: number };
}

const SYNC_BATCH = 32;
const TICK_US = 500_000;
const STALL_US = 1_000_000;
const SYNC_TIMEOUT_US = 5_000_000;
const CATCHUP_TIMEOUT_US = 2_000_000;
const DRAIN_US = 3_000_000;

export class WanSim {
  readonly opts: Required<Omit<WanOptions, 'timeouts'>> & { timeouts: TimeoutConfig };
  readonly nodes: WanNode[];
  readonly live: number[];
  readonly peers: number[][];
  readonly mesh: number[][];
  readonly q = new EventQueue();
  /** Every (height, hash) pair two live validators committed differently. */
  readonly forks: string[] = [];
  /** Called when the first validator commits a height (progress display). */
  onHeight: ((height: bigint) => void) | null = null;
  private readonly rng: Prng;
  private readonly latencyUs: Int32Array;
  private readonly lastArrival: Float64Array;
  private readonly sets: ValidatorSet[] = [];
  private readonly decided = new Map<bigint, string>();
  private readonly blocks: WanBlocks;
  private readonly sizes = new WeakMap<object, number>();
  /** Virtual time when every live validator had committed the last height (or the bound passed). */
  doneAtUs = 0;
  private draining = false;
  private msgId = 0;
  private reqId = 0;
  private done = 0;

  constructor(o: WanOptions) {
    this.opts = {
      silent: 0, seed: 1, minDelayMs: 50, maxDelayMs: 200, jitterMs: 20, lossPerMyriad: 100, uplinkMbps: 1000,
      commitWaitMs: 500, blockTxs: 2000, compactProposals: true, maxConnections: 50, meshD: 6, limitMs: o.heights * 30_000, ...o, timeouts: o.timeouts ?? DEV_TIMEOUTS,
    };
    const n = o.validators;
    this.rng = new Prng(this.opts.seed);
    this.blocks = new WanBlocks(this.opts.blockTxs);
    const keys = Array.from({ length: n }, (_, i) => {
      const seed = sha256(new TextEncoder().encode(`wan-validator-${i}`));
      const pk = publicKeyFromSeed(seed);
      return { seed, publicKey: pk, address: addressFromPublicKey(pk) };
    });
    this.sets[1] = makeValidatorSet(keys.map((k) => ({ address: k.address, consensusKey: k.publicKey, power: 10n })));
    this.nodes = keys.map((k, index) => {
      const node = {
        index, seed: k.seed, address: k.address, live: index >= this.opts.silent, committed: 0n, commits: new Map(), lastProgressUs: 0,
        uplinkFreeUs: 0, seen: new Set(), traffic: emptyTraffic(), loop: { running: false, phase: 'sync', peer: 0, req: 0 },
      } as unknown as WanNode;
      node.engine = new ConsensusState({ chainId: WAN_CHAIN, signer: new GuardedSigner(k.seed), timeouts: this.opts.timeouts, app: this.blocks.app(k.address, (h) => node.commits.get(h)?.commit, (h) => this.setAt(h)) });
      return node;
    });
    this.live = this.nodes.filter((x) => x.live).map((x) => x.index);
    this.latencyUs = new Int32Array(n * n);
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) {
      const d = this.rng.int(this.opts.minDelayMs, this.opts.maxDelayMs) * 1000;
      this.latencyUs[a * n + b] = d; this.latencyUs[b * n + a] = d;
    }
    this.lastArrival = new Float64Array(n * n);
    ({ peers: this.peers, mesh: this.mesh } = buildOverlay(this.live, this.rng, this.opts.maxConnections, this.opts.meshD, 2 * this.opts.meshD));
  }

  setAt(h: bigint): ValidatorSet {
    const i = Number(h);
    for (let k = this.sets.length; k <= i; k++) this.sets[k] = advanceHeight(this.sets[k - 1]!);
    return this.sets[i]!;
  }

  /** Runs until every live validator committed `heights` or the virtual time bound passes; true if all committed. */
  run(): boolean {
    for (const i of this.live) {
      const node = this.nodes[i]!;
      this.feed(node, { type: 'startHeight', height: 1n, validatorSet: this.setAt(1n) });
      this.q.at(this.rng.int(0, TICK_US - 1), () => this.tick(node));
    }
    this.q.runWhile(() => this.done < this.live.length, this.opts.limitMs * 1000);
    this.doneAtUs = this.q.now;
    if (this.done < this.live.length) return false;
    // let the messages in flight arrive (no new sync passes), so that the counts per height are whole
    this.draining = true;
    this.q.runWhile(() => true, this.q.now + DRAIN_US);
    return true;
  }

  /** Encoded size of a vote or proposal (the real codec), computed once per message. */
  size(m: Vote | Proposal): number {
    let s = this.sizes.get(m);
    if (s === undefined) {
      s = 'type' in m ? encodeVote(m).length : encodeProposal(m).length;
      this.sizes.set(m, s);
    }
    return s;
  }

  /**
   * The compact proposal's size: [height, round, polRound, blockHash, skeleton, txHashes, proposer,
   * signature], the skeleton being the block with an empty transfer list and txHashes 32 bytes per transfer.
   */
  compactSize(p: Proposal): number {
    const skeleton = p.block.length - binBytes(this.blocks.payloadBytes) + binBytes(0);
    return this.size(p) - binBytes(p.block.length) + binBytes(skeleton) + binBytes(32 * this.opts.blockTxs);
  }

  private commitSize(c: Commit): number {
    let s = this.sizes.get(c);
    if (s === undefined) { s = encodeCommit(c).length; this.sizes.set(c, s); }
    return s;
  }

  // ---- the engine and its effects --------------------------------------------------------------

  private feed(node: WanNode, ev: ConsensusEvent): void {
    for (const e of node.engine.handle(ev)) this.effect(node, e);
  }

  private effect(node: WanNode, e: ConsensusEffect): void {
    switch (e.type) {
      case 'broadcastProposal': return this.publish(node, { type: 'proposal', proposal: e.proposal }, this.opts.compactProposals ? this.compactSize(e.proposal) : this.size(e.proposal));
      case 'broadcastVote': return this.publish(node, { type: 'vote', vote: e.vote }, this.size(e.vote));
      case 'scheduleTimeout':
        return this.q.at(this.q.now + e.durationMs * 1000, () => this.feed(node, { type: 'timeout', height: e.height, round: e.round, step: e.step }));
      case 'commitBlock': return this.commitDecided(node, { height: e.height, round: e.round, hash: bytesToHex(e.blockHash), block: e.block, commit: e.commit });
      default: return; // missingBlock: the node leaves it to the catch-up poll; the rest is diagnostics
    }
  }

  private commitDecided(node: WanNode, d: Decided): void {
    const mine = node.commits.get(d.height);
    if (mine) {
      if (mine.hash !== d.hash) this.forks.push(`node ${node.index} height ${d.height}: ${mine.hash} then ${d.hash}`);
      return;
    }
    if (d.height !== node.committed + 1n) return;
    const agreed = this.decided.get(d.height);
    if (agreed === undefined) { this.decided.set(d.height, d.hash); this.onHeight?.(d.height); }
    else if (agreed !== d.hash) this.forks.push(`height ${d.height}: ${agreed} vs ${d.hash} (node ${node.index})`);
    node.commits.set(d.height, d);
    node.committed = d.height;
    node.lastProgressUs = this.q.now;
    if (d.height === BigInt(this.opts.heights)) this.done++;
    else this.q.at(this.q.now + this.opts.commitWaitMs * 1000, () => {
      const next = node.committed + 1n; // the node's nextHeight(): after what it has committed, however it got there
      if (next > node.engine.height) this.feed(node, { type: 'startHeight', height: next, validatorSet: this.setAt(next) });
    });
  }

  // ---- the network -----------------------------------------------------------------------------

  /** One transmission on the link from -> to: uplink serialisation, latency, jitter, loss, FIFO per link. */
  private send(from: number, to: number, kind: Traffic, bytes: number, arrive: () => void): void {
    const a = this.nodes[from]!;
    a.traffic.sent[kind].msgs++;
    a.traffic.sent[kind].bytes += bytes;
    const start = Math.max(this.q.now, a.uplinkFreeUs);
    a.uplinkFreeUs = start + Math.ceil((bytes * 8) / this.opts.uplinkMbps);
    if (this.rng.chance(this.opts.lossPerMyriad)) { a.traffic.lost++; return; }
    const n = this.nodes.length;
    let t = a.uplinkFreeUs + this.latencyUs[from * n + to]! + this.rng.int(0, this.opts.jitterMs * 1000);
    if (t < this.lastArrival[from * n + to]!) t = this.lastArrival[from * n + to]!;
    this.lastArrival[from * n + to] = t;
    this.q.at(t, () => {
      const b = this.nodes[to]!;
      if (!b.live) return;
      b.traffic.received[kind].msgs++;
      b.traffic.received[kind].bytes += bytes;
      arrive();
    });
  }

  /** floodPublish: the author sends its own message to every connected peer. */
  private publish(node: WanNode, ev: ConsensusEvent, bytes: number): void {
    const id = ++this.msgId;
    node.seen.add(id);
    for (const p of this.peers[node.index]!) this.send(node.index, p, ev.type as Traffic, bytes, () => this.onGossip(p, node.index, id, ev, bytes));
  }

  /** First sight: hand it to the engine and relay it to the mesh; a copy already seen is dropped. */
  private onGossip(to: number, from: number, id: number, ev: ConsensusEvent, bytes: number): void {
    const node = this.nodes[to]!;
    if (node.seen.has(id)) { node.traffic.duplicates++; return; }
    node.seen.add(id);
    this.feed(node, ev);
    for (const m of this.mesh[to]!) if (m !== from) this.send(to, m, ev.type as Traffic, bytes, () => this.onGossip(m, to, id, ev, bytes));
  }

  // ---- block sync and catch-up (node/bft/block-sync.ts) ----------------------------------------

  private tick(node: WanNode): void {
    if (this.draining) return;
    this.q.at(this.q.now + TICK_US, () => this.tick(node));
    if (node.loop.running) return;
    node.loop = { running: true, phase: 'sync', peer: 0, req: 0 };
    this.step(node);
  }

  /** The next request of the pass in progress: one peer at a time, as the node's loop awaits each. */
  private step(node: WanNode): void {
    const peers = this.peers[node.index]!;
    const loop = node.loop;
    if (loop.phase === 'sync' && loop.peer >= peers.length) {
      if (this.q.now - node.lastProgressUs <= STALL_US) { loop.running = false; return; }
      loop.phase = 'catchup';
      loop.peer = 0;
    }
    if (loop.peer >= peers.length) { loop.running = false; return; }
    const p = peers[loop.peer]!;
    const req = (loop.req = ++this.reqId);
    const timeout = loop.phase === 'sync' ? SYNC_TIMEOUT_US : CATCHUP_TIMEOUT_US;
    this.q.at(this.q.now + timeout, () => {
      if (node.loop.req !== req) return;
      node.loop.req = 0;
      node.loop.peer++;
      this.step(node);
    });
    if (loop.phase === 'sync') {
      const from = node.committed + 1n;
      this.send(node.index, p, 'sync', varintBytes(from) + varintBytes(SYNC_BATCH), () => this.serveSync(p, node.index, req, from));
    } else {
      const height = node.engine.height;
      this.send(node.index, p, 'catchup', encode([height]).length, () => this.serveCatchup(p, node.index, req, height));
    }
  }

  private serveSync(server: number, client: number, req: number, from: bigint): void {
    const srv = this.nodes[server]!;
    const items: Decided[] = [];
    for (let h = from; h < from + BigInt(SYNC_BATCH) && h <= srv.committed; h++) items.push(srv.commits.get(h)!);
    // items = [encode([block, commit])...], each length-prefixed, after a count
    let body = varintBytes(items.length);
    for (const d of items) { const len = 1 + binBytes(d.block.length) + binBytes(this.commitSize(d.commit)); body += varintBytes(len) + len; }
    this.send(server, client, 'sync', responseFrameBytes(body), () => this.onSynced(this.nodes[client]!, req, items));
  }

  private onSynced(node: WanNode, req: number, items: Decided[]): void {
    if (node.loop.req !== req) return; // timed out already
    node.loop.req = 0;
    if (items.length === 0) node.loop.peer++;
    for (const d of items) {
      if (d.height !== node.committed + 1n) continue;
      try {
        verifyCommit(WAN_CHAIN, this.setAt(d.height), d.commit, { height: d.height, blockHash: this.blocks.hashOf(d.block) });
      } catch {
        node.loop.peer++;
        break;
      }
      this.commitDecided(node, d);
    }
    this.step(node);
  }

  private serveCatchup(server: number, client: number, req: number, height: bigint): void {
    const srv = this.nodes[server]!;
    const same = srv.engine.height === height;
    const props = same ? srv.engine.heldProposals() : [];
    const votes = same ? srv.engine.heldVotes() : [];
    let body = 1 + arrayHeaderBytes(props.length) + arrayHeaderBytes(votes.length);
    for (const p of props) body += binBytes(this.size(p));
    for (const v of votes) body += binBytes(this.size(v));
    this.send(server, client, 'catchup', responseFrameBytes(body), () => {
      const node = this.nodes[client]!;
      if (node.loop.req !== req) return;
      node.loop.req = 0;
      for (const p of props) this.feed(node, { type: 'proposal', proposal: p });
      for (const v of votes) this.feed(node, { type: 'vote', vote: v });
      node.loop.peer++;
      this.step(node);
    });
  }
}
