// BLS beacon checks off the event loop for block sync. A beacon verification costs ~50 ms of CPU
// (a pairing check plus hashing to G2), most of a synced block's cost, so block sync hands the
// beacons of the blocks it fetched to worker threads while it applies earlier blocks. A worker only
// answers "this exact (key, chain, height, previous beacon, signature) verifies": applyBlock still
// runs the beacon check through the hooks, which find a passed tuple in `passed` instead of redoing
// the pairing; any other tuple (a key that changed, a failed check) is verified there as before.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { bytesToHex } from '../../primitives/index.ts';
import type { ConsensusHooks } from '../../vm/index.ts';

export interface BeaconCheck { blsKey: Uint8Array; chainId: string; height: bigint; prevBeacon: Uint8Array; signature: Uint8Array }

// Node 20 does not carry the parent's tsx hooks into a worker (see node/jobs/replay-worker.ts).
const BOOT = `import { workerData } from 'node:worker_threads';
const { register } = await import(workerData.tsxApi);
register();
await import(workerData.entry);`;
const BOOT_URL = new URL(`data:text/javascript,${encodeURIComponent(BOOT)}`);
const ENTRY = new URL('./beacon-worker-main.ts', import.meta.url).href;

const checkKey = (c: BeaconCheck) => `${bytesToHex(c.blsKey)}|${c.chainId}|${c.height}|${bytesToHex(c.prevBeacon)}|${bytesToHex(c.signature)}`;

export class BeaconPool {
  private workers: Worker[] = [];
  private readonly pending = new Map<number, (ok: boolean[]) => void>();
  private nextId = 0;
  private next = 0;
  /** Tuples a worker verified and no block has used yet. */
  private readonly passed = new Set<string>();

  constructor(private readonly size = Math.max(1, Math.min(availableParallelism(), 8))) {}

  /** Verifies `checks` on the workers (spread over all of them); the ones that pass are remembered for `hooks`. */
  async verify(checks: BeaconCheck[]): Promise<void> {
    if (checks.length === 0) return;
    this.start();
    for (const w of this.workers) w.ref(); // busy workers keep the process alive; idle ones never do
    const per = Math.ceil(checks.length / this.workers.length);
    const parts: Promise<void>[] = [];
    for (let i = 0; i < checks.length; i += per) {
      const part = checks.slice(i, i + per);
      const w = this.workers[this.next++ % this.workers.length]!;
      const id = this.nextId++;
      parts.push(new Promise<boolean[]>((resolve) => {
        this.pending.set(id, resolve);
        w.postMessage({ id, checks: part });
      }).then((ok) => part.forEach((c, j) => ok[j] && this.passed.add(checkKey(c)))));
    }
    await Promise.all(parts);
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
  }

  /** `hooks` whose beacon check accepts a tuple a worker passed (once) and verifies any other itself. */
  hooks(hooks: ConsensusHooks): ConsensusHooks {
    return {
      ...hooks,
      verifyBeacon: (v, chainId, height, prevBeacon, signature) =>
        this.passed.delete(checkKey({ blsKey: v.blsKey, chainId, height, prevBeacon, signature })) || hooks.verifyBeacon(v, chainId, height, prevBeacon, signature),
    };
  }

  /** Forgets what was verified (a sync round ended) and stops the workers. */
  async close(): Promise<void> {
    this.passed.clear();
    const ws = this.workers;
    this.workers = [];
    for (const resolve of this.pending.values()) resolve([]);
    this.pending.clear();
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private start(): void {
    if (this.workers.length) return;
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(BOOT_URL, { workerData: { tsxApi: import.meta.resolve('tsx/esm/api'), entry: ENTRY } });
      w.on('message', (m: { id: number; ok: boolean[] }) => {
        const resolve = this.pending.get(m.id);
        this.pending.delete(m.id);
        resolve?.(m.ok);
      });
      // a dead worker: every open check is answered "not verified here", so applyBlock verifies it itself
      const fail = () => {
        for (const resolve of this.pending.values()) resolve([]);
        this.pending.clear();
      };
      w.on('error', fail);
      w.on('exit', () => {
        this.workers = this.workers.filter((x) => x !== w);
        fail();
      });
      w.unref();
      this.workers.push(w);
    }
  }
}
