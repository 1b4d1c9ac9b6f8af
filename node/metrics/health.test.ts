// What /health says: not serving beats everything; solo is synced; BFT is behind while block sync
// downloads or while its head is older than 10 block intervals (at least 30 s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthStatus, type HealthInputs } from './index.ts';

const base: HealthInputs = { serving: true, engine: 'bft', syncing: false, headTimestampMs: 100_000n, nowMs: 100_500n, blockIntervalMs: 1000 };

test('healthStatus: unavailable, synced and syncing by engine, block sync and head age', () => {
  assert.equal(healthStatus(base), 'synced');
  assert.equal(healthStatus({ ...base, serving: false }), 'unavailable');
  assert.equal(healthStatus({ ...base, serving: false, engine: 'solo' }), 'unavailable');
  assert.equal(healthStatus({ ...base, syncing: true }), 'syncing');
  assert.equal(healthStatus({ ...base, nowMs: 100_000n + 30_000n }), 'synced', '30 s is the floor');
  assert.equal(healthStatus({ ...base, nowMs: 100_000n + 30_001n }), 'syncing');
  assert.equal(healthStatus({ ...base, blockIntervalMs: 5000, nowMs: 100_000n + 50_000n }), 'synced', '10 intervals above the floor');
  assert.equal(healthStatus({ ...base, blockIntervalMs: 5000, nowMs: 100_000n + 50_001n }), 'syncing');
  assert.equal(healthStatus({ ...base, headTimestampMs: 1_000n, nowMs: 10n ** 12n }), 'syncing', 'a node at an old genesis is behind before it meets a peer');
  assert.equal(healthStatus({ ...base, engine: 'solo', syncing: true, headTimestampMs: 0n, nowMs: 10n ** 12n }), 'synced', 'a solo chain is decided here');
});
