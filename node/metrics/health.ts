// What GET /health and /ready say about a node (docs/operations.md "Health"): Lodestar's meanings,
// with "synced" defined for polchain's two engines.

import type { HealthStatus } from '../../rpc/index.ts';

/** A BFT head older than this many block intervals (and at least MIN_STALE_MS) means "behind". */
export const STALE_HEAD_INTERVALS = 10;
export const MIN_STALE_MS = 30_000;

export interface HealthInputs {
  /** false while starting (before the decider runs) and once stopping */
  serving: boolean;
  engine: 'solo' | 'bft';
  /** block sync is downloading blocks */
  syncing: boolean;
  /** the committed head's header timestamp, ms */
  headTimestampMs: bigint;
  nowMs: bigint;
  blockIntervalMs: number;
}

/**
 * Not serving: 'unavailable'. A solo chain is decided here, so a serving solo node is always at its
 * head. A BFT node is behind while block sync downloads, or while its head is older than
 * STALE_HEAD_INTERVALS block intervals: a node that starts far behind (or at genesis) says
 * 'syncing' from its first moment, before it has even met a peer, not only once blocks arrive.
 */
export function healthStatus(h: HealthInputs): HealthStatus {
  if (!h.serving) return 'unavailable';
  if (h.engine === 'solo') return 'synced';
  if (h.syncing) return 'syncing';
  const staleMs = BigInt(Math.max(MIN_STALE_MS, STALE_HEAD_INTERVALS * h.blockIntervalMs));
  return h.nowMs - h.headTimestampMs > staleMs ? 'syncing' : 'synced';
}
