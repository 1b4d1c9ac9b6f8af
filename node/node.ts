import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  addressFromPublicKey, bytesToHex, encodeAddress, publicKeyFromSeed, type BlockResult, type ChainState, type Commit,
} from '../vm/index.ts';
import { genesisHash, type Genesis } from '../genesis/index.ts';
import { createRpcServer, type RpcServer } from '../rpc/index.ts';
import { ChainStore } from './storage/index.ts';
import { Mempool, type MempoolOptions, DEFAULT_MEMPOOL } from './mempool/index.ts';
import { SoloProducer, type BlockDecider } from './producer/index.ts';
import { chainMethods } from './rpc-methods/index.ts';
import { headerJson } from './rpc-methods/json.ts';
import { NODE_VERSION } from './version.ts';

export interface NodeOptions {
  dataDir: string;
  genesis: Genesis;
  validatorSeed: Uint8Array | null;
  rpc: { enabled: boolean; host: string; port: number; bodyLimit?: number; maxBatch?: number };
  blockIntervalMs: number;
  emptyBlocks: boolean;
  mempool?: Partial<MempoolOptions>;
  logger: Logger;
  clock?: () => bigint;
  signal?: AbortSignal;
}

/**
 * The composition root: opens storage, loads state, then starts the mempool, the block decider
 * and the RPC server, and closes them in the reverse order.
 */
export class PolchainNode {
  private rpcServer: RpcServer | undefined;
  private decider: BlockDecider | undefined;
  private closing: Promise<void> | undefined;
  readonly genesisHash: Uint8Array;
  readonly validatorAddress: Uint8Array | null;
  private readonly commitListeners = new Set<(r: BlockResult, c: Commit) => void>();

  private constructor(
    readonly opts: NodeOptions,
    readonly store: ChainStore,
    readonly state: ChainState,
    readonly mempool: Mempool,
  ) {
    this.genesisHash = genesisHash(opts.genesis);
    this.validatorAddress = opts.validatorSeed ? addressFromPublicKey(publicKeyFromSeed(opts.validatorSeed)) : null;
  }

  static async start(opts: NodeOptions): Promise<PolchainNode> {
    const log = opts.logger;
    const store = await ChainStore.open(join(opts.dataDir, 'db'));
    let node: PolchainNode;
    try {
      const state = await store.initState(opts.genesis);
      log.info({ chainId: state.chainId, height: Number(state.height), stateRoot: bytesToHex(state.stateRoot) }, 'state loaded');
      const mempool = new Mempool(state, { ...DEFAULT_MEMPOOL, ...opts.mempool });
      node = new PolchainNode(opts, store, state, mempool);
    } catch (e) {
      await store.close();
      throw e;
    }
    try {
      await node.startServices();
    } catch (e) {
      await node.stop();
      throw e;
    }
    opts.signal?.addEventListener('abort', () => void node.stop(), { once: true });
    return node;
  }

  private async startServices(): Promise<void> {
    const { opts } = this;
    if (opts.rpc.enabled) {
      this.rpcServer = await createRpcServer({
        methods: chainMethods({
          state: this.state, store: this.store, mempool: this.mempool, genesisHash: this.genesisHash, version: NODE_VERSION,
          validatorAddress: this.validatorAddress, submit: (raw) => this.submit(raw),
        }),
        logger: opts.logger.child({ module: 'rpc' }),
        host: opts.rpc.host, port: opts.rpc.port, bodyLimit: opts.rpc.bodyLimit, maxBatch: opts.rpc.maxBatch,
        topics: ['newHeads'],
        info: { title: 'polchain JSON-RPC', version: NODE_VERSION },
      });
      opts.logger.info({ url: this.rpcServer.url, ws: this.rpcServer.wsUrl }, 'rpc listening');
    }
    if (opts.validatorSeed) {
      this.decider = new SoloProducer({
        state: this.state, store: this.store, mempool: this.mempool, validatorSeed: opts.validatorSeed,
        blockIntervalMs: opts.blockIntervalMs, emptyBlocks: opts.emptyBlocks,
        clock: opts.clock ?? (() => BigInt(Date.now())),
        logger: opts.logger.child({ module: 'producer' }),
        onCommit: (r, c) => this.onCommit(r, c),
      });
      this.decider.start();
      opts.logger.info({ validator: encodeAddress(this.validatorAddress!), intervalMs: opts.blockIntervalMs }, 'producing blocks');
    }
  }

  get rpcUrl(): string | undefined {
    return this.rpcServer?.url;
  }

  get wsUrl(): string | undefined {
    return this.rpcServer?.wsUrl;
  }

  submit(raw: Uint8Array): Uint8Array {
    return this.mempool.add(raw).hash;
  }

  onBlock(f: (r: BlockResult, c: Commit) => void): () => void {
    this.commitListeners.add(f);
    return () => this.commitListeners.delete(f);
  }

  private onCommit(r: BlockResult, c: Commit): void {
    this.rpcServer?.publish('newHeads', headerJson(r.block));
    for (const f of this.commitListeners) f(r, c);
  }

  /** Stops in reverse start order; safe to call twice. */
  stop(): Promise<void> {
    this.closing ??= (async () => {
      const log = this.opts.logger;
      await this.rpcServer?.close();
      await this.decider?.stop();
      await this.store.close();
      log.info({ height: Number(this.state.height) }, 'node stopped');
    })();
    return this.closing;
  }
}
