// Runs inside a beacon-pool worker thread (started by beacon-pool.ts): verifies BLS beacon
// signatures and posts back which passed. Never imported by the node itself.
import { parentPort } from 'node:worker_threads';
import { beaconVerify } from '../../consensus/index.ts';
import type { BeaconCheck } from './beacon-pool.ts';

parentPort!.on('message', (m: { id: number; checks: BeaconCheck[] }) => {
  const ok = m.checks.map((c) => beaconVerify(c.blsKey, c.chainId, c.height, c.prevBeacon, c.signature));
  parentPort!.postMessage({ id: m.id, ok });
});
