import { P2pError } from './errors.ts';
import { concatBytes, decodeVarint, encodeVarint } from './framing.ts';
import type { P2pHost } from './types.ts';
import { DEFAULTS } from './limits.ts';
import { PENALTY } from './scores.ts';
import { errorMessage } from '../../primitives/index.ts';

/**
 * Block sync on top of request/response, working on opaque byte items so nothing here
 * depends on vm types. The node supplies the encoding of a block+commit item.
 *
 *   sync/blocks  request  varint(fromHeight) varint(maxCount)
 *                response varint(n) then n x (varint(len) bytes), items for heights from, from+1, ...
 *
 * The `blob` protocol (blob.ts) shares SYNC_DEFAULTS and FetchOptions.
 */
export const BLOCK_SYNC_PROTOCOL = 'sync/blocks';

export const SYNC_DEFAULTS = {
  maxBlocksPerRequest: 64,
  maxBlockResponseBytes: DEFAULTS.maxResponseBytes,
  maxBlobBytes: DEFAULTS.maxResponseBytes,
} as const;

// ---- codecs (exported for tests and for the node's own use) -----------------------------

export function encodeRangeRequest(from: bigint, count: number): Uint8Array {
  if (from < 0n || !Number.isSafeInteger(count) || count < 1) {
    throw new P2pError('P2P_BAD_OPTIONS', `bad block range from=${from} count=${count}`);
  }
  return concatBytes([encodeVarint(from), encodeVarint(count)]);
}

export function decodeRangeRequest(buf: Uint8Array): { from: bigint; count: number } {
  const a = decodeVarint(buf, 0);
  const b = a === undefined ? undefined : decodeVarint(buf, a.bytes);
  if (a === undefined || b === undefined || a.bytes + b.bytes !== buf.length) {
    throw new P2pError('P2P_MALFORMED_FRAME', 'block range request: want exactly two varints');
  }
  if (b.value < 1n || b.value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new P2pError('P2P_MALFORMED_FRAME', `block range request: bad count ${b.value}`);
  }
  return { from: a.value, count: Number(b.value) };
}

export function encodeItems(items: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [encodeVarint(items.length)];
  for (const it of items) parts.push(encodeVarint(it.byteLength), it);
  return concatBytes(parts);
}

export function decodeItems(buf: Uint8Array, maxItems: number): Uint8Array[] {
  const n = decodeVarint(buf, 0);
  if (n === undefined) throw new P2pError('P2P_MALFORMED_FRAME', 'item list: missing count');
  if (n.value > BigInt(maxItems)) {
    throw new P2pError('P2P_MALFORMED_FRAME', `item list: ${n.value} items, at most ${maxItems} allowed`);
  }
  let o = n.bytes;
  const out: Uint8Array[] = [];
  for (let i = 0; i < Number(n.value); i++) {
    const len = decodeVarint(buf, o);
    if (len === undefined) throw new P2pError('P2P_MALFORMED_FRAME', `item list: item ${i} length truncated`);
    o += len.bytes;
    if (len.value > BigInt(buf.length - o)) throw new P2pError('P2P_MALFORMED_FRAME', `item list: item ${i} truncated`);
    const l = Number(len.value);
    out.push(buf.subarray(o, o + l));
    o += l;
  }
  if (o !== buf.length) throw new P2pError('P2P_MALFORMED_FRAME', `item list: ${buf.length - o} trailing bytes`);
  return out;
}

// ---- block sync ---------------------------------------------------------------------------

export interface BlockSyncServerOptions {
  /** Items per response at most (default 64); a larger request is served partially. */
  maxCount?: number;
  /** Response byte budget (default 16 MiB); items stop once the next would exceed it. */
  maxResponseBytes?: number;
}

/**
 * Serves `sync/blocks`. `getRange(from, count)` returns up to `count` consecutive items
 * starting at height `from` (fewer, or none, when the node does not have them).
 */
export async function registerBlockSyncServer(
  host: P2pHost,
  getRange: (from: bigint, count: number, peerId: string) => Promise<Uint8Array[]> | Uint8Array[],
  opts: BlockSyncServerOptions = {},
): Promise<void> {
  const maxCount = opts.maxCount ?? SYNC_DEFAULTS.maxBlocksPerRequest;
  const budget = opts.maxResponseBytes ?? SYNC_DEFAULTS.maxBlockResponseBytes;
  await host.handle(
    BLOCK_SYNC_PROTOCOL,
    async (req, peer) => {
      let range: { from: bigint; count: number };
      try {
        range = decodeRangeRequest(req);
      } catch (err) {
        host.adjustScore(peer, PENALTY.badFrame, 'malformed sync/blocks request');
        throw err;
      }
      const items = await getRange(range.from, Math.min(range.count, maxCount), peer);
      const kept: Uint8Array[] = [];
      let size = 16;
      for (const it of items.slice(0, Math.min(range.count, maxCount))) {
        size += it.byteLength + 10;
        if (size > budget) break;
        kept.push(it);
      }
      if (kept.length === 0 && items.length > 0) {
        throw new P2pError('P2P_FRAME_TOO_LARGE', `item at height ${range.from} is larger than the response budget ${budget}`);
      }
      return encodeItems(kept);
    },
    { maxRequestBytes: 32, maxResponseBytes: budget + 1 },
  );
}

export interface FetchOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

/** Asks `peerId` for up to `count` items from height `from`; returns them in height order (maybe fewer). */
export async function fetchBlocks(
  host: P2pHost,
  peerId: string,
  from: bigint,
  count: number,
  opts: FetchOptions = {},
): Promise<Uint8Array[]> {
  const res = await host.request(peerId, BLOCK_SYNC_PROTOCOL, encodeRangeRequest(from, count), {
    timeoutMs: opts.timeoutMs ?? DEFAULTS.requestTimeoutMs,
    maxResponseBytes: opts.maxResponseBytes ?? SYNC_DEFAULTS.maxBlockResponseBytes,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
  try {
    return decodeItems(res, count);
  } catch (err) {
    host.adjustScore(peerId, PENALTY.badResponse, 'malformed sync/blocks response');
    throw new P2pError('P2P_BAD_RESPONSE', `sync/blocks response from ${peerId}: ${errorMessage(err)}`);
  }
}
