// Optional worker-thread parallelism for the WASM gemm. Work is split over output rows only
// (pairs of rows of C), never over a reduction, and every output element runs exactly the same
// instruction sequence whichever thread computes it, so the bits do not depend on the number of
// threads (tested with 1, 2 and 3). Workers share the module's WebAssembly memory; the calling
// thread blocks on Atomics.wait until all chunks are done (kernels are synchronous).
import { Worker } from 'node:worker_threads';

type Gemm = (a: number, bt: number, c: number, m: number, np: number, k4: number) => void;
type Pool = { workers: Worker[]; ctrl: Int32Array };

const SLOT = 8; // per worker: [seq, done, a, bt, c, M, Np, K4]
const MIN_WORK = 1 << 18; // multiply-adds below which threads are not worth waking

// Plain JS (no TypeScript transform needed inside the worker).
const WORKER_SRC = `
const { workerData } = require('node:worker_threads');
const { bytes, mem, ctrlBuf, index } = workerData;
const ctrl = new Int32Array(ctrlBuf);
const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem } });
const gemm = inst.exports.gemm;
const b = index * ${SLOT};
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, b, seen);
  seen = Atomics.load(ctrl, b);
  if (seen < 0) break;
  gemm(ctrl[b + 2], ctrl[b + 3], ctrl[b + 4], ctrl[b + 5], ctrl[b + 6], ctrl[b + 7]);
  Atomics.store(ctrl, b + 1, seen);
  Atomics.notify(ctrl, b + 1);
}
`;

let threads = 1;
let pool: Pool | null = null;
let source: { bytes: Uint8Array; mem: unknown } | null = null;

/** Registers the module bytes and shared memory that workers instantiate (called by wasm_gemm). */
export function setPoolSource(bytes: Uint8Array, mem: unknown): void { source = { bytes, mem }; }

/** Number of threads (including the caller) used by the WASM gemm. 1 = no workers (default). */
export function setDetThreads(n: number): void {
  const want = Math.max(1, Math.floor(n));
  if (want === threads) return;
  stopPool();
  threads = want;
}

export function detThreads(): number { return threads; }

function stopPool(): void {
  if (!pool) return;
  for (let i = 0; i < pool.workers.length; i++) {
    Atomics.store(pool.ctrl, i * SLOT, -1);
    Atomics.notify(pool.ctrl, i * SLOT);
    void pool.workers[i].terminate();
  }
  pool = null;
}

function getPool(): Pool | null {
  if (threads <= 1 || !source) return null;
  if (pool) return pool;
  const n = threads - 1;
  const ctrlBuf = new SharedArrayBuffer(n * SLOT * 4);
  const ctrl = new Int32Array(ctrlBuf);
  const workers: Worker[] = [];
  for (let i = 0; i < n; i++) {
    const w = new Worker(WORKER_SRC, { eval: true, workerData: { bytes: source.bytes, mem: source.mem, ctrlBuf, index: i } });
    w.unref();
    workers.push(w);
  }
  pool = { workers, ctrl };
  return pool;
}

/** Runs gemm(a, bt, c, Mp, Np, K4) with Mp even, split over row pairs among the threads. */
export function runGemm(gemm: Gemm, a: number, bt: number, c: number, Mp: number, Np: number, K4: number): void {
  const p = Mp * Np * K4 >= MIN_WORK && Mp >= 4 ? getPool() : null;
  if (!p) { gemm(a, bt, c, Mp, Np, K4); return; }
  const T = p.workers.length + 1;
  const pairs = Mp >> 1;
  const rowBytes = K4 * 4;
  const seqs: number[] = [];
  // chunk t covers row pairs [floor(t*pairs/T), floor((t+1)*pairs/T)); chunk 0 stays here
  for (let t = 1; t < T; t++) {
    const r0 = 2 * Math.floor((t * pairs) / T), r1 = 2 * Math.floor(((t + 1) * pairs) / T);
    const b = (t - 1) * SLOT;
    const seq = (Atomics.load(p.ctrl, b) + 1) & 0x3fffffff;
    seqs.push(seq);
    if (r1 <= r0) { Atomics.store(p.ctrl, b + 1, seq); Atomics.store(p.ctrl, b, seq); continue; }
    p.ctrl[b + 2] = a + r0 * rowBytes; p.ctrl[b + 3] = bt; p.ctrl[b + 4] = c + r0 * Np * 4;
    p.ctrl[b + 5] = r1 - r0; p.ctrl[b + 6] = Np; p.ctrl[b + 7] = K4;
    Atomics.store(p.ctrl, b, seq);
    Atomics.notify(p.ctrl, b);
  }
  const r1 = 2 * Math.floor(pairs / T);
  if (r1 > 0) gemm(a, bt, c, r1, Np, K4);
  for (let t = 1; t < T; t++) {
    const b = (t - 1) * SLOT;
    for (;;) {
      const d = Atomics.load(p.ctrl, b + 1);
      if (d === seqs[t - 1]) break;
      Atomics.wait(p.ctrl, b + 1, d);
    }
  }
}
