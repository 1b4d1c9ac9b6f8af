// (a) every owned det kernel against tfjs's cpu backend within a small tolerance, and
// (d) kernels outside the owned/safe set throw DetUnsupportedKernelError on det.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { registerDetBackend, DET_BACKEND, DetUnsupportedKernelError, OWNED_KERNELS, DET_ONLY_KERNELS } from './index.ts';
import { kernelCases, rt } from '../../test/helpers/det-kernel-cases.ts';

registerDetBackend();
registerDetBackend(); // idempotent

async function on<T>(backend: string, f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

test('every owned kernel matches the tfjs cpu backend within tolerance', async () => {
  const cases = kernelCases();
  const covered = new Set(cases.map((c) => c.kernel));
  // det-only kernels have no cpu counterpart: transformer-kernels.test.ts checks them against composed tfjs ops
  for (const k of OWNED_KERNELS) if (!DET_ONLY_KERNELS.includes(k)) assert.ok(covered.has(k), `no test case for owned kernel ${k}`);
  for (const c of cases) {
    const want = await on('cpu', () => tf.tidy(() => c.run().dataSync().slice()));
    const got = await on(DET_BACKEND, () => tf.tidy(() => { const t = c.run(); return { v: t.dataSync().slice(), s: t.shape }; }));
    assert.equal(got.v.length, want.length, `${c.name}: length`);
    for (let i = 0; i < want.length; i++) {
      const w = want[i], g = got.v[i];
      const ok = w === g || (Number.isNaN(w) && Number.isNaN(g)) || Math.abs(w - g) <= c.tol * (1 + Math.abs(w));
      assert.ok(ok, `${c.name}[${i}]: det ${g} vs cpu ${w}`);
    }
  }
});

test('the det kernels are really registered under det and used by ops', async () => {
  await tf.setBackend(DET_BACKEND);
  assert.equal(tf.getBackend(), DET_BACKEND);
  for (const k of OWNED_KERNELS) assert.ok(tf.getKernel(k, DET_BACKEND), k);
  // tfjs cpu rounds BatchMatMul partial sums every 48 terms in double; det uses striped float32:
  // over a long reduction of values that do not cancel exactly, the bits must differ somewhere
  const a = rt([8, 512], 1), b = rt([512, 8], 2);
  const det = tf.matMul(a, b).dataSync().slice();
  await tf.setBackend('cpu');
  const cpu = tf.matMul(a, b).dataSync().slice();
  assert.ok(det.some((v, i) => v !== cpu[i]), 'det BatchMatMul produced tfjs cpu bits: not dispatched to det?');
});

test('transcendental kernels outside the owned set throw DetUnsupportedKernelError', async () => {
  await tf.setBackend(DET_BACKEND);
  const x = rt([4], 3, 0.1, 0.9);
  for (const [name, f] of [
    ['Log1p', () => tf.log1p(x)], ['Expm1', () => tf.expm1(x)], ['Pow', () => tf.pow(x, tf.scalar(1.5))],
    ['Erf', () => tf.erf(x)], ['Sin', () => tf.sin(x)], ['Cos', () => tf.cos(x)], ['Softplus', () => tf.softplus(x)],
    ['Elu', () => tf.elu(x)], ['Selu', () => tf.selu(x)], ['Atan2', () => tf.atan2(x, x)], ['Prod', () => tf.prod(x)],
    ['Cumsum', () => tf.cumsum(x)],
  ] as const) {
    assert.throws(() => (f as () => tf.Tensor)(), (e: unknown) => {
      assert.ok(e instanceof DetUnsupportedKernelError, `${name}: got ${String(e)}`);
      assert.equal(e.code, 'DET_UNSUPPORTED_KERNEL');
      assert.equal(e.kernelName, name);
      assert.match(e.message, new RegExp(name));
      return true;
    });
  }
  // a safe kernel still works
  assert.deepEqual(Array.from(tf.leakyRelu(tf.tensor([-1, 2]), 0.5).dataSync()), [-0.5, 2]);
});

test('documented edge semantics: MaxPool NaN propagation and first-max gradient, NCHW refused', async () => {
  await tf.setBackend(DET_BACKEND);
  const x = tf.tensor4d([1, NaN, 3, 2, 5, 5, 5, 1], [1, 2, 4, 1]);
  const y = tf.maxPool(x, 2, 2, 'valid').dataSync();
  assert.ok(Number.isNaN(y[0]));
  assert.equal(y[1], 5);
  // ties: the first maximum in (fy, fx) order receives the whole gradient
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor4d([5, 5, 5, 1], [1, 2, 2, 1])).dataSync();
  assert.deepEqual(Array.from(g), [1, 0, 0, 0]);
  assert.throws(() => tf.conv2d(rt([1, 2, 5, 5], 1) as tf.Tensor4D, rt([3, 3, 2, 2], 2) as tf.Tensor4D, 1, 'valid', 'NCHW'),
    (e: unknown) => e instanceof DetUnsupportedKernelError && e.kernelName === 'Conv2D');
});
