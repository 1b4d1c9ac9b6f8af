// The solo producer's BLS beacon signature off the event loop. Signing costs ~30 ms of CPU (hash to
// G2 plus a scalar multiplication), and on the main thread it stalls every RPC submit for that long
// once per block. Its inputs (chain id, height, previous beacon) are known as soon as the previous
// block commits, so the producer asks for the next one right then and a worker thread signs while
// the block's transactions gather. The signature is unique (BLS): the worker's bytes are exactly
// what beaconSign on the main thread gives; when no worker can run, the main thread signs.
import { Worker } from 'node:worker_threads';
import { beaconSign } from '../../consensus/index.ts';
import { bytesToHex } from '../../primitives/index.ts';

// Node 20 does not carry the parent's tsx hooks into a worker (see node/jobs/replay-worker.ts).
const BOOT = `import { workerData } from 'node:worker_threads';
const { register } = await import(workerData.tsxApi);
register();
await import(workerData.entry);`;
const BOOT_URL = new URL(`data:text/javascript,${encodeURIComponent(BOOT)}`);
const ENTRY = new URL('./beacon-sign-worker-main.ts', import.meta.url).href;

export interface BeaconInput { chainId: string; height: bigint; prevBeacon: Uint8Array }

const inputKey = (i: BeaconInput) => `${i.chainId}|${i.height}|${bytesToHex(i.prevBeacon)}`;

export class BeaconSigner {
  private worker: Worker | undefined;
  private failed = false;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (sig: Uint8Array) => void; input: BeaconInput }>();
  /** The one signature asked for ahead of its block. */
  private ahead: { key: string; sig: Promise<Uint8Array> } | undefined;

  /** `useWorker` false: every signature on the calling thread (as before), for embedders without workers. */
  constructor(private readonly secret: Uint8Array, private readonly useWorker = true) {}

  /** Starts signing `input` now; a later `sign` of the same input takes this result. */
  prepare(input: BeaconInput): void {
    const key = inputKey(input);
    if (this.ahead?.key === key) return;
    this.ahead = { key, sig: this.request(input) };
  }

  /** The beacon signature of `input`: the prepared one when the input matches, else signed now. */
  sign(input: BeaconInput): Promise<Uint8Array> {
    const a = this.ahead;
    this.ahead = undefined;
    if (a && a.key === inputKey(input)) return a.sig;
    return this.request(input);
  }

  async close(): Promise<void> {
    this.ahead = undefined;
    const w = this.worker;
    this.worker = undefined;
    this.failed = true; // a closed signer signs on the calling thread
    this.settleOnThread();
    await w?.terminate();
  }

  private local(i: BeaconInput): Uint8Array {
    return beaconSign(this.secret, i.chainId, i.height, i.prevBeacon);
  }

  private request(input: BeaconInput): Promise<Uint8Array> {
    const w = this.start();
    if (!w) return Promise.resolve(this.local(input));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, input });
      w.postMessage({ id, chainId: input.chainId, height: input.height, prevBeacon: input.prevBeacon });
      w.ref(); // an open request keeps the process alive; an idle worker never does
    });
  }

  /** A worker that died or was closed: whatever it still owed is signed here, the same bytes. */
  private settleOnThread(): void {
    const open = [...this.pending.values()];
    this.pending.clear();
    for (const p of open) p.resolve(this.local(p.input));
  }

  private start(): Worker | undefined {
    if (!this.useWorker || this.failed) return undefined;
    if (this.worker) return this.worker;
    const w = new Worker(BOOT_URL, { workerData: { tsxApi: import.meta.resolve('tsx/esm/api'), entry: ENTRY, secret: this.secret } });
    w.on('message', (m: { id: number; sig: Uint8Array }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      p?.resolve(m.sig);
    });
    const fail = () => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.failed = true;
      this.settleOnThread();
    };
    w.on('error', fail);
    w.on('exit', fail);
    w.unref();
    this.worker = w;
    return w;
  }
}
