import type { Logger } from 'pino';
import { buildBlock, commitSigningBytes, type BlockResult, type ChainState, type Commit } from '../../vm/index.ts';
import { beaconSign, blsSecretFromSeed } from '../../consensus/index.ts';
import { commitDecidedBlock, type BlockDecider, type DeciderStatus } from '../chain/index.ts';
import type { ChainStore } from '../storage/index.ts';
import type { Mempool } from '../mempool/index.ts';
import { addressFromPublicKey, encodeAddress, publicKeyFromSeed, sign } from '../../primitives/index.ts';

export interface SoloProducerOptions {
  state: ChainState;
  store: ChainStore;
  mempool: Mempool;
  validatorSeed: Uint8Array;
  blockIntervalMs: number;
  emptyBlocks: boolean;
  /** Wall clock in ms; injected so tests can drive it. */
  clock: () => bigint;
  logger: Logger;
  onCommit: (r: BlockResult, commit: Commit) => void;
}

export class SoloProducer implements BlockDecider {
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  private readonly address: Uint8Array;
  private readonly blsSecret: Uint8Array;

  constructor(private readonly o: SoloProducerOptions) {
    this.address = addressFromPublicKey(publicKeyFromSeed(o.validatorSeed));
    this.blsSecret = blsSecretFromSeed(o.validatorSeed);
  }

  /** Nothing to load: a solo block needs only the committed state. */
  async init(): Promise<void> {}

  status(): DeciderStatus {
    return { engine: 'solo', syncing: false };
  }

  start(): void {
    const v = this.o.state.getValidator(this.address);
    if (!v || v.stake === 0n || v.jailed) this.o.logger.warn({ address: encodeAddress(this.address) }, 'this key is not an active validator in the current state: blocks will be rejected');
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inflight = this.produce().then(
        () => this.schedule(),
        (e) => {
          this.o.logger.error({ err: e }, 'block production failed');
          this.schedule();
        },
      );
    }, this.o.blockIntervalMs);
  }

  /** Builds, signs and commits one block. Exposed for tests and the benchmark. */
  async produce(): Promise<BlockResult | undefined> {
    const { state, mempool } = this.o;
    if (mempool.size === 0 && !this.o.emptyBlocks) return undefined;
    const now = this.o.clock();
    const timestampMs = now > state.lastTimestampMs ? now : state.lastTimestampMs + 1n;
    const { txs, preverified } = mempool.reap(state.params.maxBlockTxs, state.params.maxBlockBytes);
    const started = performance.now();
    const height = state.height + 1n;
    // The beacon signature (BLS, deterministic); solo blocks carry no last commit and no evidence.
    const beaconSig = beaconSign(this.blsSecret, state.chainId, height, state.beacon);
    const r = buildBlock(state, { height, timestampMs, proposer: this.address, beaconSig }, txs, preverified);
    // what the block left out will not execute: it leaves now, so its sender can reuse the nonce
    mempool.evict(r.rejected);
    const commit: Commit = {
      height: r.block.header.height,
      blockHash: r.hash,
      signatures: [{ validator: this.address, signature: sign(this.o.validatorSeed, commitSigningBytes(state.chainId, r.block.header.height, r.hash)) }],
    };
    await commitDecidedBlock(this.o, { result: r, commit, startedAt: started });
    return r;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inflight;
  }
}
