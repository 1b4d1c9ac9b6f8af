import type { Logger } from 'pino';
import { applyBlock, blockHash, buildBlock, decodeBlock, encodeBlock, type Block, type BlockResult, type ChainState, type ConsensusHooks, type VerifiedTx } from '../../vm/index.ts';
import { beaconPrepare, beaconSign, blsPublicKey, type ConsensusApp } from '../../consensus/index.ts';
import type { Mempool } from '../mempool/index.ts';
import type { EvidencePool } from './evidence-pool.ts';
import { bytesToHex, equalBytes, errorMessage, sha256 } from '../../primitives/index.ts';

export interface ProposalAppOptions {
  state: ChainState;
  mempool: Mempool;
  evidence: EvidencePool;
  hooks: ConsensusHooks;
  /** Wall clock in ms: the timestamp of a block this node proposes. */
  clock: () => bigint;
  logger: Logger;
  /** The proposer's address and BLS secret; null on a full node, which never proposes. */
  proposer: { address: Uint8Array; blsSecret: Uint8Array } | null;
  /** The +2/3 commit of the last block, carried by the next one. */
  lastCommit: () => Uint8Array | null;
  /** Block decoding (default vm decodeBlock); a test counts the calls through it. */
  decode?: (bytes: Uint8Array) => Block;
}

/** Same bytes, compared natively (a proposal is ~100 KB under load; a JS loop would cost more than it saves). */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a === b || (a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b));

/**
 * The engine's view of the chain (consensus's ConsensusApp): builds this node's proposals from the
 * mempool and evidence pool, and validates peers' proposals by applying them to the committed
 * state. Each result is kept by hash, so the block the engine decides is not executed twice.
 * The engine validates its own proposal before prevoting for it; a block this node just built
 * (exact bytes) with a beacon signed by the key the chain holds for it is valid by construction
 * (build and validate run the same execution), so it is not executed and BLS-verified again.
 */
export class ProposalApp implements ConsensusApp {
  private readonly built = new Map<string, BlockResult>();
  private readonly preverified = new Map<string, VerifiedTx>();
  /** Encodings of the blocks this node built on the current state whose beacon its registered BLS key signed. */
  private readonly own: Uint8Array[] = [];
  private blsKey: Uint8Array | undefined;
  /**
   * The last blocks decoded, with their hashes. The engine hashes a proposal at its inbound check and
   * again when admitting it, then validates it: one canonical decode (about 1.2 µs per transaction,
   * the block re-encoded to check it is canonical) serves all three. Kept by content, not identity.
   */
  private readonly decoded: Array<{ bytes: Uint8Array; block: Block; hash: Uint8Array }> = [];
  /** This node's beacon signature for the next height, made while the engine waited for it (prepareNext). */
  private presigned: { height: bigint; prev: Uint8Array; sig: Uint8Array } | null = null;

  constructor(private readonly o: ProposalAppOptions) {}

  buildBlock(height: bigint): Uint8Array {
    const { state, mempool, evidence } = this.o;
    const proposer = this.o.proposer;
    if (!proposer) throw new Error('a full node does not propose blocks');
    const now = this.o.clock();
    const timestampMs = now > state.lastTimestampMs ? now : state.lastTimestampMs + 1n;
    const { txs, preverified } = mempool.reap(state.params.maxBlockTxs, state.params.maxBlockBytes);
    for (const [k, v] of preverified) this.preverified.set(k, v);
    const r = buildBlock(state, {
      height, timestampMs, proposer: proposer.address,
      beaconSig: this.beaconSig(proposer.blsSecret, height),
      lastCommit: height > 1n ? this.o.lastCommit() : null,
      evidence: evidence.pending(),
    }, txs, preverified, this.o.hooks);
    for (const e of r.rejectedEvidence) evidence.remove(e.bytes); // stale: offender already jailed
    // Left out now, left out in every later round: they leave the mempool whether or not this
    // proposal is decided, so the sender can reuse the nonce and gossip cannot bring them back.
    mempool.evict(r.rejected);
    this.built.set(bytesToHex(r.hash), r);
    const bytes = encodeBlock(r.block);
    r.encoded = bytes;
    this.adopt(bytes, r.block, r.hash);
    // BLS signing is deterministic: the signature verifies iff the secret's public key is the one the chain holds
    this.blsKey ??= blsPublicKey(proposer.blsSecret);
    const registered = state.getValidator(proposer.address)?.blsKey;
    if (registered && equalBytes(registered, this.blsKey)) this.own.push(bytes);
    return bytes;
  }

  /**
   * Called when a block commits, during the wait before the next height: hashes the next beacon
   * message (every node signs or verifies it) and, when this node proposes round 0, signs it, so
   * neither lies on the next height's critical path. Both are the same deterministic functions.
   */
  prepareNext(proposesFirst: boolean): void {
    const { state } = this.o;
    const height = state.height + 1n;
    const prev = state.beacon;
    setImmediate(() => {
      if (state.height + 1n !== height) return;
      beaconPrepare(state.chainId, height, prev);
      const p = this.o.proposer;
      if (proposesFirst && p) this.presigned = { height, prev, sig: beaconSign(p.blsSecret, state.chainId, height, prev) };
    });
  }

  private beaconSig(secret: Uint8Array, height: bigint): Uint8Array {
    const { state } = this.o;
    const p = this.presigned;
    if (p && p.height === height && equalBytes(p.prev, state.beacon)) return p.sig;
    return beaconSign(secret, state.chainId, height, state.beacon);
  }

  validateBlock(height: bigint, bytes: Uint8Array): boolean {
    if (height === this.o.state.height + 1n && this.own.some((b) => b === bytes || equalBytes(b, bytes))) return true;
    try {
      const { block } = this.decode(bytes);
      if (block.header.height !== height) return false;
      const known = { get: (k: string) => this.preverified.get(k) ?? this.o.mempool.verified.get(k) };
      const r = applyBlock(this.o.state, block, known, this.o.hooks);
      r.encoded = bytes; // canonical: decoding checked that these are exactly encodeBlock(block)
      this.built.set(bytesToHex(r.hash), r);
      return true;
    } catch (e) {
      this.o.logger.info({ height: Number(height), err: errorMessage(e) }, 'invalid proposal');
      return false;
    }
  }

  hashBlock(bytes: Uint8Array): Uint8Array {
    return this.decode(bytes).hash;
  }

  /**
   * What a compact proposal of `bytes` (hashing to `hash`) is made of: the decoded block and its
   * transactions' hashes, kept from building or validating it (hashed here only otherwise).
   */
  compactParts(bytes: Uint8Array, hash: Uint8Array): { block: Block; txHashes: Uint8Array[] } {
    const { block } = this.decode(bytes);
    return { block, txHashes: this.built.get(bytesToHex(hash))?.txHashes ?? block.txs.map((t) => sha256(t)) };
  }

  private decode(bytes: Uint8Array): { block: Block; hash: Uint8Array } {
    const known = this.decoded.find((d) => sameBytes(d.bytes, bytes));
    if (known) return known;
    const block = (this.o.decode ?? decodeBlock)(bytes);
    return this.adopt(bytes, block, blockHash(block.header));
  }

  /**
   * Keeps a block as decoded: one this node built or decoded, or rebuilt from a compact proposal
   * (`bytes` is `encodeBlock(block)`, so canonical, and `hash` its header's hash, checked against the
   * signed proposal), so that the inbound check and validation do not decode it again.
   */
  adopt(bytes: Uint8Array, block: Block, hash: Uint8Array): { block: Block; hash: Uint8Array } {
    const d = { bytes, block, hash };
    this.decoded.unshift(d);
    if (this.decoded.length > 2) this.decoded.pop();
    return d;
  }

  /** The execution of a decided block: the one kept from building or validating it, else applied now. */
  resultFor(hash: Uint8Array, bytes: Uint8Array): BlockResult {
    return this.built.get(bytesToHex(hash)) ?? applyBlock(this.o.state, this.decode(bytes).block, undefined, this.o.hooks);
  }

  /** After a commit every kept result is stale (built on the previous state). */
  clear(): void {
    this.built.clear();
    this.preverified.clear();
    this.own.length = 0;
    this.decoded.length = 0;
  }
}
