// Runs inside the solo producer's beacon-signing worker thread (started by beacon-signer.ts): signs
// beacon messages with the secret it was started with. Never imported by the node itself.
import { parentPort, workerData } from 'node:worker_threads';
import { beaconSign } from '../../consensus/index.ts';
import { blsReady } from '../../primitives/index.ts';

await blsReady(); // messages queue on the port until the handler below is attached

const secret = workerData.secret as Uint8Array;
parentPort!.on('message', (m: { id: number; chainId: string; height: bigint; prevBeacon: Uint8Array }) => {
  parentPort!.postMessage({ id: m.id, sig: beaconSign(secret, m.chainId, m.height, m.prevBeacon) });
});
