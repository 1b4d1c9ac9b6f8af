import { blockHash } from '../../vm/index.ts';
import { NodeError } from '../util/index.ts';
import { bytesToHex, equalBytes, errorMessage, merkleRoot, sha256 } from '../../primitives/index.ts';
import type { ChainStore } from './chain-store.ts';
import { readHeadMarker } from './head-marker.ts';

/** How far back every start walks the hash chain from the head (the full walk is `polchain db check`). */
export const STARTUP_CHECK_DEPTH = 64n;

export interface IntegrityReport {
  head: bigint;
  /** Lowest height checked (1 for a full check). */
  from: bigint;
  blocks: number;
  receipts: number;
  /** Each problem found, one line each; empty when the range is sound. */
  problems: string[];
}

export interface CheckOptions {
  /** Heights below head - depth + 1 are not walked; undefined: back to height 1. */
  depth?: bigint;
  /** Also read every transaction's location and receipt (the full check). */
  receipts?: boolean;
  /** Stop at the first problem (startup) instead of listing them all (`db check`). */
  firstOnly?: boolean;
  onBlock?: (height: bigint) => void;
}

/**
 * Walks the stored chain down from the head: each block decodes, is at its height, its commit
 * names its hash, the hash index points back at it, and its prevHash is the hash of the block
 * below; with `receipts`, every transaction's location and receipt read back and decode. A read
 * error (a damaged table) is a problem like any other, never an exception.
 */
export async function checkStoredChain(store: ChainStore, o: CheckOptions = {}): Promise<IntegrityReport> {
  const head = await store.appliedHeight();
  const from = o.depth === undefined || head < o.depth ? 1n : head - o.depth + 1n;
  const r: IntegrityReport = { head, from, blocks: 0, receipts: 0, problems: [] };
  let above: Uint8Array | null = null; // prevHash of the block above the one being checked
  for (let h = head; h >= from && h > 0n; h--) {
    const problem = await checkHeight(store, h, above, o.receipts === true, r);
    o.onBlock?.(h);
    if (problem.line) {
      r.problems.push(problem.line);
      if (o.firstOnly) break;
    }
    above = problem.prevHash;
  }
  return r;
}

async function checkHeight(store: ChainStore, h: bigint, above: Uint8Array | null, receipts: boolean, r: IntegrityReport): Promise<{ line?: string; prevHash: Uint8Array | null }> {
  try {
    const block = await store.getBlock(h);
    if (!block) return { line: `block ${h} is missing`, prevHash: null };
    r.blocks++;
    if (block.header.height !== h) return { line: `block stored at ${h} says height ${block.header.height}`, prevHash: null };
    const hash = blockHash(block.header);
    const commit = await store.getCommit(h);
    if (!commit) return { line: `the commit of block ${h} is missing`, prevHash: block.header.prevHash };
    if (!equalBytes(commit.blockHash, hash)) return { line: `block ${h} hashes to ${bytesToHex(hash)} but its commit names ${bytesToHex(commit.blockHash)}`, prevHash: block.header.prevHash };
    if (above && !equalBytes(above, hash)) return { line: `block ${h + 1n} builds on ${bytesToHex(above)}, but block ${h} hashes to ${bytesToHex(hash)}`, prevHash: block.header.prevHash };
    if ((await store.getHeightByHash(hash)) !== h) return { line: `the hash index does not point at block ${h}`, prevHash: block.header.prevHash };
    if (receipts) {
      // The header commits to the transactions and receipts: a value that reads back wrong without
      // a read error (LevelDB does not verify every checksum) still shows up here.
      const txHashes = block.txs.map((t) => sha256(t));
      if (!equalBytes(merkleRoot(txHashes), block.header.txRoot)) return { line: `block ${h}: its transactions do not hash to the header's txRoot`, prevHash: block.header.prevHash };
      const receiptHashes: Uint8Array[] = [];
      for (let i = 0; i < txHashes.length; i++) {
        const got = await store.getStoredReceipt(txHashes[i]!);
        if (!got) return { line: `block ${h} tx ${i}: its receipt is missing`, prevHash: block.header.prevHash };
        const { receipt, bytes } = got;
        // the receipt is also the transaction's location (getTxLocation)
        if (receipt.height !== h || receipt.index !== i || !equalBytes(receipt.txHash, txHashes[i]!)) {
          return { line: `block ${h} tx ${i}: its receipt names tx ${receipt.index} of block ${receipt.height}`, prevHash: block.header.prevHash };
        }
        receiptHashes.push(sha256(bytes));
        r.receipts++;
      }
      if (!equalBytes(merkleRoot(receiptHashes), block.header.receiptsRoot)) return { line: `block ${h}: its stored receipts do not hash to the header's receiptsRoot`, prevHash: block.header.prevHash };
      await store.getBlockEvents(h);
    }
    return { prevHash: block.header.prevHash };
  } catch (e) {
    if (e instanceof NodeError && e.code === 'STORE_CORRUPT') return { line: `block ${h}: ${errorMessage(e)}`, prevHash: null };
    throw e;
  }
}

/** The startup check: the last STARTUP_CHECK_DEPTH blocks and their receipts; refuses with STORE_CORRUPT and a repair hint. */
export async function checkRecentChain(store: ChainStore, dataDir: string): Promise<IntegrityReport> {
  const r = await checkStoredChain(store, { depth: STARTUP_CHECK_DEPTH, receipts: true, firstOnly: true });
  if (r.problems.length) {
    throw new NodeError('STORE_CORRUPT', `the database in ${dataDir} is damaged: ${r.problems[0]}; run \`polchain db check --data-dir ${dataDir}\` for the full report, then restore the data dir from a backup (a BFT node may instead move db/ and head.marker aside and resync from its peers)`);
  }
  return r;
}

/**
 * Compares the database's head with the head marker (the last commit this data dir made durable):
 * a database behind it lost blocks (STORE_BEHIND); one at or above it must hold the marked block.
 * Returns false when there is no marker yet (a data dir from before markers, or a fresh one).
 */
export async function checkHeadAgainstMarker(store: ChainStore, markerPath: string, dataDir: string): Promise<boolean> {
  const mark = readHeadMarker(markerPath);
  if (!mark) return false;
  const head = await store.appliedHeight();
  if (head < mark.height) {
    throw new NodeError('STORE_BEHIND', `the database in ${dataDir} ends at block ${head}, but this data dir committed block ${mark.height} (${markerPath}): the database lost its newest blocks (a truncated db/*.log, an old copy restored?); running from block ${head} would sign or follow a different history. Restore the data dir from a backup, or (a BFT node) move db/ and head.marker aside and resync from peers; \`polchain db check --data-dir ${dataDir}\` shows what is left`);
  }
  if (mark.height > 0n) {
    const c = await store.getCommit(mark.height);
    if (!c || !equalBytes(c.blockHash, mark.hash)) {
      throw new NodeError('STORE_CORRUPT', `the database in ${dataDir} holds a different block ${mark.height} than this data dir committed (${markerPath} says ${bytesToHex(mark.hash)}); restore the data dir from a backup`);
    }
  }
  return true;
}

/** Whether `address` signed one of the last `depth` commits (a validator that lost its history but has signed). */
export async function signedInRecentBlocks(store: ChainStore, address: Uint8Array, depth = STARTUP_CHECK_DEPTH): Promise<boolean> {
  const head = await store.appliedHeight();
  for (let h = head; h > 0n && h > head - depth; h--) {
    const c = await store.getCommit(h);
    if (c?.signatures.some((s) => equalBytes(s.validator, address))) return true;
  }
  return false;
}
