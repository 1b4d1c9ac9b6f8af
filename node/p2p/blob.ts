import { createHash } from 'node:crypto';
import { P2pError } from './errors.ts';
import { concatBytes } from './framing.ts';
import { DEFAULTS } from './limits.ts';
import { PENALTY } from './scores.ts';
import { SYNC_DEFAULTS, type FetchOptions } from './sync.ts';
import type { P2pHost } from './types.ts';

/**
 * Content by hash on top of request/response (payloads too big for gossip go by hash).
 *
 *   blob  request  the content hash (1..64 bytes)
 *         response 0x00 (not found) | 0x01 content
 */
export const BLOB_PROTOCOL = 'blob';

export interface BlobServerOptions {
  /** Largest blob served (default 16 MiB). */
  maxBlobBytes?: number;
}

export async function registerBlobServer(
  host: P2pHost,
  getBlob: (hash: Uint8Array, peerId: string) => Promise<Uint8Array | undefined> | Uint8Array | undefined,
  opts: BlobServerOptions = {},
): Promise<void> {
  const max = opts.maxBlobBytes ?? SYNC_DEFAULTS.maxBlobBytes;
  await host.handle(
    BLOB_PROTOCOL,
    async (hash, peer) => {
      if (hash.length < 1 || hash.length > 64) {
        host.adjustScore(peer, PENALTY.badFrame, 'malformed blob request');
        throw new P2pError('P2P_MALFORMED_FRAME', `blob request: hash of ${hash.length} bytes`);
      }
      const blob = await getBlob(hash, peer);
      if (blob === undefined) return Uint8Array.of(0);
      return concatBytes([Uint8Array.of(1), blob]);
    },
    { maxRequestBytes: 64, maxResponseBytes: max + 1 },
  );
}

export function sha256Matches(content: Uint8Array, hash: Uint8Array): boolean {
  const h = createHash('sha256').update(content).digest();
  return h.length === hash.length && h.equals(hash);
}

export interface FetchBlobOptions extends FetchOptions {
  /** Checks content against the requested hash (default: SHA-256(content) == hash). */
  verify?: (content: Uint8Array, hash: Uint8Array) => boolean;
}

/** Fetches content by hash; undefined when the peer does not have it. Wrong content penalises the peer and throws. */
export async function fetchBlob(
  host: P2pHost,
  peerId: string,
  hash: Uint8Array,
  opts: FetchBlobOptions = {},
): Promise<Uint8Array | undefined> {
  const res = await host.request(peerId, BLOB_PROTOCOL, hash, {
    timeoutMs: opts.timeoutMs ?? DEFAULTS.requestTimeoutMs,
    maxResponseBytes: (opts.maxResponseBytes ?? SYNC_DEFAULTS.maxBlobBytes) + 1,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
  if (res.length === 1 && res[0] === 0) return undefined;
  if (res.length < 1 || res[0] !== 1) {
    host.adjustScore(peerId, PENALTY.badResponse, 'malformed blob response');
    throw new P2pError('P2P_BAD_RESPONSE', `blob response from ${peerId} has a bad tag`);
  }
  const content = res.subarray(1);
  const verify = opts.verify ?? sha256Matches;
  if (!verify(content, hash)) {
    host.adjustScore(peerId, PENALTY.invalidGossip, 'blob content does not match its hash');
    throw new P2pError('P2P_BAD_RESPONSE', `blob from ${peerId} does not match the requested hash`);
  }
  return content;
}
