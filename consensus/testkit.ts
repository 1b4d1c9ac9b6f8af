/**
 * Deterministic in-memory network for scenario tests: N simulated validators, a FIFO message queue,
 * link filters, nodes that go down and come back, and timers that fire only when the test says so.
 * Test support only (not exported from index.ts); pure like the rest of consensus/.
 */
import { decodeCanonical, encode } from '../vm/index.ts';
import { ConsensusState, type ConsensusApp } from './state.ts';
import type { ConsensusEffect, ConsensusEvent } from './events.ts';
import type { Commit, Proposal, Vote } from './types.ts';
import { GuardedSigner } from './signer.ts';
import { advanceHeight, makeValidatorSet, proposer, type ValidatorSet } from './validator-set.ts';
import { signVote } from './vote.ts';
import { signProposal } from './proposal.ts';
import type { VoteType } from './types.ts';
import { decodeCommit, encodeCommit, verifyCommit } from './commit.ts';
import type { TimeoutConfig } from './timeouts.ts';
import { beaconSign, blsPublicKey, blsSecretFromSeed, genesisBeacon, nextBeacon, verifyBlockBeacon } from './beacon.ts';
import { addressFromPublicKey, bytesToHex, equalBytes, publicKeyFromSeed, sha256 } from '../primitives/index.ts';

export const SIM_CHAIN = 'polchain-sim';

export interface Key { seed: Uint8Array; publicKey: Uint8Array; address: Uint8Array }

export function simKey(i: number): Key {
  const seed = sha256(new TextEncoder().encode(`sim-validator-${i}`));
  const publicKey = publicKeyFromSeed(seed);
  return { seed, publicKey, address: addressFromPublicKey(publicKey) };
}

/** Test block: [tag, height, round, proposer, lastCommit bytes | nil, beacon signature | nil]; its hash is sha256(bytes). */
export function simBlock(height: bigint, round: number, proposer: Uint8Array, lastCommit: Uint8Array | null, beacon: Uint8Array | null = null): Uint8Array {
  return encode(['polchain/sim-block', height, round, proposer, lastCommit, beacon]);
}

export function readSimBlock(b: Uint8Array): { height: bigint; round: number; proposer: Uint8Array; lastCommit: Uint8Array | null; beacon: Uint8Array | null } {
  const v = decodeCanonical(b) as [string, bigint, number, Uint8Array, Uint8Array | null, Uint8Array | null];
  return { height: v[1], round: v[2], proposer: v[3], lastCommit: v[4], beacon: v[5] };
}

export interface SimCommit { height: bigint; round: number; blockHash: string; block: Uint8Array; commit: Commit }

export interface SimNode {
  index: number;
  key: Key;
  state: ConsensusState;
  signer: GuardedSigner;
  up: boolean;
  commits: Map<bigint, SimCommit>;
  timers: Array<{ height: bigint; round: number; step: 'propose' | 'prevote' | 'precommit'; durationMs: number }>;
  scheduled: Array<{ height: bigint; round: number; step: string; durationMs: number }>;
  effects: ConsensusEffect[];
  /** Every event fed to the node, in order (what the node's consensus WAL holds). */
  wal: ConsensusEvent[];
  /** beacon(h) of every committed height (0: genesis beacon), when SimOptions.beacon is set. */
  beacons: Map<bigint, Uint8Array>;
  blsSecret: Uint8Array | null;
}

type Msg = { from: number; to: number; ev: ConsensusEvent; relayed?: boolean };

export interface SimOptions {
  powers: bigint[];
  timeouts?: TimeoutConfig;
  /** Stop starting new heights after this one is committed. */
  maxHeight?: bigint;
  /** Blocks for which validateBlock says false (hex of sha256(block)). */
  invalid?: Set<string>;
  /** Blocks carry a BLS beacon that validateBlock verifies (slow: ~0.3 s per BLS operation). */
  beacon?: boolean;
  /** This node signs its beacons over the wrong height (a faulty proposer). */
  badBeaconNode?: number;
}

export class SimNet {
  readonly nodes: SimNode[];
  readonly genesis: ValidatorSet;
  private readonly sets = new Map<bigint, ValidatorSet>();
  private queue: Msg[] = [];
  /** Every broadcast, for catch-up gossip to a node that comes back. */
  private readonly log: Array<{ from: number; ev: ConsensusEvent }> = [];
  /** Return true to drop a message on the link from -> to. */
  drop: (from: number, to: number, ev: ConsensusEvent) => boolean = () => false;
  /** Rewrites a message on the link from -> to (a byzantine sender); runs after drop. */
  transform: ((from: number, to: number, ev: ConsensusEvent) => ConsensusEvent) | null = null;
  /** Chooses which queued message is delivered next (default: the oldest). */
  pick: ((queued: number) => number) | null = null;
  readonly maxHeight: bigint;
  readonly invalid: Set<string>;
  delivered = 0;

  constructor(readonly opts: SimOptions) {
    const keys = opts.powers.map((_, i) => simKey(i));
    this.genesis = makeValidatorSet(keys.map((k, i) => ({
      address: k.address, consensusKey: k.publicKey, power: opts.powers[i]!, blsKey: opts.beacon ? blsPublicKey(blsSecretFromSeed(k.seed)) : null,
    })));
    this.sets.set(1n, this.genesis);
    this.maxHeight = opts.maxHeight ?? 1n;
    this.invalid = opts.invalid ?? new Set();
    this.nodes = keys.map((key, index) => {
      const node = { index, key, up: true, commits: new Map(), timers: [], scheduled: [], effects: [], wal: [], beacons: new Map([[0n, genesisBeacon(SIM_CHAIN)]]), blsSecret: opts.beacon ? blsSecretFromSeed(key.seed) : null } as unknown as SimNode;
      node.signer = new GuardedSigner(key.seed);
      node.state = new ConsensusState({ chainId: SIM_CHAIN, app: this.app(node), signer: node.signer, timeouts: opts.timeouts });
      return node;
    });
  }

  setAt(h: bigint): ValidatorSet {
    let s = this.sets.get(h);
    if (!s) {
      s = advanceHeight(this.setAt(h - 1n));
      this.sets.set(h, s);
    }
    return s;
  }

  /** Index of a validator by address. */
  indexOf(address: Uint8Array): number {
    return this.nodes.findIndex((n) => equalBytes(n.key.address, address));
  }

  private app(node: SimNode): ConsensusApp {
    return {
      buildBlock: (height, round) => simBlock(height, round, node.key.address, height > 1n ? encodeCommit(node.commits.get(height - 1n)!.commit) : null,
        node.blsSecret ? beaconSign(node.blsSecret, SIM_CHAIN, node.index === this.opts.badBeaconNode ? height + 1n : height, node.beacons.get(height - 1n)!) : null),
      hashBlock: (b) => sha256(b),
      validateBlock: (height, b) => {
        if (this.invalid.has(bytesToHex(sha256(b)))) return false;
        const blk = readSimBlock(b);
        if (blk.height !== height) return false;
        if (this.opts.beacon) verifyBlockBeacon(this.setAt(height), blk.proposer, SIM_CHAIN, height, node.beacons.get(height - 1n)!, blk.beacon ?? new Uint8Array(0));
        if (height === 1n) return blk.lastCommit === null;
        // The last commit carried in the block must prove the block this node committed at height - 1.
        const prev = node.commits.get(height - 1n);
        if (!prev || blk.lastCommit === null) return false;
        verifyCommit(SIM_CHAIN, this.setAt(height - 1n), decodeCommit(blk.lastCommit), { height: height - 1n, blockHash: prev.commit.blockHash });
        return true;
      },
    };
  }

  start(): void {
    for (const n of this.nodes) this.input(n.index, { type: 'startHeight', height: 1n, validatorSet: this.setAt(1n) });
    this.run();
  }

  /** Feeds one event to a node (if up) and routes its effects. */
  input(i: number, ev: ConsensusEvent): ConsensusEffect[] {
    const node = this.nodes[i]!;
    if (!node.up) return [];
    node.wal.push(ev);
    const effects = node.state.handle(ev);
    node.effects.push(...effects);
    for (const e of effects) this.route(node, e);
    return effects;
  }

  private route(node: SimNode, e: ConsensusEffect): void {
    switch (e.type) {
      case 'broadcastProposal':
      case 'broadcastVote': {
        const ev: ConsensusEvent = e.type === 'broadcastVote' ? { type: 'vote', vote: e.vote } : { type: 'proposal', proposal: e.proposal };
        this.log.push({ from: node.index, ev });
        for (const other of this.nodes) if (other.index !== node.index) this.queue.push({ from: node.index, to: other.index, ev });
        break;
      }
      case 'missingBlock': {
        // block sync: any node that has seen a proposal with this block serves it
        const k = bytesToHex(e.blockHash);
        const found = this.log.find((m) => m.ev.type === 'proposal' && bytesToHex(m.ev.proposal.blockHash) === k);
        if (found && found.ev.type === 'proposal') this.queue.push({ from: node.index, to: node.index, ev: { type: 'block', height: e.height, block: found.ev.proposal.block } });
        break;
      }
      case 'scheduleTimeout':
        node.timers.push({ height: e.height, round: e.round, step: e.step, durationMs: e.durationMs });
        node.scheduled.push({ height: e.height, round: e.round, step: e.step, durationMs: e.durationMs });
        break;
      case 'commitBlock':
        node.commits.set(e.height, { height: e.height, round: e.round, blockHash: bytesToHex(e.blockHash), block: e.block, commit: e.commit });
        if (this.opts.beacon) node.beacons.set(e.height, nextBeacon(node.beacons.get(e.height - 1n)!, readSimBlock(e.block).beacon!));
        node.timers = [];
        if (e.height < this.maxHeight) this.queue.push({ from: node.index, to: node.index, ev: { type: 'startHeight', height: e.height + 1n, validatorSet: this.setAt(e.height + 1n) } });
        break;
      default:
        break;
    }
  }

  /** Delivers queued messages until the queue is empty. */
  run(maxSteps = 100_000): void {
    let steps = 0;
    while (this.queue.length > 0) {
      if (++steps > maxSteps) throw new Error('SimNet.run: too many steps');
      const m = this.pick ? this.queue.splice(this.pick(this.queue.length), 1)[0]! : this.queue.shift()!;
      if (m.from !== m.to && (!this.nodes[m.from]!.up || this.drop(m.from, m.to, m.ev))) continue;
      this.delivered++;
      this.input(m.to, m.from !== m.to && !m.relayed && this.transform ? this.transform(m.from, m.to, m.ev) : m.ev);
    }
  }

  /** Fires every pending timer of every up node (in node order), then delivers. Returns how many fired. */
  fireTimeouts(): number {
    let fired = 0;
    for (const n of this.nodes) {
      if (!n.up) continue;
      const ts = n.timers;
      n.timers = [];
      for (const t of ts) { fired++; this.input(n.index, { type: 'timeout', height: t.height, round: t.round, step: t.step }); }
    }
    this.run();
    return fired;
  }

  /** Runs and fires timeouts until `done` holds or `maxFires` rounds of timers passed. */
  runUntil(done: () => boolean, maxFires = 50): boolean {
    this.run();
    for (let i = 0; i < maxFires && !done(); i++) this.fireTimeouts();
    return done();
  }

  /** Starts `height` on every up node (used with maxHeight to stop between heights). */
  startHeight(height: bigint): void {
    for (const n of this.nodes) this.input(n.index, { type: 'startHeight', height, validatorSet: this.setAt(height) });
    this.run();
  }

  /** Gossip's eventual delivery: re-sends every logged message of a height some node is still at. */
  regossip(): void {
    let min = -1n;
    for (const n of this.nodes) if (n.up && (min < 0n || n.state.height < min)) min = n.state.height;
    // maj23 claims: each node tells the others which blocks it saw +2/3 for
    for (const n of this.nodes) {
      if (!n.up) continue;
      for (const c of n.state.maj23Claims()) {
        for (const o of this.nodes) if (o.index !== n.index) this.queue.push({ from: n.index, to: o.index, ev: { type: 'maj23', ...c } });
      }
    }
    // block sync: a node still at a height another node decided gets that block with its commit
    for (const n of this.nodes) {
      if (!n.up || n.state.step === 'commit') continue;
      const peer = this.nodes.find((p) => p.commits.has(n.state.height));
      if (peer) {
        const c = peer.commits.get(n.state.height)!;
        this.queue.push({ from: peer.index, to: n.index, ev: { type: 'commit', commit: c.commit, block: c.block } });
      }
    }
    // votes as peers hold them (including what a byzantine link showed them), relayed to everyone
    for (const n of this.nodes) {
      if (!n.up) continue;
      for (const vote of n.state.heldVotes()) for (const o of this.nodes) if (o.index !== n.index) this.queue.push({ from: n.index, to: o.index, ev: { type: 'vote', vote }, relayed: true });
      for (const proposal of n.state.heldProposals()) for (const o of this.nodes) if (o.index !== n.index) this.queue.push({ from: n.index, to: o.index, ev: { type: 'proposal', proposal }, relayed: true });
    }
    for (const m of this.log) {
      const h = m.ev.type === 'vote' ? m.ev.vote.height : m.ev.type === 'proposal' ? m.ev.proposal.height : 0n;
      if (h < min) continue;
      // relayed by honest peers: what the sender really signed, not what a byzantine link showed
      for (const other of this.nodes) if (other.index !== m.from) this.queue.push({ from: m.from, to: other.index, ev: m.ev, relayed: true });
    }
    this.run();
  }

  /** Like runUntil, and re-gossips when nothing is pending (no message, no timer). */
  runUntilWithGossip(done: () => boolean, maxIterations = 200): boolean {
    this.run();
    for (let i = 0; i < maxIterations && !done(); i++) if (this.fireTimeouts() === 0 || i % 4 === 3) this.regossip();
    return done();
  }

  /**
   * Crash and restart node i: a fresh ConsensusState and a GuardedSigner loaded from the persisted
   * signing history; the WAL from the last startHeight on is replayed. Returns the replay's effects
   * (not routed: what a restarted node would re-send is already in the network).
   */
  restart(i: number): ConsensusEffect[] {
    const node = this.nodes[i]!;
    const wal = node.wal;
    let from = 0;
    for (let j = 0; j < wal.length; j++) if (wal[j]!.type === 'startHeight') from = j;
    node.signer = new GuardedSigner(node.key.seed, { history: node.signer.signedHistory });
    node.state = new ConsensusState({ chainId: SIM_CHAIN, app: this.app(node), signer: node.signer, timeouts: this.opts.timeouts });
    node.wal = wal.slice(from);
    node.timers = [];
    const out: ConsensusEffect[] = [];
    for (const ev of node.wal) out.push(...node.state.handle(ev));
    for (const e of out) if (e.type === 'scheduleTimeout') node.timers.push({ height: e.height, round: e.round, step: e.step, durationMs: e.durationMs });
    return out;
  }

  down(i: number): void {
    this.nodes[i]!.up = false;
  }

  /** Brings a node back and replays every message it missed for its current height (catch-up gossip). */
  back(i: number): void {
    const n = this.nodes[i]!;
    n.up = true;
    if (n.state.step === 'commit') this.input(i, { type: 'startHeight', height: n.state.height + 1n, validatorSet: this.setAt(n.state.height + 1n) });
    for (const m of this.log) if (m.from !== i) this.queue.push({ from: m.from, to: i, ev: m.ev });
    this.run();
  }

  /** Every committed (height -> block hash) agrees across nodes; returns the agreed map. */
  agreed(): Map<bigint, string> {
    const out = new Map<bigint, string>();
    for (const n of this.nodes) {
      for (const [h, c] of n.commits) {
        const prev = out.get(h);
        if (prev !== undefined && prev !== c.blockHash) throw new Error(`fork at height ${h}: ${prev} vs ${c.blockHash}`);
        out.set(h, c.blockHash);
      }
    }
    return out;
  }
}

export function votesOf(effects: ConsensusEffect[]): Vote[] {
  return effects.flatMap((e) => (e.type === 'broadcastVote' ? [e.vote] : []));
}

export function proposalsOf(effects: ConsensusEffect[]): Proposal[] {
  return effects.flatMap((e) => (e.type === 'broadcastProposal' ? [e.proposal] : []));
}

/**
 * One validator under test (the proposer of round 3 at height 1, so it proposes in none of rounds
 * 0..2) fed scripted proposals and votes signed with the other validators' keys.
 */
export function scripted(n = 4, invalid: Set<string> = new Set()) {
  const keys = Array.from({ length: n }, (_, i) => simKey(i));
  const set = makeValidatorSet(keys.map((k) => ({ address: k.address, consensusKey: k.publicKey, power: 10n })));
  const byAddr = (a: Uint8Array) => keys.find((k) => equalBytes(k.address, a))!;
  const P = (r: number) => byAddr(proposer(set, r).address);
  // the validator under test: the proposer of round 3, so it proposes in none of rounds 0..2
  const me = P(3);
  const others = keys.filter((k) => k !== me);
  const state = new ConsensusState({
    chainId: SIM_CHAIN,
    signer: new GuardedSigner(me.seed),
    app: { buildBlock: (h, r) => simBlock(h, r, me.address, null), hashBlock: (b) => sha256(b), validateBlock: (_h, b) => !invalid.has(bytesToHex(sha256(b))) },
  });
  const block = (tag: number) => simBlock(1n, 100 + tag, keys[0]!.address, null);
  const proposal = (round: number, blk: Uint8Array, polRound = -1) =>
    state.handle({ type: 'proposal', proposal: signProposal(SIM_CHAIN, { height: 1n, round, polRound, blockHash: sha256(blk), block: blk, proposer: P(round).address }, P(round).seed) });
  const vote = (from: Key, type: VoteType, round: number, blk: Uint8Array | null, height = 1n) =>
    state.handle({ type: 'vote', vote: signVote(SIM_CHAIN, { type, height, round, blockHash: blk ? sha256(blk) : null, validator: from.address }, from.seed) });
  const votes = (from: Key[], type: VoteType, round: number, blk: Uint8Array | null) => from.flatMap((k) => vote(k, type, round, blk));
  return { keys, set, me, others, state, P, block, proposal, vote, votes };
}

