// Step hashing off the training thread: a worker computes h_t (same bytes as stepHash in
// state.ts) while the main thread runs the next step. The worker source is plain JavaScript
// (no TypeScript loader needed in the worker). Results arrive in submission order.
import { Worker } from 'node:worker_threads';

import { assertFinite, stepHash, tensorsOf, type TrainState } from '../commitment/state.ts';
import { LITTLE_ENDIAN } from '../commitment/float-bytes.ts';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const TAG = Buffer.from('polchain/step-hash/v1\\u0000', 'utf8');
const MAGIC = Buffer.from('PCS1', 'utf8');
parentPort.on('message', (m) => {
  const h = createHash('sha256');
  const hdr = Buffer.alloc(8);
  hdr.writeBigUInt64BE(BigInt(m.step));
  h.update(TAG); h.update(m.jobId); h.update(hdr);
  const sh = Buffer.alloc(16);
  MAGIC.copy(sh, 0); sh.writeBigUInt64BE(BigInt(m.step), 4); sh.writeUInt32BE(m.tensors.length, 12);
  h.update(sh);
  const len = Buffer.alloc(4);
  for (const t of m.tensors) {
    len.writeUInt32BE(t.length); h.update(len);
    h.update(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  }
  parentPort.postMessage({ id: m.id, hash: new Uint8Array(h.digest()) });
});
`;

/** Computes step hashes on a worker thread; `submit` returns a promise of h_t for the state. */
export class StepHashWorker {
  private readonly worker: Worker | null;
  private readonly pending = new Map<number, (h: Uint8Array) => void>();
  private readonly failures = new Map<number, (e: Error) => void>();
  private nextId = 0;

  constructor() {
    // The worker assumes little-endian float32 layout; other hosts hash on the calling thread.
    this.worker = LITTLE_ENDIAN ? new Worker(WORKER_SOURCE, { eval: true }) : null;
    this.worker?.on('message', (m: { id: number; hash: Uint8Array }) => {
      const r = this.pending.get(m.id);
      this.pending.delete(m.id); this.failures.delete(m.id);
      r?.(m.hash);
    });
    this.worker?.on('error', (e) => { for (const f of this.failures.values()) f(e); this.pending.clear(); this.failures.clear(); });
  }

  /**
   * h_t for `s` (t = s.step). By default the state's arrays are copied to the worker. With
   * `transfer`, their buffers are moved instead (no copy) and `s` becomes unusable: only for a
   * state the caller will never read again, whose arrays own their whole buffers.
   */
  submit(jobId: Uint8Array, s: TrainState, transfer = false): Promise<Uint8Array> {
    assertFinite(s);
    if (!this.worker) return Promise.resolve(stepHash(jobId, s));
    if (jobId.length !== 32) return Promise.resolve(stepHash(jobId, s)); // throws the typed error
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      this.failures.set(id, reject);
      const tensors = tensorsOf(s);
      let list: ArrayBuffer[] = [];
      if (transfer) {
        const bufs = new Set<ArrayBuffer>();
        for (const t of tensors) {
          if (t.buffer instanceof ArrayBuffer && t.byteOffset === 0 && t.byteLength === t.buffer.byteLength) bufs.add(t.buffer);
          else { bufs.clear(); break; } // a view into a larger buffer: copy instead
        }
        list = bufs.size === tensors.length ? [...bufs] : [];
      }
      this.worker!.postMessage({ id, jobId, step: s.step, tensors }, list);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}
