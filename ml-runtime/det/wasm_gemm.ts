// WebAssembly SIMD fast path for gemm.ts, hand-assembled (no toolchain). Lane l of each f32x4
// accumulator holds stripe l of the canonical striped dot (term k -> stripe k mod 4), using
// f32x4.mul then f32x4.add (never fused, never relaxed), and the lanes combine as
// (l0 + l1) + (l2 + l3) in f32: exactly the scalar reference's operations, so the bits are equal
// (NaN payloads aside). K is zero-padded to a multiple of 4: a stripe starts at +0 and can never
// be -0, so adding +0 terms changes nothing. Tile: 2 rows of A x 4 rows of Bt.

import { runGemm, setPoolSource } from './gemm_pool.ts';

const SIMD = 0xfd;
function leb(n: number): number[] { const o: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; }
function sleb(n: number): number[] {
  const o: number[] = [];
  for (;;) { const b = n & 0x7f; n >>= 7; if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { o.push(b); return o; } o.push(b | 0x80); }
}
const str = (s: string) => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];

// params: 0 a, 1 bt, 2 c, 3 M (even), 4 Np (multiple of 4), 5 K4 (multiple of 4, >= 4)
const A = 0, BT = 1, C = 2, MM = 3, NP = 4, K4 = 5;
const I = 6, J = 7, K = 8, RB = 9, PA0 = 10, PA1 = 11, PB0 = 12, PB1 = 13, PB2 = 14, PB3 = 15, CP = 16;
const ACC = 17; // 17..24: acc[r*4 + t]
const VA0 = 25, VA1 = 26, VB = 27;

const get = (l: number) => [0x20, ...leb(l)];
const set = (l: number) => [0x21, ...leb(l)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const add = [0x6a], mul = [0x6c], ltu = [0x49];
const v128load = [SIMD, ...leb(0x00), 4, 0];
const f32x4add = [SIMD, ...leb(0xe4)], f32x4mul = [SIMD, ...leb(0xe6)];
const lane = (l: number) => [SIMD, ...leb(0x1f), l];
const v128zero = [SIMD, ...leb(0x0c), ...new Array(16).fill(0)];

function body(): number[] {
  const b: number[] = [];
  const e = (...xs: number[][]) => { for (const x of xs) b.push(...x); };
  e(get(K4), i32c(2), [0x74], set(RB)); // rowBytes = K4 << 2
  e(i32c(0), set(I));
  e([0x03, 0x40]); // loop i
  e(i32c(0), set(J));
  e([0x03, 0x40]); // loop j
  for (let t = 0; t < 8; t++) e(v128zero, set(ACC + t));
  e(get(A), get(I), get(RB), mul, add, set(PA0));
  e(get(PA0), get(RB), add, set(PA1));
  e(get(BT), get(J), get(RB), mul, add, set(PB0));
  e(get(PB0), get(RB), add, set(PB1));
  e(get(PB1), get(RB), add, set(PB2));
  e(get(PB2), get(RB), add, set(PB3));
  e(i32c(0), set(K));
  e([0x03, 0x40]); // loop k
  e(get(PA0), get(K), add, v128load, set(VA0));
  e(get(PA1), get(K), add, v128load, set(VA1));
  const pbs = [PB0, PB1, PB2, PB3];
  for (let t = 0; t < 4; t++) {
    e(get(pbs[t]), get(K), add, v128load, set(VB));
    e(get(ACC + t), get(VA0), get(VB), f32x4mul, f32x4add, set(ACC + t));
    e(get(ACC + 4 + t), get(VA1), get(VB), f32x4mul, f32x4add, set(ACC + 4 + t));
  }
  e(get(K), i32c(16), add, set(K));
  e(get(K), get(RB), ltu, [0x0d, 0]); // br_if loop k
  e([0x0b]);
  // stores: c[(i + r) * Np + j + t] = (l0 + l1) + (l2 + l3)
  for (let r = 0; r < 2; r++) {
    e(get(C), get(I), i32c(r), add, get(NP), mul, get(J), add, i32c(2), [0x74], add, set(CP));
    for (let t = 0; t < 4; t++) {
      const acc = ACC + r * 4 + t;
      e(get(CP));
      e(get(acc), lane(0), get(acc), lane(1), [0x92]);
      e(get(acc), lane(2), get(acc), lane(3), [0x92]);
      e([0x92]);
      e([0x38, 2, ...leb(t * 4)]); // f32.store offset t*4
    }
  }
  e(get(J), i32c(4), add, set(J));
  e(get(J), get(NP), ltu, [0x0d, 0]); // br_if loop j
  e([0x0b]);
  e(get(I), i32c(2), add, set(I));
  e(get(I), get(MM), ltu, [0x0d, 0]); // br_if loop i
  e([0x0b]);
  e([0x0b]); // end func
  return b;
}

const INITIAL_PAGES = 16;
const MAX_PAGES = 16384; // 1 GiB

function moduleBytes(): Uint8Array {
  const fbody = [2, ...leb(11), 0x7f, ...leb(11), 0x7b, ...body()];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    // memory imported from env.mem: shared (flag 3), so worker threads can run row chunks
    ...section(2, [1, ...str('env'), ...str('mem'), 0x02, 0x03, ...leb(INITIAL_PAGES), ...leb(MAX_PAGES)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('gemm'), 0, 0]),
    ...section(10, [1, ...leb(fbody.length), ...fbody]),
  ];
  return Uint8Array.from(bytes);
}

// Minimal typings: the project's lib setting (ES2023 + node types) does not declare WebAssembly.
type WasmMemory = { buffer: ArrayBuffer | SharedArrayBuffer; grow(pages: number): number };
type WasmApi = {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

type Inst = { gemm: (a: number, bt: number, c: number, m: number, np: number, k4: number) => void; mem: WasmMemory };
let inst: Inst | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable. */
export function wasmGemm(): Inst | null {
  if (inst !== undefined) return inst;
  try {
    if (!WA) throw new Error('no WebAssembly');
    const bytes = moduleBytes();
    const mem = new WA.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
    const m = new WA.Module(bytes);
    const exp = new WA.Instance(m, { env: { mem } }).exports as { gemm: Inst['gemm'] };
    inst = { gemm: exp.gemm, mem };
    setPoolSource(bytes, mem);
  } catch {
    inst = null;
  }
  return inst;
}

/** Copies rows of length K into rows of length K4, zero-filling the tail (no allocation). */
function padRows(src: Float32Array, off: number, rows: number, K: number, dst: Float32Array, d0: number, K4: number): void {
  for (let i = 0; i < rows; i++) {
    const s = off + i * K, d = d0 + i * K4;
    let k = 0;
    for (; k < K; k++) dst[d + k] = src[s + k];
    for (; k < K4; k++) dst[d + k] = 0;
  }
}

/** Same contract and bits as gemmABt's scalar path. Returns false if SIMD is unavailable. */
export function gemmABtWasm(
  Asrc: Float32Array, aOff: number, Bsrc: Float32Array, bOff: number,
  M: number, N: number, K: number, Cdst: Float32Array, cOff: number,
): boolean {
  const w = wasmGemm();
  if (!w || K === 0) return false;
  const Mp = M + (M & 1), Np = (N + 3) & ~3, K4 = (K + 3) & ~3;
  const aBytes = Mp * K4 * 4, bBytes = Np * K4 * 4, cBytes = Mp * Np * 4;
  const need = aBytes + bBytes + cBytes;
  if (w.mem.buffer.byteLength < need) w.mem.grow(Math.ceil((need - w.mem.buffer.byteLength) / 65536));
  const f = new Float32Array(w.mem.buffer);
  const a0 = 0, b0 = aBytes >> 2, c0 = (aBytes + bBytes) >> 2;
  if (K4 === K) {
    f.set(Asrc.subarray(aOff, aOff + M * K), a0);
    f.set(Bsrc.subarray(bOff, bOff + N * K), b0);
  } else {
    padRows(Asrc, aOff, M, K, f, a0, K4);
    padRows(Bsrc, bOff, N, K, f, b0, K4);
  }
  f.fill(0, a0 + M * K4, a0 + Mp * K4);
  f.fill(0, b0 + N * K4, b0 + Np * K4);
  runGemm(w.gemm, 0, aBytes, aBytes + bBytes, Mp, Np, K4);
  if (Np === N) Cdst.set(f.subarray(c0, c0 + M * N), cOff);
  else for (let i = 0; i < M; i++) { const s = c0 + i * Np, d = cOff + i * N; for (let j = 0; j < N; j++) Cdst[d + j] = f[s + j]; }
  return true;
}

export type WasmWorkspace = {
  /** A rows (Mp of them) with stride K4; the caller fills rows 0..M-1 incl. zeros in [K, K4). */
  A: Float32Array;
  /** Bt rows (Np of them) with stride K4; the caller fills rows 0..N-1 incl. zeros in [K, K4). */
  Bt: Float32Array;
  K4: number;
  /** Runs the product and copies the M x N result into C at cOff. */
  run(C: Float32Array, cOff: number): void;
};

/** Lets a kernel pack its operands straight into WebAssembly memory (no extra copy).
 *  Returns null where SIMD is unavailable or K is 0. Same bits as gemmABtWasm. */
export function wasmWorkspace(M: number, N: number, K: number): WasmWorkspace | null {
  const w = wasmGemm();
  if (!w || K === 0) return null;
  const Mp = M + (M & 1), Np = (N + 3) & ~3, K4 = (K + 3) & ~3;
  const aBytes = Mp * K4 * 4, bBytes = Np * K4 * 4, cBytes = Mp * Np * 4;
  const need = aBytes + bBytes + cBytes;
  if (w.mem.buffer.byteLength < need) w.mem.grow(Math.ceil((need - w.mem.buffer.byteLength) / 65536));
  const buf = w.mem.buffer;
  const A = new Float32Array(buf, 0, Mp * K4), Bt = new Float32Array(buf, aBytes, Np * K4);
  A.fill(0, M * K4);
  Bt.fill(0, N * K4);
  return {
    A, Bt, K4,
    run(C: Float32Array, cOff: number): void {
      runGemm(w.gemm, 0, aBytes, aBytes + bBytes, Mp, Np, K4);
      const f = new Float32Array(w.mem.buffer, aBytes + bBytes, Mp * Np);
      if (Np === N) C.set(f.subarray(0, M * N), cOff);
      else for (let i = 0; i < M; i++) { const s = i * Np, d = cOff + i * N; for (let j = 0; j < N; j++) C[d + j] = f[s + j]; }
    },
  };
}
