// The WebAssembly SIMD gemm must equal the scalar JS reference bit for bit (NaN payloads aside),
// including subnormals, signed zeros, overflow to Inf, and every tail shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemmABtScalar } from './gemm.ts';
import { gemmABtWasm, wasmGemm } from './wasm_gemm.ts';
import { hash32 } from '../../test/helpers/det-kernel-cases.ts';
import { setDetThreads, detThreads } from './gemm_pool.ts';

const SPECIAL = [0, -0, 1e-45, -1e-45, 1.1754942e-38, -5.9e-39, 3e38, -3e38, 1, -1, 1e-20, 65504, Infinity, -Infinity];

function matrix(n: number, seed: number, specialRate: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const h = hash32((seed * 7919 + i) >>> 0);
    if ((h & 1023) < specialRate) a[i] = SPECIAL[(h >>> 10) % SPECIAL.length];
    else {
      const e = ((h >>> 10) & 63) - 32; // magnitudes 2^-32..2^31 to provoke rounding
      a[i] = ((hash32(h) / 4294967296) - 0.5) * 2 ** e;
    }
  }
  return a;
}

function sameBits(x: Float32Array, y: Float32Array): number {
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]) && Number.isNaN(y[i])) continue;
    if (!Object.is(x[i], y[i])) return i;
  }
  return -1;
}

test('WASM SIMD is available on this engine (the fast path is exercised)', () => {
  assert.ok(wasmGemm(), 'WebAssembly SIMD unavailable');
});

test('WASM SIMD gemm equals the scalar striped reference bit for bit', () => {
  let cases = 0;
  for (const M of [1, 2, 3, 8, 17]) for (const N of [1, 3, 4, 5, 9]) for (const K of [1, 2, 3, 4, 5, 7, 8, 33, 130]) {
    for (const rate of [0, 40, 300]) {
      const seed = M * 1000003 + N * 1009 + K * 7 + rate;
      const A = matrix(M * K + 3, seed, rate), B = matrix(N * K + 5, seed + 1, rate);
      const c1 = new Float32Array(M * N + 2), c2 = new Float32Array(M * N + 2);
      gemmABtScalar(A, 3, B, 5, M, N, K, c1, 2);
      assert.ok(gemmABtWasm(A, 3, B, 5, M, N, K, c2, 2));
      const bad = sameBits(c1, c2);
      assert.equal(bad, -1, `M=${M} N=${N} K=${K} rate=${rate} at ${bad}: ${c1[bad]} vs ${c2[bad]}`);
      cases++;
    }
  }
  assert.ok(cases > 500);
});

test('a large product (MLP shape) is bit-identical too', () => {
  const M = 64, N = 128, K = 784;
  const A = matrix(M * K, 11, 2), B = matrix(N * K, 12, 2);
  const c1 = new Float32Array(M * N), c2 = new Float32Array(M * N);
  gemmABtScalar(A, 0, B, 0, M, N, K, c1, 0);
  gemmABtWasm(A, 0, B, 0, M, N, K, c2, 0);
  assert.equal(sameBits(c1, c2), -1);
});

test('worker-thread gemm: bits do not depend on the thread count (1, 2, 3), fresh inputs each call', () => {
  try {
    for (const T of [2, 3, 1, 2]) {
      setDetThreads(T);
      assert.equal(detThreads(), T);
      for (const [M, N, K] of [[64, 128, 784], [37, 9, 1001], [130, 16, 260]]) {
        const seed = T * 100 + M;
        const A = matrix(M * K, seed, 3), B = matrix(N * K, seed + 1, 3);
        const ref = new Float32Array(M * N), got = new Float32Array(M * N);
        gemmABtScalar(A, 0, B, 0, M, N, K, ref, 0);
        assert.ok(gemmABtWasm(A, 0, B, 0, M, N, K, got, 0));
        assert.equal(sameBits(ref, got), -1, `threads=${T} M=${M} N=${N} K=${K}`);
      }
    }
  } finally {
    setDetThreads(1);
  }
});
