// The application the simulated validators run (test/helpers/wan-sim.ts): blocks of real signed
// transfers that carry the last commit, which every validator verifies, as the vm does.
import { decodeCommit, encodeCommit, verifyCommit, type Commit, type ConsensusApp, type ValidatorSet } from '../../consensus/index.ts';
import { decodeCanonical, encode, encodeTx, signTx } from '../../vm/index.ts';
import { sha256 } from '../../primitives/index.ts';

export const WAN_CHAIN = 'polchain-wan-sim';

/** A real signed transfer's encoding: the unit of block size. */
export function transferBytes(): Uint8Array {
  const seed = sha256(new TextEncoder().encode('wan-sim sender'));
  return encodeTx(signTx({ chainId: WAN_CHAIN, nonce: 1_000n, fee: 1n, payload: { kind: 'transfer', to: new Uint8Array(20).fill(7), amount: 1_000_000n } }, seed));
}

/** block = encode(['polchain/wan-sim-block', height, round, proposer, lastCommit | nil, transfers]) */
export class WanBlocks {
  private readonly payload: Uint8Array;
  private readonly hashes = new WeakMap<Uint8Array, Uint8Array>();
  private readonly headers = new WeakMap<Uint8Array, { height: bigint; lastCommit: Commit | null }>();

  /** Bytes of the block's transfers (all of them, one byte string here). */
  get payloadBytes(): number {
    return this.payload.length;
  }

  constructor(blockTxs: number) {
    const tx = transferBytes();
    this.payload = new Uint8Array(tx.length * blockTxs);
    for (let i = 0; i < blockTxs; i++) this.payload.set(tx, i * tx.length);
  }

  /** sha256 of the block, once per block object (the blocks travel as shared objects here). */
  hashOf(b: Uint8Array): Uint8Array {
    let h = this.hashes.get(b);
    if (!h) { h = sha256(b); this.hashes.set(b, h); }
    return h;
  }

  /** The ConsensusApp of one validator: `committed(h)` is the commit it holds for height h. */
  app(proposer: Uint8Array, committed: (h: bigint) => Commit | undefined, setAt: (h: bigint) => ValidatorSet): ConsensusApp {
    return {
      buildBlock: (height, round) => {
        const last = height > 1n ? encodeCommit(committed(height - 1n)!) : null;
        return encode(['polchain/wan-sim-block', height, round, proposer, last, this.payload]);
      },
      hashBlock: (b) => this.hashOf(b),
      validateBlock: (height, b) => {
        const blk = this.header(b);
        if (blk.height !== height) return false;
        if (height === 1n) return blk.lastCommit === null;
        const prev = committed(height - 1n);
        if (!prev || !blk.lastCommit) return false;
        verifyCommit(WAN_CHAIN, setAt(height - 1n), blk.lastCommit, { height: height - 1n, blockHash: prev.blockHash });
        return true;
      },
    };
  }

  private header(b: Uint8Array): { height: bigint; lastCommit: Commit | null } {
    let h = this.headers.get(b);
    if (!h) {
      const v = decodeCanonical(b, 'block') as [string, bigint, number, Uint8Array, Uint8Array | null, Uint8Array];
      h = { height: v[1], lastCommit: v[4] === null ? null : decodeCommit(v[4]) };
      this.headers.set(b, h);
    }
    return h;
  }
}
