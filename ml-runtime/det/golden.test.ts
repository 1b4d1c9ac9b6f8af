// (b) golden vectors: SHA-256 of each det kernel's output bytes on fixed inputs, plus whole
// MLP and CNN Adam training steps. Any bit change fails here and needs a DET_RUNTIME_VERSION bump.
// Regenerate: DET_GOLDEN_UPDATE=1 node --import tsx --test ml-runtime/det/golden.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tf } from '../tf.ts';
import { registerDetBackend, DET_BACKEND, DET_RUNTIME_VERSION, setDetSimd, setDetThreads } from './index.ts';
import { kernelCases } from '../../test/helpers/det-kernel-cases.ts';
import { trainSteps } from '../../test/helpers/det-train-cases.ts';
import { transformerKernelCases, transformerTrainSteps } from '../../test/helpers/det-transformer-cases.ts';

const GOLDEN = new URL('./golden/kernels.json', import.meta.url);
const UPDATE = process.env.DET_GOLDEN_UPDATE === '1';

function sha(t: tf.Tensor | tf.Tensor[] | Float32Array[]): string {
  const h = createHash('sha256');
  if (Array.isArray(t) && t[0] instanceof tf.Tensor) for (const x of t as tf.Tensor[]) { const v = x.dataSync() as Float32Array; h.update(JSON.stringify(x.shape)); h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)); }
  else if (Array.isArray(t)) for (const a of t as Float32Array[]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  else { const v = t.dataSync() as Float32Array; h.update(JSON.stringify(t.shape)); h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)); }
  return h.digest('hex');
}

async function compute(): Promise<Record<string, string>> {
  registerDetBackend();
  await tf.setBackend(DET_BACKEND);
  const got: Record<string, string> = {};
  for (const c of kernelCases()) got[c.name] = tf.tidy(() => sha(c.run()));
  got['train_mlp_adam_3steps'] = sha(await trainSteps('mlp', 3));
  got['train_cnn_adam_2steps'] = sha(await trainSteps('cnn', 2));
  for (const c of transformerKernelCases()) got[c.name] = tf.tidy(() => sha(c.run()));
  got['train_transformer_adamw_2steps'] = sha(transformerTrainSteps(2));
  return got;
}

test('the scalar reference path, the WASM SIMD path and 2 and 4 worker threads give the same golden hashes', async () => {
  setDetSimd(false);
  try {
    const scalar = await compute();
    setDetSimd(true);
    assert.deepEqual(await compute(), scalar);
    for (const n of [2, 4]) {
      setDetThreads(n);
      assert.deepEqual(await compute(), scalar, `${n} threads`);
    }
  } finally {
    setDetSimd(true);
    setDetThreads(1);
  }
});

test('det kernel outputs and training steps match the committed golden SHA-256 vectors', async () => {
  const got = await compute();
  if (UPDATE) {
    writeFileSync(GOLDEN, JSON.stringify({ runtime: DET_RUNTIME_VERSION, sha256: got }, null, 2) + '\n');
    return;
  }
  const want = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { runtime: string; sha256: Record<string, string> };
  assert.equal(want.runtime, DET_RUNTIME_VERSION, 'golden file belongs to another runtime version');
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want.sha256).sort(), 'golden case list changed');
  for (const k of Object.keys(want.sha256)) assert.equal(got[k], want.sha256[k], `bits of ${k} changed: bump DET_RUNTIME_VERSION and regenerate`);
});
