// The canonical fixed-order matrix product every det dot-product kernel reduces to.
//   C[i][j] = stripedDot(A[i][0..K), Bt[j][0..K))
// with A row-major [M][K], Bt row-major [N][K] (B transposed), C row-major [M][N].
// stripedDot: term k goes to stripe k mod 4 (s_k%4 = fround(s + fround(a*b))), stripes start
// at +0 and combine as fround(fround(s0+s1)+fround(s2+s3)). The 2x2 register tiling below only
// changes which outputs are computed together, never the order of any output's operations.

import { gemmABtWasm } from './wasm_gemm.ts';

const fr = Math.fround;

let simd = true;
/** Enables/disables the WebAssembly SIMD path (bit-identical to the scalar reference; for tests). */
export function setDetSimd(enabled: boolean): void { simd = enabled; }
export function detSimdEnabled(): boolean { return simd; }

/** C[cOff + i*N + j] = canonical dot of A row i and Bt row j (SIMD when available). */
export function gemmABt(
  A: Float32Array, aOff: number, Bt: Float32Array, bOff: number,
  M: number, N: number, K: number, C: Float32Array, cOff: number,
): void {
  if (simd && M * N * K >= 512 && gemmABtWasm(A, aOff, Bt, bOff, M, N, K, C, cOff)) return;
  gemmABtScalar(A, aOff, Bt, bOff, M, N, K, C, cOff);
}

function dot1(A: Float32Array, a: number, B: Float32Array, b: number, K: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 3 < K; k += 4) {
    s0 = fr(s0 + fr(A[a + k] * B[b + k]));
    s1 = fr(s1 + fr(A[a + k + 1] * B[b + k + 1]));
    s2 = fr(s2 + fr(A[a + k + 2] * B[b + k + 2]));
    s3 = fr(s3 + fr(A[a + k + 3] * B[b + k + 3]));
  }
  if (k < K) s0 = fr(s0 + fr(A[a + k] * B[b + k]));
  if (k + 1 < K) s1 = fr(s1 + fr(A[a + k + 1] * B[b + k + 1]));
  if (k + 2 < K) s2 = fr(s2 + fr(A[a + k + 2] * B[b + k + 2]));
  return fr(fr(s0 + s1) + fr(s2 + s3));
}

/** The scalar reference: C[cOff + i*N + j] = canonical dot of A row i and Bt row j. */
export function gemmABtScalar(
  A: Float32Array, aOff: number, Bt: Float32Array, bOff: number,
  M: number, N: number, K: number, C: Float32Array, cOff: number,
): void {
  const K4 = K - (K & 3);
  const r = K & 3;
  let i = 0;
  for (; i + 1 < M; i += 2) {
    const a0 = aOff + i * K, a1 = a0 + K;
    const c0 = cOff + i * N, c1 = c0 + N;
    let j = 0;
    for (; j + 1 < N; j += 2) {
      const b0 = bOff + j * K, b1 = b0 + K;
      let p0 = 0, p1 = 0, p2 = 0, p3 = 0; // (i, j)
      let q0 = 0, q1 = 0, q2 = 0, q3 = 0; // (i, j+1)
      let u0 = 0, u1 = 0, u2 = 0, u3 = 0; // (i+1, j)
      let v0 = 0, v1 = 0, v2 = 0, v3 = 0; // (i+1, j+1)
      for (let k = 0; k < K4; k += 4) {
        let x = A[a0 + k], y = A[a1 + k], z = Bt[b0 + k], w = Bt[b1 + k];
        p0 = fr(p0 + fr(x * z)); q0 = fr(q0 + fr(x * w)); u0 = fr(u0 + fr(y * z)); v0 = fr(v0 + fr(y * w));
        x = A[a0 + k + 1]; y = A[a1 + k + 1]; z = Bt[b0 + k + 1]; w = Bt[b1 + k + 1];
        p1 = fr(p1 + fr(x * z)); q1 = fr(q1 + fr(x * w)); u1 = fr(u1 + fr(y * z)); v1 = fr(v1 + fr(y * w));
        x = A[a0 + k + 2]; y = A[a1 + k + 2]; z = Bt[b0 + k + 2]; w = Bt[b1 + k + 2];
        p2 = fr(p2 + fr(x * z)); q2 = fr(q2 + fr(x * w)); u2 = fr(u2 + fr(y * z)); v2 = fr(v2 + fr(y * w));
        x = A[a0 + k + 3]; y = A[a1 + k + 3]; z = Bt[b0 + k + 3]; w = Bt[b1 + k + 3];
        p3 = fr(p3 + fr(x * z)); q3 = fr(q3 + fr(x * w)); u3 = fr(u3 + fr(y * z)); v3 = fr(v3 + fr(y * w));
      }
      if (r > 0) {
        const k = K4;
        let x = A[a0 + k], y = A[a1 + k], z = Bt[b0 + k], w = Bt[b1 + k];
        p0 = fr(p0 + fr(x * z)); q0 = fr(q0 + fr(x * w)); u0 = fr(u0 + fr(y * z)); v0 = fr(v0 + fr(y * w));
        if (r > 1) {
          x = A[a0 + k + 1]; y = A[a1 + k + 1]; z = Bt[b0 + k + 1]; w = Bt[b1 + k + 1];
          p1 = fr(p1 + fr(x * z)); q1 = fr(q1 + fr(x * w)); u1 = fr(u1 + fr(y * z)); v1 = fr(v1 + fr(y * w));
          if (r > 2) {
            x = A[a0 + k + 2]; y = A[a1 + k + 2]; z = Bt[b0 + k + 2]; w = Bt[b1 + k + 2];
            p2 = fr(p2 + fr(x * z)); q2 = fr(q2 + fr(x * w)); u2 = fr(u2 + fr(y * z)); v2 = fr(v2 + fr(y * w));
          }
        }
      }
      C[c0 + j] = fr(fr(p0 + p1) + fr(p2 + p3));
      C[c0 + j + 1] = fr(fr(q0 + q1) + fr(q2 + q3));
      C[c1 + j] = fr(fr(u0 + u1) + fr(u2 + u3));
      C[c1 + j + 1] = fr(fr(v0 + v1) + fr(v2 + v3));
    }
    if (j < N) {
      const b0 = bOff + j * K;
      C[c0 + j] = dot1(A, a0, Bt, b0, K);
      C[c1 + j] = dot1(A, a1, Bt, b0, K);
    }
  }
  if (i < M) {
    const a0 = aOff + i * K, c0 = cOff + i * N;
    for (let j = 0; j < N; j++) C[c0 + j] = dot1(A, a0, Bt, bOff + j * K, K);
  }
}


/** Reusable scratch buffers (grown, never shrunk) so packing does not allocate per call. */
const scratch: Float32Array[] = [new Float32Array(0), new Float32Array(0), new Float32Array(0)];
export function scratchBuf(slot: 0 | 1 | 2, n: number): Float32Array {
  if (scratch[slot].length < n) scratch[slot] = new Float32Array(Math.max(n, scratch[slot].length * 2));
  return scratch[slot];
}

/** dst[j*rows + i] = src[off + i*cols + j]: transpose a rows x cols block into dst (rows-contiguous). */
export function transposeInto(src: Float32Array, off: number, rows: number, cols: number, dst: Float32Array): void {
  const T = 32;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(rows, i0 + T);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(cols, j0 + T);
      for (let i = i0; i < i1; i++) {
        const s = off + i * cols;
        for (let j = j0; j < j1; j++) dst[j * rows + i] = src[s + j];
      }
    }
  }
}
