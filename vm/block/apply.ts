import { compareBytes, equalBytes, bytesToHex } from '../crypto/index.ts';
import { VmError, isVmError } from '../errors.ts';
import { orderedMerkleRoot } from '../merkle.ts';
import { sha256 } from '../crypto/index.ts';
import type { Block, BlockHeader, ChainEvent, Receipt, VerifiedTx } from '../types/index.ts';
import type { ChainState } from '../state/chain-state.ts';
import { StateOverlay, applyChangesToTree, type StateWrite } from '../state/overlay.ts';
import type { SparseMerkleTree } from '../state/smt.ts';
import { executeTx, releaseUnbonding } from '../execute/tx.ts';
import { verifyTxBytes } from '../tx/index.ts';
import { BLOCK_VERSION, blockHash, encodeReceipt } from './codec.ts';

export interface BlockResult {
  block: Block;
  hash: Uint8Array;
  receipts: Receipt[];
  receiptBytes: Uint8Array[];
  txHashes: Uint8Array[];
  /** Events not caused by a transaction (matured unbonding), emitted before the first transaction. */
  blockEvents: ChainEvent[];
  tree: SparseMerkleTree;
  writes: StateWrite[];
  changes: ReturnType<StateOverlay['changes']>;
  /** Build mode only: transactions left out, with the reason. */
  rejected: Array<{ hash: Uint8Array | null; bytes: Uint8Array; error: VmError }>;
}

export interface BlockContext {
  height: bigint;
  timestampMs: bigint;
  proposer: Uint8Array;
}

/**
 * The state transition. Building and validating a block run this same function: in 'build' mode a
 * transaction that fails is left out; in 'validate' mode it makes the whole block invalid.
 */
function execute(
  state: ChainState, ctx: BlockContext, txs: Uint8Array[], mode: 'build' | 'validate', preverified?: Map<string, VerifiedTx>,
): Omit<BlockResult, 'block' | 'hash'> & { included: Uint8Array[]; stateRoot: Uint8Array; txRoot: Uint8Array; receiptsRoot: Uint8Array } {
  const { params } = state;
  if (ctx.height !== state.height + 1n) throw new VmError('BLOCK_INVALID', `height ${ctx.height} does not follow ${state.height}`);
  if (ctx.timestampMs <= state.lastTimestampMs) throw new VmError('BLOCK_INVALID', `timestamp ${ctx.timestampMs} is not after the parent's ${state.lastTimestampMs}`);
  const pv = state.getValidator(ctx.proposer);
  if (!pv || pv.stake === 0n) throw new VmError('BLOCK_INVALID', `proposer ${bytesToHex(ctx.proposer)} is not an active validator`);

  const o = new StateOverlay(state);
  const blockEvents = releaseUnbonding(o, ctx.height);
  const receipts: Receipt[] = [];
  const included: Uint8Array[] = [];
  const txHashes: Uint8Array[] = [];
  const rejected: BlockResult['rejected'] = [];
  let bytes = 0;
  for (const raw of txs) {
    if (mode === 'build' && (included.length >= params.maxBlockTxs || bytes + raw.length > params.maxBlockBytes)) break;
    let vtx: VerifiedTx | undefined;
    try {
      vtx = preverified?.get(bytesToHex(sha256(raw))) ?? verifyTxBytes(raw, state.chainId, params.maxTxBytes);
      receipts.push(executeTx(o, vtx, params, ctx.height, included.length, ctx.proposer));
    } catch (e) {
      if (!isVmError(e)) throw e;
      if (mode === 'validate') throw new VmError('BLOCK_INVALID', `transaction ${included.length}: ${e.code}: ${e.message}`);
      rejected.push({ hash: vtx?.hash ?? null, bytes: raw, error: e });
      continue;
    }
    included.push(raw);
    txHashes.push(vtx.hash);
    bytes += raw.length;
  }
  if (included.length > params.maxBlockTxs) throw new VmError('BLOCK_TOO_LARGE', `${included.length} transactions; the limit is ${params.maxBlockTxs}`);
  if (bytes > params.maxBlockBytes) throw new VmError('BLOCK_TOO_LARGE', `${bytes} transaction bytes; the limit is ${params.maxBlockBytes}`);
  const changes = o.changes();
  const { tree, writes } = applyChangesToTree(state.tree, changes);
  const receiptBytes = receipts.map(encodeReceipt);
  return {
    included, receipts, receiptBytes, txHashes, blockEvents, tree, writes, changes, rejected,
    stateRoot: tree.root(), txRoot: orderedMerkleRoot(txHashes), receiptsRoot: orderedMerkleRoot(receiptBytes.map((b) => sha256(b))),
  };
}

/** Builds the next block from candidate transactions (in the order given), dropping those that fail. */
export function buildBlock(state: ChainState, ctx: BlockContext, candidates: Uint8Array[], preverified?: Map<string, VerifiedTx>): BlockResult {
  const r = execute(state, ctx, candidates, 'build', preverified);
  const header: BlockHeader = {
    version: BLOCK_VERSION, chainId: state.chainId, height: ctx.height, timestampMs: ctx.timestampMs, prevHash: state.lastBlockHash,
    txRoot: r.txRoot, stateRoot: r.stateRoot, receiptsRoot: r.receiptsRoot, proposer: ctx.proposer,
  };
  const block = { header, txs: r.included };
  return { ...r, block, hash: blockHash(header) };
}

/** Validates and executes a block someone else built. Throws BLOCK_INVALID on any mismatch. */
export function applyBlock(state: ChainState, block: Block, preverified?: Map<string, VerifiedTx>): BlockResult {
  const h = block.header;
  if (h.version !== BLOCK_VERSION) throw new VmError('BLOCK_INVALID', `unsupported block version ${h.version}`);
  if (h.chainId !== state.chainId) throw new VmError('BLOCK_INVALID', `block is for chain "${h.chainId}"`);
  if (!equalBytes(h.prevHash, state.lastBlockHash)) throw new VmError('BLOCK_INVALID', 'prevHash does not match the last committed block');
  const r = execute(state, { height: h.height, timestampMs: h.timestampMs, proposer: h.proposer }, block.txs, 'validate', preverified);
  for (const [name, got, want] of [['txRoot', r.txRoot, h.txRoot], ['stateRoot', r.stateRoot, h.stateRoot], ['receiptsRoot', r.receiptsRoot, h.receiptsRoot]] as const) {
    if (compareBytes(got, want) !== 0) throw new VmError('BLOCK_INVALID', `${name} mismatch: header ${bytesToHex(want)}, computed ${bytesToHex(got)}`);
  }
  return { ...r, block, hash: blockHash(h) };
}

/** Makes a block's effects part of the committed state (call after they are durable on disk). */
export function commitBlock(state: ChainState, r: BlockResult): void {
  for (const [k, { account }] of r.changes.accounts) state.accounts.set(k, account);
  for (const [k, { validator }] of r.changes.validators) {
    if (validator) state.validators.set(k, validator);
    else state.validators.delete(k);
  }
  if (r.changes.unbonding) state.unbonding = r.changes.unbonding;
  state.tree = r.tree;
  state.height = r.block.header.height;
  state.lastBlockHash = r.hash;
  state.lastTimestampMs = r.block.header.timestampMs;
}
