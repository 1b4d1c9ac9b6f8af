import type { Logger } from 'pino';
import { buildBlock, commitSigningBytes, type BlockResult, type ChainState, type Commit } from '../../vm/index.ts';
import { blsSecretFromSeed } from '../../consensus/index.ts';
import { BeaconSigner } from './beacon-signer.ts';
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
  /** Sign beacons on a worker thread (default true); false signs on the event loop. */
  beaconWorker?: boolean;
}

export class SoloProducer implements BlockDecider {
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  private readonly address: Uint8Array;
  private readonly beacon: BeaconSigner;

  constructor(private readonly o: SoloProducerOptions) {
    this.address = addressFromPublicKey(publicKeyFromSeed(o.validatorSeed));
    this.beacon = new BeaconSigner(blsSecretFromSeed(o.validatorSeed), o.beaconWorker ?? true);
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

  /** The next block's beacon input, known once the last block committed. */
  private nextBeacon() {
    const { state } = this.o;
    return { chainId: state.chainId, height: state.height + 1n, prevBeacon: state.beacon };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.beacon.prepare(this.nextBeacon()); // signed on the worker while this interval's txs arrive
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
    // The beacon signature (BLS, deterministic), awaited before the reap so that txs admitted
    // meanwhile still make this block; solo blocks carry no last commit and no evidence.
    const beaconSig = await this.beacon.sign(this.nextBeacon());
    const now = this.o.clock();
    const timestampMs = now > state.lastTimestampMs ? now : state.lastTimestampMs + 1n;
    const { txs, preverified } = mempool.reap(state.params.maxBlockTxs, state.params.maxBlockBytes);
    const started = performance.now();
    const height = state.height + 1n;
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
    await this.beacon.close();
  }
}
