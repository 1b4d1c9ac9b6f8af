import { join } from 'node:path';
import type { Logger } from 'pino';
import { type BlockResult, type ChainState, type Commit } from '../vm/index.ts';
import { genesisHash, type Genesis } from '../genesis/index.ts';
import { createRpcServer, TOPICS, type RpcServer } from '../rpc/index.ts';
import { ChainStore, checkHeadAgainstMarker, checkRecentChain, signedInRecentBlocks } from './storage/index.ts';
import { Mempool, type MempoolOptions, DEFAULT_MEMPOOL } from './mempool/index.ts';
import type { BlockDecider, DeciderStatus } from './chain/index.ts';
import { SoloProducer } from './producer/index.ts';
import { BftDriver, TxBatcher, checkSignHistoryPresent } from './bft/index.ts';
import { createP2pHost, type P2pHost } from './p2p/index.ts';
import type { TimeoutConfig } from '../consensus/index.ts';
import { chainMethods, historyMethods, jobMethods, jobUpdateJson, headerJson, DisputeWatch, gateMethods, PublishQueue } from './rpc-methods/index.ts';
import { NODE_VERSION, NodeError, logHex } from './util/index.ts';
import { checkIdentity, dataDirLayout, identityJson, parseIdentity, readIdentityFile, writeIdentityFile, type DataDirIdentity } from './config/index.ts';
import { loadOrCreateP2pKey } from './keystore/index.ts';
import { VerifierService, type VerifierStats } from './verifier/index.ts'; // verifier wiring
import { DatasetRegistry, DatasetStore, LossVectorCache, registerDatasetServer } from './jobs/index.ts'; // verifier wiring, dataset DA, loss curves over DA
import { DATASET_NAMES, loadDetReferee } from '../ml-runtime/index.ts';
import { NodeMetrics, healthStatus } from './metrics/index.ts';
import { explorerPages } from './explorer/index.ts';
import { addressFromPublicKey, blsReady, bytesToHex, encodeAddress, publicKeyFromSeed } from '../primitives/index.ts';

export interface NodeOptions {
  dataDir: string;
  genesis: Genesis;
  validatorSeed: Uint8Array | null;
  rpc: {
    enabled: boolean; host: string; port: number; bodyLimit?: number; maxBatch?: number; corsOrigins?: string[];
    /** Serve the explorer page at / and /explorer on the RPC origin (default true; `polchain start --no-explorer`). */
    explorer?: boolean;
  };
  blockIntervalMs: number;
  emptyBlocks: boolean;
  mempool?: Partial<MempoolOptions>;
  logger: Logger;
  clock?: () => bigint;
  signal?: AbortSignal;
  /** 'solo': this validator alone produces blocks on a timer; 'bft': Tendermint over libp2p with the genesis validator set. */
  engine?: 'solo' | 'bft';
  p2p?: { listen: string[]; bootstrap: string[]; keySeed: Uint8Array };
  timeouts?: TimeoutConfig;
  /** The operator said --no-validator: a data dir that runs a validator may start without its key. */
  noValidator?: boolean;
  /** The operator accepts a lost double-sign history (--accept-missing-sign-history); logged at warn. */
  acceptMissingSignHistory?: boolean;
  /** Where the engine setting came from, for the error when it disagrees with the data dir. */
  engineSource?: string;
  /** How long an RPC request made while the node starts waits before NOT_READY (default 10 s). */
  readyWaitMs?: number;
  /** Test-only fault injection. */
  faults?: { equivocate?: boolean };
}

/**
 * The composition root: opens storage, loads state, then starts the mempool, the block decider
 * and the RPC server, and closes them in the reverse order.
 */
export class PolchainNode {
  private rpcServer: RpcServer | undefined;
  /** What the `disputes` topic compares each block's jobs with (only while the RPC server runs). */
  private disputeWatch: DisputeWatch | undefined;
  private p2pHost: P2pHost | undefined;
  private txBatcher: TxBatcher | undefined;
  private decider: BlockDecider | undefined;
  private verifier: VerifierService | undefined; // verifier wiring
  private closing: Promise<void> | undefined;
  /** True from the end of start() until stop() begins: what /health calls "serving". */
  private serving = false;
  /** Prometheus metrics, served at GET /metrics while the RPC server runs. */
  readonly metrics: NodeMetrics;
  readonly genesisHash: Uint8Array;
  readonly validatorAddress: Uint8Array | null;
  private readonly commitListeners = new Set<(r: BlockResult, c: Commit) => void>();
  /** newHeads, jobs and disputes notifications, sent after the commit hook returns (rpc-methods/publish-queue.ts). */
  private readonly publishQueue = new PublishQueue(() => this.rpcServer, (err, topic) => this.opts.logger.error({ err, topic }, 'rpc publish failed'));
  private markReady!: () => void;
  /** Resolves once consensus state is loaded and the decider runs; RPC requests wait for it. */
  private readonly ready = new Promise<void>((res) => { this.markReady = res; });

  private constructor(
    readonly opts: NodeOptions,
    readonly store: ChainStore,
    readonly state: ChainState,
    readonly mempool: Mempool,
  ) {
    this.genesisHash = genesisHash(opts.genesis);
    this.validatorAddress = opts.validatorSeed ? addressFromPublicKey(publicKeyFromSeed(opts.validatorSeed)) : null;
    this.metrics = new NodeMetrics({
      height: () => state.height, consensus: () => this.consensusStatus(), peers: () => this.p2pHost?.peers().length ?? 0,
      mempool: () => ({ size: mempool.size, bytes: mempool.bytes }), verifier: () => this.verifierStats,
      compactProposals: () => (this.decider instanceof BftDriver ? this.decider.compactStats : null),
    });
    mempool.onAdmission = (code) => this.metrics.txAdmission(code);
    store.onBatchWrite = (s) => this.metrics.storeWriteSeconds(s);
  }

  static async start(opts: NodeOptions): Promise<PolchainNode> {
    const log = opts.logger;
    const layout = dataDirLayout(opts.dataDir);
    // BLS on mcl-wasm (several times faster than noble, same verdicts): its WebAssembly compiles while the store opens
    const blsFast = blsReady();
    const store = await ChainStore.open(layout.db, { headMarker: layout.headMarker });
    let node: PolchainNode;
    try {
      if (!(await blsFast)) log.warn('mcl-wasm did not load: BLS runs on @noble/curves (same verdicts, about 4x slower)');
      const state = await store.initState(opts.genesis);
      // the dispute referee (docs/disputes.md §4): every block that decides a dispute re-executes a step on it
      state.referee = await loadDetReferee();
      log.info({ chainId: state.chainId, height: Number(state.height), stateRoot: logHex(state.stateRoot) }, 'state loaded');
      await PolchainNode.checkDataDir(opts, store, state);
      const mempool = new Mempool(state, { ...DEFAULT_MEMPOOL, ...opts.mempool }, log.child({ module: 'mempool' }));
      node = new PolchainNode(opts, store, state, mempool);
    } catch (e) {
      await store.close();
      throw e;
    }
    try {
      await node.startServices();
      node.serving = true;
    } catch (e) {
      await node.stop();
      throw e;
    }
    opts.signal?.addEventListener('abort', () => void node.stop(), { once: true });
    return node;
  }

  /**
   * Refuses to start on a data dir that would make this node change chain or engine, stop signing
   * because its key is gone, sign without its double-sign history, or run from a database that is
   * damaged or lost its newest blocks; then records what the data dir is (identity.json and the
   * database), so the next start is held to it.
   */
  private static async checkDataDir(opts: NodeOptions, store: ChainStore, state: ChainState): Promise<void> {
    const log = opts.logger;
    const layout = dataDirLayout(opts.dataDir);
    const fileRec = await readIdentityFile(layout.identity);
    const dbText = await store.getIdentity();
    const dbRec = dbText === undefined ? null : parseIdentity(dbText, `${layout.db} (identity record)`);
    const engine = opts.engine ?? 'solo';
    const next = checkIdentity(dbRec ?? fileRec, {
      chainId: state.chainId, genesisHash: bytesToHex(genesisHash(opts.genesis)), engine, engineSource: opts.engineSource ?? 'the node options',
    }, opts.dataDir);
    const me = opts.validatorSeed ? encodeAddress(addressFromPublicKey(publicKeyFromSeed(opts.validatorSeed))) : null;
    if (next.validator !== null && me === null && !opts.noValidator) {
      throw new NodeError('VALIDATOR_KEY_UNLOADABLE', `${join(layout.keys, layout.validatorKeyName + '.json')} is missing, but this data dir runs validator ${next.validator}; restore the key file (\`polchain keys import ${layout.validatorKeyName} --keystore FILE\` or --mnemonic) or start with --no-validator to follow the chain without signing`);
    }
    if (next.validator !== null && me === null) log.warn({ validator: next.validator }, 'this data dir runs a validator; following the chain without signing (--no-validator)');
    if (me !== null && next.validator !== null && me !== next.validator) log.warn({ was: next.validator, now: me }, 'this data dir now runs another validator key');
    if (engine === 'bft' && me !== null) {
      const signedBefore = dbRec?.validator === me && dbRec.engine === 'bft' ? `this data dir has run validator ${me} before`
        : await signedInRecentBlocks(store, addressFromPublicKey(publicKeyFromSeed(opts.validatorSeed!))) ? `validator ${me} signed recent blocks of this chain` : null;
      checkSignHistoryPresent(layout.signHistory, signedBefore, opts.acceptMissingSignHistory === true, (msg) => log.warn(msg));
    }
    const checked = await checkRecentChain(store, opts.dataDir);
    if (!(await checkHeadAgainstMarker(store, layout.headMarker, opts.dataDir)) && state.height > 0n) {
      log.warn({ file: layout.headMarker, height: Number(state.height) }, 'no head marker: this start cannot tell whether the database lost blocks; writing one now');
    }
    if (state.height > 0n) store.markHead(state.height, state.lastBlockHash);
    log.info({ head: Number(checked.head), checkedFrom: Number(checked.from), blocks: checked.blocks }, 'storage checked');
    const rec: DataDirIdentity = { ...next, validator: me ?? next.validator };
    const json = identityJson(rec);
    if (dbText !== json) await store.putIdentity(json);
    if (!fileRec || identityJson(fileRec) !== json) writeIdentityFile(layout.identity, rec);
  }

  /**
   * p2p first (a bad listen address fails before anything else is open), then RPC (requests wait
   * for readiness), then the block decider and the verifier; then the node is ready.
   */
  private async startServices(): Promise<void> {
    const { opts } = this;
    if (opts.engine === 'bft') {
      if (!opts.p2p) throw new Error('the bft engine needs p2p options');
      this.p2pHost = await createP2pHost({
        chainId: this.state.chainId, listen: opts.p2p.listen, bootstrap: opts.p2p.bootstrap, privateKeySeed: opts.p2p.keySeed,
        logger: opts.logger.child({ module: 'p2p' }),
      });
    } else if (opts.validatorSeed) {
      // A solo validator is every job's committee, so it must verify too: a libp2p host that only
      // dials out (no listen address unless configured) fetches openings from solvers.
      this.p2pHost = await createP2pHost({
        chainId: this.state.chainId, listen: opts.p2p?.listen ?? [], bootstrap: [], privateKeySeed: opts.p2p?.keySeed ?? await loadOrCreateP2pKey(opts.dataDir),
        logger: opts.logger.child({ module: 'p2p' }),
      });
    }
    // bundled datasets and those `polchain dataset add` stored in the data dir, served by root over DA
    // to solvers and verifiers of the jobs submitted from here (docs/datasets.md)
    const datasets = new DatasetRegistry(DATASET_NAMES, new DatasetStore(dataDirLayout(opts.dataDir).datasets));
    if (this.p2pHost) await registerDatasetServer(this.p2pHost, datasets);
    if (opts.rpc.enabled) await this.startRpc();
    if (opts.engine === 'bft') {
      const host = this.p2pHost!;
      this.txBatcher = new TxBatcher((batch) => void host.publish('tx', batch).catch(() => {}));
      this.decider = new BftDriver({
        state: this.state, store: this.store, mempool: this.mempool, p2p: host, validatorSeed: opts.validatorSeed,
        walPath: join(opts.dataDir, 'cs.wal'), onWalAppend: (s) => this.metrics.walAppendSeconds(s), signHistoryPath: join(opts.dataDir, 'sign-history.json'), timeouts: opts.timeouts,
        commitWaitMs: opts.blockIntervalMs,
        clock: opts.clock ?? (() => BigInt(Date.now())), logger: opts.logger.child({ module: 'consensus' }),
        onCommit: (r, c) => this.onCommit(r, c), equivocate: opts.faults?.equivocate,
        beforeProposal: () => this.txBatcher?.flush(),
      });
      await this.decider.init();
      this.decider.start();
    } else if (opts.validatorSeed) {
      this.decider = new SoloProducer({
        state: this.state, store: this.store, mempool: this.mempool, validatorSeed: opts.validatorSeed,
        blockIntervalMs: opts.blockIntervalMs, emptyBlocks: opts.emptyBlocks,
        clock: opts.clock ?? (() => BigInt(Date.now())),
        logger: opts.logger.child({ module: 'producer' }),
        onCommit: (r, c) => this.onCommit(r, c),
      });
      await this.decider.init();
      this.decider.start();
      opts.logger.info({ validator: encodeAddress(this.validatorAddress!), intervalMs: opts.blockIntervalMs }, 'producing blocks');
    }
    // ---- verifier wiring (node/verifier): a validator with a p2p host attests the jobs whose committee holds it ----
    if (opts.validatorSeed && this.p2pHost) {
      this.verifier = new VerifierService({
        state: this.state, validatorAddress: this.validatorAddress!, validatorSeed: opts.validatorSeed,
        submit: (raw) => this.submit(raw), nextNonce: (a) => this.mempool.pendingNonce(a), isPending: (h) => this.mempool.has(h),
        isSyncing: () => this.consensusStatus().syncing, host: this.p2pHost, logger: opts.logger.child({ module: 'verifier' }), datasets,
        workDir: join(opts.dataDir, 'verifier'), blockIntervalMs: opts.blockIntervalMs,
        // chunks a solver does not serve are demanded on chain and read back from its DaChunk transaction
        getTx: async (hash) => {
          const loc = await this.store.getTxLocation(hash);
          return loc ? (await this.store.getBlock(loc.height))?.txs[loc.index] : undefined;
        },
      });
      const verifier = this.verifier;
      this.onBlock((r) => verifier.onBlock(r));
      verifier.start();
    }
    // ---- end verifier wiring ----
    this.markReady();
  }

  private async startRpc(): Promise<void> {
    const { opts } = this;
    const losses = new LossVectorCache(() => this.p2pHost);
    const methods = [
      ...chainMethods({
        state: this.state, store: this.store, mempool: this.mempool, genesisHash: this.genesisHash, version: NODE_VERSION,
        validatorAddress: this.validatorAddress, submit: (raw) => this.submit(raw),
        consensus: () => this.consensusStatus(),
        peers: () => (this.p2pHost?.peers() ?? []).map((p) => ({ peerId: p.peerId, addrs: p.addrs.map(String), score: p.score, direction: String(p.direction) })),
        verifier: () => {
          const v = this.verifierStats;
          if (!v) return null;
          // node_status declares these counters and the schedule (rpc/api VERIFIER_STATS); the dispute counters are not in it yet
          const { verified, unavailable, failed, disagreed, lastCpuMs, bytesFetched, demanded, queued, running, scheduler } = v;
          return { verified, unavailable, failed, disagreed, lastCpuMs, bytesFetched, demanded, queued, running, scheduler };
        },
      }),
      ...jobMethods({ jobs: this.state, pending: (h) => this.mempool.has(h), height: () => this.state.height, lossVector: (job) => losses.get(job) }),
      ...historyMethods({ state: this.state, store: this.store }),
    ];
    this.rpcServer = await createRpcServer({
      methods: gateMethods(methods, { ready: this.ready, waitMs: opts.readyWaitMs ?? 10_000 }),
      logger: opts.logger.child({ module: 'rpc' }),
      host: opts.rpc.host, port: opts.rpc.port, bodyLimit: opts.rpc.bodyLimit, maxBatch: opts.rpc.maxBatch, corsOrigins: opts.rpc.corsOrigins,
      topics: [...TOPICS],
      info: { title: 'polchain JSON-RPC', version: NODE_VERSION },
      health: () => this.health(), metrics: this.metrics.source, onCall: (m, code, s) => this.metrics.rpcCall(m, code, s),
      pages: opts.rpc.explorer === false ? [] : explorerPages(),
    });
    if (opts.rpc.explorer !== false) opts.logger.info({ url: `${this.rpcServer.url}explorer` }, 'explorer served');
    this.disputeWatch = new DisputeWatch(this.state.jobs.values());
  }

  get rpcUrl(): string | undefined {
    return this.rpcServer?.url;
  }

  get wsUrl(): string | undefined {
    return this.rpcServer?.wsUrl;
  }

  submit(raw: Uint8Array): Uint8Array {
    const hash = this.mempool.add(raw).hash;
    this.txBatcher?.add(raw);
    return hash;
  }

  /** A node with no decider (a solo-chain full node) reports as solo, never syncing. */
  private consensusStatus(): DeciderStatus {
    return this.decider?.status() ?? { engine: 'solo', syncing: false };
  }

  /** What GET /health and /ready report (node/metrics/health.ts, docs/operations.md). */
  health(): 'synced' | 'syncing' | 'unavailable' {
    const c = this.consensusStatus();
    return healthStatus({
      serving: this.serving, engine: c.engine, syncing: c.syncing, headTimestampMs: this.state.lastTimestampMs,
      nowMs: (this.opts.clock ?? (() => BigInt(Date.now())))(), blockIntervalMs: this.opts.blockIntervalMs,
    });
  }

  get p2p(): P2pHost | undefined {
    return this.p2pHost;
  }

  /** Verifier counters (null when this node does not verify): verified, unavailable, failed, lastCpuMs, ... */
  get verifierStats(): VerifierStats | null { // verifier wiring
    return this.verifier?.stats() ?? null;
  }

  onBlock(f: (r: BlockResult, c: Commit) => void): () => void {
    this.commitListeners.add(f);
    return () => this.commitListeners.delete(f);
  }

  private onCommit(r: BlockResult, c: Commit): void {
    this.metrics.blockCommitted(r.block.header.timestampMs);
    if (this.rpcServer) {
      const h = r.block.header.height;
      this.publishQueue.push([
        { topic: 'newHeads', data: headerJson(r.block) },
        ...r.jobUpdates.map((u) => ({ topic: 'jobs', data: jobUpdateJson(u, h), key: '0x' + bytesToHex(u.jobId) })),
        ...(this.disputeWatch?.changes(r.changes.jobs.values(), h) ?? []).map((n) => ({ topic: 'disputes', data: n.data, key: n.filterKey })),
      ]);
    }
    for (const f of this.commitListeners) f(r, c);
  }

  /** Stops in reverse start order; safe to call twice. */
  stop(): Promise<void> {
    this.closing ??= (async () => {
      this.serving = false;
      const log = this.opts.logger;
      await this.verifier?.stop(); // verifier wiring
      this.publishQueue.flush();
      await this.rpcServer?.close();
      this.txBatcher?.flush();
      await this.decider?.stop();
      await this.p2pHost?.stop();
      await this.store.close();
      log.info({ height: Number(this.state.height) }, 'node stopped');
    })();
    return this.closing;
  }
}
