// Runs inside a beacon-pool worker thread (started by beacon-pool.ts): verifies BLS beacon
// signatures and posts back which passed. Never imported by the node itself.
import { parentPort } from 'node:worker_threads';
import { beaconVerifyMany } from '../../consensus/index.ts';
import { blsReady } from '../../primitives/index.ts';
import type { BeaconCheck } from './beacon-pool.ts';

await blsReady(); // messages queue on the port until the handler below is attached

parentPort!.on('message', (m: { id: number; checks: BeaconCheck[] }) => {
  const ok = beaconVerifyMany(m.checks); // one shared pairing check for the range, one by one only if it fails
  parentPort!.postMessage({ id: m.id, ok });
});
