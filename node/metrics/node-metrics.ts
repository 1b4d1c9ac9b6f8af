// The node's Prometheus metrics (prom-client), one registry per node so that nodes sharing a
// process (tests, the demo) never mix their numbers. Gauges read the node when scraped; the rest
// are fed by hooks the composition root (node/node.ts) hangs on the store, the WAL, the mempool
// and the RPC dispatcher. docs/operations.md lists every metric; docs/grafana-dashboard.json plots them.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the gauges read at scrape time; every field is a cheap in-memory lookup. */
export interface MetricSources {
  height(): bigint;
  consensus(): { engine: string; round?: number; syncing: boolean };
  peers(): number;
  mempool(): { size: number; bytes: number };
  /** null when the node does not verify */
  verifier(): { verified: number; unavailable: number; failed: number; disagreed: number; queued: number; running: string | null } | null;
  /** Compact proposals received and rebuilt from the mempool, or completed by fetching the full proposal; null without BFT. */
  compactProposals?(): { rebuilt: number; fetched: number } | null;
}

export const VERIFIER_OUTCOMES = ['verified', 'unavailable', 'failed', 'disagreed'] as const;

/**
 * Process and Node.js metrics (event-loop lag, memory, GC, handles) are the process's, not a node's,
 * and their collectors (an event-loop delay monitor, a GC observer) cannot be stopped: one registry
 * per process holds them, merged into every node's exposition.
 */
let processRegistry: Registry | undefined;
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

// Blocks come every blockIntervalMs (a second by default); rounds that fail stretch that.
const INTERVAL_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];
// An fsynced write: well under a millisecond on tmpfs, tens of milliseconds on a slow disk.
const IO_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const RPC_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly blockInterval: Histogram;
  private readonly txAdmitted: Counter;
  private readonly txRejected: Counter<'code'>;
  private readonly rpcRequests: Counter<'method' | 'code'>;
  private readonly rpcSeconds: Histogram<'method'>;
  private readonly storeWrite: Histogram;
  private readonly walAppend: Histogram;
  private lastBlockMs: bigint | undefined;
  private readonly rpcByMethod = new Map<string, { seconds: { observe(v: number): void }; byCode: Map<number, { inc(): void }> }>();

  constructor(src: MetricSources) {
    const registers = [this.registry];
    new Gauge({ name: 'polchain_head_height', help: 'Height of the last committed block', registers, collect() { this.set(Number(src.height())); } });
    new Gauge({ name: 'polchain_consensus_round', help: 'Current BFT round at the height being decided (0 for solo)', registers, collect() { this.set(src.consensus().round ?? 0); } });
    new Gauge({ name: 'polchain_syncing', help: '1 while blocks are downloaded from peers (block sync), else 0', registers, collect() { this.set(src.consensus().syncing ? 1 : 0); } });
    new Gauge({ name: 'polchain_peers', help: 'Connected libp2p peers', registers, collect() { this.set(src.peers()); } });
    new Gauge({ name: 'polchain_mempool_txs', help: 'Pending transactions in the mempool', registers, collect() { this.set(src.mempool().size); } });
    new Gauge({ name: 'polchain_mempool_bytes', help: 'Bytes of pending transactions in the mempool', registers, collect() { this.set(src.mempool().bytes); } });
    this.blockInterval = new Histogram({ name: 'polchain_block_interval_seconds', help: 'Time between consecutive committed blocks, by their header timestamps', buckets: INTERVAL_BUCKETS, registers });
    this.txAdmitted = new Counter({ name: 'polchain_tx_admitted_total', help: 'Transactions admitted to the mempool (RPC and gossip)', registers });
    this.txRejected = new Counter({ name: 'polchain_tx_rejected_total', help: 'Transactions refused by the mempool, by error code', labelNames: ['code'], registers });
    this.rpcRequests = new Counter({ name: 'polchain_rpc_requests_total', help: 'JSON-RPC calls by method and JSON-RPC error code (0: a result)', labelNames: ['method', 'code'], registers });
    this.rpcSeconds = new Histogram({ name: 'polchain_rpc_request_duration_seconds', help: 'JSON-RPC call handling time by method', labelNames: ['method'], buckets: RPC_BUCKETS, registers });
    this.storeWrite = new Histogram({ name: 'polchain_store_write_seconds', help: 'LevelDB batch writes (one fsynced batch per committed block)', buckets: IO_BUCKETS, registers });
    this.walAppend = new Histogram({ name: 'polchain_wal_append_seconds', help: 'Consensus WAL appends (write and fsync)', buckets: IO_BUCKETS, registers });
    new Counter({
      name: 'polchain_verifier_tasks_total', help: 'Committee verification tasks ended, by outcome', labelNames: ['outcome'], registers,
      collect() {
        const v = src.verifier();
        this.reset();
        if (v) for (const o of VERIFIER_OUTCOMES) this.inc({ outcome: o }, v[o]);
      },
    });
    new Counter({
      name: 'polchain_compact_proposals_total', help: 'Compact proposals received from peers, by how the block was completed: rebuilt from the mempool, or fetched whole from a peer', labelNames: ['outcome'], registers,
      collect() {
        const c = src.compactProposals?.();
        this.reset();
        if (c) { this.inc({ outcome: 'rebuilt' }, c.rebuilt); this.inc({ outcome: 'fetched' }, c.fetched); }
      },
    });
    new Gauge({
      name: 'polchain_verifier_tasks', help: 'Committee verification tasks waiting (queued) and running', labelNames: ['state'], registers,
      collect() {
        const v = src.verifier();
        this.reset();
        if (v) { this.set({ state: 'queued' }, v.queued); this.set({ state: 'running' }, v.running === null ? 0 : 1); }
      },
    });
  }

  /** A committed block's header timestamp (ms); the first one only sets the reference. */
  blockCommitted(timestampMs: bigint): void {
    if (this.lastBlockMs !== undefined && timestampMs >= this.lastBlockMs) this.blockInterval.observe(Number(timestampMs - this.lastBlockMs) / 1000);
    this.lastBlockMs = timestampMs;
  }

  /** A mempool admission: null when admitted, else the refusal's error code. */
  txAdmission(code: string | null): void {
    if (code === null) this.txAdmitted.inc();
    else this.txRejected.inc({ code });
  }

  /**
   * One JSON-RPC call. prom-client hashes a label object on every inc/observe; the labelled children
   * are kept per method (a bounded set: the dispatcher names unknown methods "(unknown)") and per
   * code, so a call costs two map lookups and no label hashing.
   */
  rpcCall(method: string, code: number, seconds: number): void {
    let m = this.rpcByMethod.get(method);
    if (!m) this.rpcByMethod.set(method, (m = { seconds: this.rpcSeconds.labels(method), byCode: new Map() }));
    let c = m.byCode.get(code);
    if (!c) m.byCode.set(code, (c = this.rpcRequests.labels(method, String(code))));
    c.inc();
    m.seconds.observe(seconds);
  }

  storeWriteSeconds(s: number): void {
    this.storeWrite.observe(s);
  }

  walAppendSeconds(s: number): void {
    this.walAppend.observe(s);
  }

  /** The exposition GET /metrics serves: this node's metrics and the process's (processMetrics). */
  readonly source = { contentType: this.registry.contentType as string, text: () => Registry.merge([this.registry, processMetrics()]).metrics() };
}
