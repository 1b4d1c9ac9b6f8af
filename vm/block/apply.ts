
import { VmError, isVmError } from '../errors.ts';


import type { Block, BlockHeader, ChainEvent, JobUpdate, Receipt, Validator, VerifiedTx } from '../types/index.ts';
import type { ChainState } from '../state/chain-state.ts';
import { StateOverlay, applyChangesToTree, type StateWrite } from '../state/overlay.ts';
import type { SparseMerkleTree } from '../state/smt.ts';
import { executeTx, hasSlashableUnbonding, releaseUnbonding, slashValidator } from '../execute/tx.ts';
import { tickJobs } from '../jobs/tick.ts';
import { beaconAfter, BEACON_SIGNATURE_LENGTH } from '../state/beacon.ts';
import { verifyTxBytes } from '../tx/index.ts';
import { BLOCK_VERSION, blockHash } from './codec.ts';
import { encodeReceipts } from './receipts-codec.ts';
import { compareBytes, equalBytes, bytesToHex, merkleRoot, sha256 } from '../../primitives/index.ts';

/** Transactions already verified (e.g. at mempool admission), by hex SHA-256 of their exact bytes. */
export type VerifiedLookup = Pick<ReadonlyMap<string, VerifiedTx>, 'get'>;

export interface BlockResult {
  block: Block;
  hash: Uint8Array;
  receipts: Receipt[];
  receiptBytes: Uint8Array[];
  txHashes: Uint8Array[];
  /**
   * Events not caused by a transaction: matured unbonding (UnbondComplete), then one Slash per
   * evidence item, in block order (both before the first transaction), then the money of jobs the
   * end-of-block tick ended (after the last transaction; docs/jobs.md §5).
   */
  blockEvents: ChainEvent[];
  /** Every job status change in this block, from transactions then the tick, in order (not hashed). */
  jobUpdates: JobUpdate[];
  tree: SparseMerkleTree;
  writes: StateWrite[];
  changes: ReturnType<StateOverlay['changes']>;
  /** Build mode only: transactions left out, with the reason. */
  rejected: Array<{ hash: Uint8Array | null; bytes: Uint8Array; error: VmError }>;
  /** Build mode only: evidence items left out (invalid, duplicate, or no hooks to judge them). */
  rejectedEvidence: Array<{ bytes: Uint8Array; error: VmError }>;
  /**
   * `encodeBlock(block)`, set by a caller that holds it already (the proposal it decoded, the block
   * it built and encoded), so that storing the block does not encode it again.
   */
  encoded?: Uint8Array;
}

export interface BlockContext {
  height: bigint;
  timestampMs: bigint;
  proposer: Uint8Array;
  /** The proposer's BLS beacon signature (consensus beaconSign); 96 zero bytes if absent (solo tests without hooks). */
  beaconSig?: Uint8Array;
  /** Consensus's encoded commit of the previous block; null/absent at height 1 and in solo mode. */
  lastCommit?: Uint8Array | null;
  /** Consensus evidence items to include (each judged by hooks.evidenceOffender). */
  evidence?: Uint8Array[];
}

/**
 * What the vm cannot check itself (it may not import consensus): injected by the node. Without hooks
 * the vm checks only what it can (beacon = SHA-256(prev || sig), header hashes) and treats every
 * evidence item as invalid.
 */
export interface ConsensusHooks {
  /** BLS check of the proposer's beacon signature over (chainId, height, prevBeacon). */
  verifyBeacon(validator: Validator, chainId: string, height: bigint, prevBeacon: Uint8Array, sig: Uint8Array): boolean;
  /**
   * Checks the commit carried by block `height + 1` for block `height` (hash `prevHash`) against the
   * validator set of `height`. Called for every block from height 2 on; throws if invalid (also if
   * `commitBytes` is null and the hook requires one).
   */
  verifyLastCommit(height: bigint, prevHash: Uint8Array, commitBytes: Uint8Array | null): void;
  /**
   * Verifies one evidence item against the pre-block state and returns the offender's address and
   * the height of the offence (which decides what unbonding stake is still slashable); throws if invalid.
   */
  evidenceOffender(evidenceBytes: Uint8Array, state: ChainState): EvidenceOffence;
}

export interface EvidenceOffence {
  offender: Uint8Array;
  height: bigint;
}

const ZERO_SIG = new Uint8Array(BEACON_SIGNATURE_LENGTH);
const ZERO_HASH = new Uint8Array(32);

/** lastCommitHash: SHA-256 of the commit bytes, 32 zero bytes when there is none. */
export const lastCommitHash = (c: Uint8Array | null): Uint8Array => (c ? sha256(c) : ZERO_HASH);
/** evidenceHash: binary Merkle root over SHA-256 of each evidence item (as txRoot is over tx hashes). */
export const evidenceHash = (evidence: readonly Uint8Array[]): Uint8Array => merkleRoot(evidence.map((e) => sha256(e)));

const why = (e: unknown): string => (e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e));

type Executed = Omit<BlockResult, 'block' | 'hash'> & {
  included: Uint8Array[]; evidence: Uint8Array[]; beacon: Uint8Array;
  stateRoot: Uint8Array; txRoot: Uint8Array; receiptsRoot: Uint8Array;
};

/**
 * The state transition. Building and validating a block run this same function: in 'build' mode a
 * transaction (or evidence item) that fails is left out; in 'validate' mode it makes the whole block invalid.
 * Validator set changes (stake, unbond, slash) land in the state after this block, so they take
 * effect from the next height: the proposer and validatorsHash are checked against the state before it.
 */
function execute(
  state: ChainState, ctx: BlockContext, txs: Uint8Array[], mode: 'build' | 'validate', preverified?: VerifiedLookup, hooks?: ConsensusHooks,
): Executed {
  const { params } = state;
  if (ctx.height !== state.height + 1n) throw new VmError('BLOCK_INVALID', `height ${ctx.height} does not follow ${state.height}`);
  if (ctx.timestampMs <= state.lastTimestampMs) throw new VmError('BLOCK_INVALID', `timestamp ${ctx.timestampMs} is not after the parent's ${state.lastTimestampMs}`);
  const pv = state.getValidator(ctx.proposer);
  if (!pv || pv.stake === 0n || pv.jailed) throw new VmError('BLOCK_INVALID', `proposer ${bytesToHex(ctx.proposer)} is not an active validator`);

  const lastCommit = ctx.lastCommit ?? null;
  if (ctx.height === 1n && lastCommit !== null) throw new VmError('BLOCK_INVALID', 'block 1 cannot carry a last commit');
  if (ctx.height > 1n && hooks) {
    try {
      hooks.verifyLastCommit(ctx.height - 1n, state.lastBlockHash, lastCommit);
    } catch (e) {
      throw new VmError('BLOCK_INVALID', `last commit: ${why(e)}`);
    }
  }

  const sig = ctx.beaconSig ?? ZERO_SIG;
  if (sig.length !== BEACON_SIGNATURE_LENGTH) throw new VmError('BLOCK_INVALID', `beacon signature must be ${BEACON_SIGNATURE_LENGTH} bytes, got ${sig.length}`);
  // The builder just signed it; BLS verification (slow in pure JS) runs when validating.
  if (hooks && mode === 'validate' && !hooks.verifyBeacon(pv, state.chainId, ctx.height, state.beacon, sig)) {
    throw new VmError('BLOCK_INVALID', `beacon signature of proposer ${bytesToHex(ctx.proposer)} does not verify`);
  }
  const beacon = beaconAfter(state.beacon, sig);

  const o = new StateOverlay(state);
  o.setBeacon(beacon);
  const blockEvents = releaseUnbonding(o, ctx.height);

  const evidence: Uint8Array[] = [];
  const rejectedEvidence: BlockResult['rejectedEvidence'] = [];
  for (const [i, item] of (ctx.evidence ?? []).entries()) {
    try {
      if (!hooks) throw new VmError('BLOCK_INVALID', 'no consensus hooks to verify evidence with');
      let offence: EvidenceOffence;
      try {
        offence = hooks.evidenceOffender(item, state);
      } catch (e) {
        throw new VmError('BLOCK_INVALID', `invalid: ${why(e)}`);
      }
      const { offender } = offence;
      const v = o.validator(offender);
      if (v?.jailed) {
        const already = state.getValidator(offender)?.jailed;
        throw new VmError('BLOCK_INVALID', already ? `offender ${bytesToHex(offender)} is already jailed` : `second evidence against ${bytesToHex(offender)} in one block`);
      }
      if (!v || (v.stake === 0n && !hasSlashableUnbonding(o, offence, params))) {
        throw new VmError('BLOCK_INVALID', `offender ${bytesToHex(offender)} has no stake that backed height ${offence.height}`);
      }
      blockEvents.push(slashValidator(o, offence, params));
      evidence.push(item);
    } catch (e) {
      if (!isVmError(e)) throw e;
      if (mode === 'validate') throw new VmError('BLOCK_INVALID', `evidence ${i}: ${e.message}`);
      rejectedEvidence.push({ bytes: item, error: e });
    }
  }

  const receipts: Receipt[] = [];
  const included: Uint8Array[] = [];
  const txHashes: Uint8Array[] = [];
  const rejected: BlockResult['rejected'] = [];
  const jobUpdates: JobUpdate[] = [];
  let bytes = 0;
  for (const raw of txs) {
    if (mode === 'build' && (included.length >= params.maxBlockTxs || bytes + raw.length > params.maxBlockBytes)) break;
    let vtx: VerifiedTx | undefined;
    try {
      const hash = sha256(raw);
      vtx = preverified?.get(bytesToHex(hash)) ?? verifyTxBytes(raw, state.chainId, params.maxTxBytes, hash);
      receipts.push(executeTx(o, vtx, params, ctx.height, included.length, ctx.proposer, jobUpdates));
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
  const tick = tickJobs(o, ctx.height);
  blockEvents.push(...tick.events);
  jobUpdates.push(...tick.updates);
  const changes = o.changes();
  const { tree, writes } = applyChangesToTree(state.tree, changes);
  const receiptBytes = encodeReceipts(receipts);
  return {
    included, evidence, beacon, receipts, receiptBytes, txHashes, blockEvents, jobUpdates, tree, writes, changes, rejected, rejectedEvidence,
    stateRoot: tree.root(), txRoot: merkleRoot(txHashes), receiptsRoot: merkleRoot(receiptBytes.map((b) => sha256(b))),
  };
}

/**
 * Builds the next block from candidate transactions (in the order given), dropping those that fail.
 * ctx.beaconSig / ctx.lastCommit / ctx.evidence go into the body; evidence needs hooks to be included.
 */
export function buildBlock(
  state: ChainState, ctx: BlockContext, candidates: Uint8Array[], preverified?: VerifiedLookup, hooks?: ConsensusHooks,
): BlockResult {
  const r = execute(state, ctx, candidates, 'build', preverified, hooks);
  const lastCommit = ctx.lastCommit ?? null;
  const header: BlockHeader = {
    version: BLOCK_VERSION, chainId: state.chainId, height: ctx.height, timestampMs: ctx.timestampMs, prevHash: state.lastBlockHash,
    txRoot: r.txRoot, stateRoot: r.stateRoot, receiptsRoot: r.receiptsRoot, proposer: ctx.proposer,
    lastCommitHash: lastCommitHash(lastCommit), evidenceHash: evidenceHash(r.evidence), validatorsHash: state.validatorsHash(), beacon: r.beacon,
  };
  const block: Block = { header, txs: r.included, lastCommit, evidence: r.evidence, beaconSig: ctx.beaconSig ?? ZERO_SIG };
  return { ...strip(r), block, hash: blockHash(header) };
}

function strip(r: Executed): Omit<BlockResult, 'block' | 'hash'> {
  const { included: _i, evidence: _e, beacon: _b, stateRoot: _s, txRoot: _t, receiptsRoot: _r, ...rest } = r;
  return rest;
}

/** Validates and executes a block someone else built. Throws BLOCK_INVALID on any mismatch. */
export function applyBlock(state: ChainState, block: Block, preverified?: VerifiedLookup, hooks?: ConsensusHooks): BlockResult {
  const h = block.header;
  if (h.version !== BLOCK_VERSION) throw new VmError('BLOCK_INVALID', `unsupported block version ${h.version}`);
  if (h.chainId !== state.chainId) throw new VmError('BLOCK_INVALID', `block is for chain "${h.chainId}"`);
  if (!equalBytes(h.prevHash, state.lastBlockHash)) throw new VmError('BLOCK_INVALID', 'prevHash does not match the last committed block');
  // cheap header checks first, before any signature or execution work
  const checks: Array<readonly [string, Uint8Array, Uint8Array]> = [
    ['lastCommitHash', lastCommitHash(block.lastCommit), h.lastCommitHash],
    ['evidenceHash', evidenceHash(block.evidence), h.evidenceHash],
    ['validatorsHash', state.validatorsHash(), h.validatorsHash],
    ['beacon', beaconAfter(state.beacon, block.beaconSig), h.beacon],
  ];
  for (const [name, got, want] of checks) {
    if (compareBytes(got, want) !== 0) throw new VmError('BLOCK_INVALID', `${name} mismatch: header ${bytesToHex(want)}, computed ${bytesToHex(got)}`);
  }
  const ctx: BlockContext = { height: h.height, timestampMs: h.timestampMs, proposer: h.proposer, beaconSig: block.beaconSig, lastCommit: block.lastCommit, evidence: block.evidence };
  const r = execute(state, ctx, block.txs, 'validate', preverified, hooks);
  for (const [name, got, want] of [['txRoot', r.txRoot, h.txRoot], ['stateRoot', r.stateRoot, h.stateRoot], ['receiptsRoot', r.receiptsRoot, h.receiptsRoot]] as const) {
    if (compareBytes(got, want) !== 0) throw new VmError('BLOCK_INVALID', `${name} mismatch: header ${bytesToHex(want)}, computed ${bytesToHex(got)}`);
  }
  return { ...strip(r), block, hash: blockHash(h) };
}

/** Makes a block's effects part of the committed state (call after they are durable on disk). */
export function commitBlock(state: ChainState, r: BlockResult): void {
  for (const [k, { account }] of r.changes.accounts) state.accounts.set(k, account);
  for (const [k, { validator }] of r.changes.validators) {
    if (validator) state.validators.set(k, validator);
    else state.validators.delete(k);
  }
  if (r.changes.unbonding) state.unbonding = r.changes.unbonding;
  if (r.changes.beacon) state.beacon = r.changes.beacon;
  for (const [k, job] of r.changes.jobs) state.jobs.set(k, job);
  if (r.changes.activeJobs) state.activeJobs = r.changes.activeJobs;
  state.tree = r.tree;
  state.height = r.block.header.height;
  state.lastBlockHash = r.hash;
  state.lastTimestampMs = r.block.header.timestampMs;
}
