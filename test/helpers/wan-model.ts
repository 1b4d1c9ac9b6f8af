// The parts of the simulated WAN that know nothing about consensus: a seeded integer PRNG, the
// event queue of virtual time, the peer overlay and gossipsub mesh, and the wire sizes of the
// framings the node uses (msgpack bin/array headers, the request/response varints).

/** Deterministic 32-bit PRNG (mulberry32), integer arithmetic only: the same seed gives the same run. */
export class Prng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + (this.next() % (hi - lo + 1));
  }
  /** True with probability perMyriad / 10000. */
  chance(perMyriad: number): boolean {
    return this.next() % 10_000 < perMyriad;
  }
}

interface Ev { t: number; s: number; run: () => void }

/** Min-heap of events by (virtual time in µs, insertion order): ties run in the order they were scheduled. */
export class EventQueue {
  private heap: Ev[] = [];
  private seq = 0;
  now = 0;
  processed = 0;

  at(t: number, run: () => void): void {
    const h = this.heap;
    h.push({ t, s: this.seq++, run });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  /** Runs events in time order while `more()` holds and the next event is not later than `untilUs`. */
  runWhile(more: () => boolean, untilUs: number): void {
    const h = this.heap;
    while (h.length > 0 && more()) {
      const top = h[0]!;
      if (top.t > untilUs) break;
      const last = h.pop()!;
      if (h.length > 0) {
        h[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1, r = l + 1;
          let m = i;
          if (l < h.length && less(h[l]!, h[m]!)) m = l;
          if (r < h.length && less(h[r]!, h[m]!)) m = r;
          if (m === i) break;
          [h[m], h[i]] = [h[i]!, h[m]!];
          i = m;
        }
      }
      this.now = top.t;
      this.processed++;
      top.run();
    }
  }
}

const less = (a: Ev, b: Ev) => a.t < b.t || (a.t === b.t && a.s < b.s);

/**
 * Who is connected to whom, and each node's gossipsub mesh, among the live nodes. Every node opens
 * connections up to `maxConnections` (the node's connection manager limit); the mesh takes `d` of
 * them (grafts are symmetric, a node accepts up to `dHigh`). Returns adjacency lists by node index.
 */
export function buildOverlay(live: number[], rng: Prng, maxConnections: number, d: number, dHigh: number): { peers: number[][]; mesh: number[][] } {
  const n = Math.max(0, ...live) + 1;
  const peers: Array<Set<number>> = Array.from({ length: n }, () => new Set());
  const mesh: Array<Set<number>> = Array.from({ length: n }, () => new Set());
  const k = Math.min(live.length - 1, maxConnections);
  for (const a of live) {
    const candidates = () => live.filter((b) => b !== a && !peers[a]!.has(b) && peers[b]!.size < k);
    for (let c = candidates(); peers[a]!.size < k && c.length > 0; c = candidates()) {
      const b = c[rng.int(0, c.length - 1)]!;
      peers[a]!.add(b); peers[b]!.add(a);
    }
  }
  for (const a of live) {
    const candidates = () => [...peers[a]!].filter((b) => !mesh[a]!.has(b) && mesh[b]!.size < dHigh);
    for (let c = candidates(); mesh[a]!.size < d && c.length > 0; c = candidates()) {
      const b = c[rng.int(0, c.length - 1)]!;
      mesh[a]!.add(b); mesh[b]!.add(a);
    }
  }
  const sorted = (s: Set<number>) => [...s].sort((x, y) => x - y);
  return { peers: peers.map(sorted), mesh: mesh.map(sorted) };
}

/** Bytes of a msgpack bin (byte string) of `len` bytes, header included. */
export const binBytes = (len: number): number => len + (len < 0x100 ? 2 : len < 0x10000 ? 3 : 5);
/** Bytes of a msgpack array header for `count` elements. */
export const arrayHeaderBytes = (count: number): number => (count < 16 ? 1 : count < 0x10000 ? 3 : 5);
/** Bytes of an unsigned LEB128 varint (the request/response framing of node/p2p). */
export function varintBytes(v: number | bigint): number {
  let x = BigInt(v), b = 1;
  while (x >= 0x80n) { x >>= 7n; b++; }
  return b;
}
/** A request/response frame: [varint len][status byte][body]. */
export const responseFrameBytes = (body: number): number => varintBytes(body + 1) + 1 + body;

/** Gossip of proposals and of votes (first copies, relays and duplicates), block sync, catch-up. */
export type Traffic = 'proposal' | 'vote' | 'sync' | 'catchup';
export const TRAFFIC: readonly Traffic[] = ['proposal', 'vote', 'sync', 'catchup'];
export interface Counter { msgs: number; bytes: number }
/** `lost`: this node's transmissions the link dropped; `duplicates`: gossip copies it received after the first. */
export interface NodeTraffic { sent: Record<Traffic, Counter>; received: Record<Traffic, Counter>; lost: number; duplicates: number }

export function emptyTraffic(): NodeTraffic {
  const c = () => Object.fromEntries(TRAFFIC.map((k) => [k, { msgs: 0, bytes: 0 }])) as Record<Traffic, Counter>;
  return { sent: c(), received: c(), lost: 0, duplicates: 0 };
}
