import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command as train } from './train.ts';
import { command as replay } from './replay.ts';
import { command as evalCmd } from './eval.ts';
import { traceRoot } from '../../../ml-runtime/index.ts';
import { hexToBytes as fromHex, bytesToHex as toHex } from '../../../primitives/index.ts';
import { captureCliIo } from '../../../test/helpers/cli-capture.ts';

const specs = new URL('../../../ml-runtime/specs/', import.meta.url).pathname;

/** h_0..h_T of a run folder (steps.bin: 32 bytes each). */
function stepHashesIn(dir: string): Uint8Array[] {
  const flat = new Uint8Array(readFileSync(join(dir, 'steps.bin')));
  return Array.from({ length: flat.length / 32 }, (_, i) => flat.slice(i * 32, i * 32 + 32));
}

test('train -> replay -> eval on iris, and replay finds a tampered step', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-train-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await captureCliIo(() => train.run(['--spec', join(specs, 'iris.json'), '--dataset', 'iris', '--steps', '50', '--out', dir]));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /trained 50 steps on iris \(det\)/);
  assert.match(r.err, /train \[#+\] 50\/50 100% .* steps\/s ETA 0:00 loss=/);
  const m = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  assert.equal(m.run.backend, 'det');
  assert.deepEqual(m.checkpoints.map((c: { step: number }) => c.step), [0, 20, 40, 50]);
  assert.equal(toHex(traceRoot(stepHashesIn(dir))), m.traceRoot);
  assert.equal(stepHashesIn(dir).length, 51);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('cp-')).sort(), ['cp-0.bin', 'cp-1.bin', 'cp-2.bin', 'cp-3.bin']);
  assert.match(r.out, new RegExp(`trace root ${m.traceRoot}`));

  for (const seg of ['0', '1', '2']) {
    const rr = await captureCliIo(() => replay.run(['--from', dir, '--segment', seg, '--quiet']));
    assert.equal(rr.code, 0, rr.out + rr.err);
    assert.match(rr.out, new RegExp(`segment ${seg} \\(steps \\d+\\.\\.\\d+, det\\): match`));
  }

  const ev = await captureCliIo(() => evalCmd.run(['--from', dir, '--json']));
  assert.equal(ev.code, 0, ev.err);
  const e = JSON.parse(ev.out);
  assert.equal(e.count, 30);
  assert.ok(e.accuracy > 0.6, `iris accuracy ${e.accuracy}`);

  // tamper: replace a committed checkpoint with the state of another step -> first mismatch
  const cp20 = join(dir, 'cp-1.bin');
  writeFileSync(cp20, readFileSync(join(dir, 'cp-2.bin')));
  const bad = await captureCliIo(() => replay.run(['--from', dir, '--segment', '1', '--quiet']));
  assert.equal(bad.code, 1);
  assert.match(bad.err, /STATE_MISMATCH: replay from step 20 got a state at step 40/);
});

test('replay reports the first mismatching step when a committed hash is wrong', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-train-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal((await captureCliIo(() => train.run(['--spec', join(specs, 'regression.json'), '--dataset', 'synthetic-regression', '--out', dir, '--quiet']))).code, 0);
  // rewrite step 13's hash and the manifest's trace root consistently (a solver that lies about step 13)
  const lines = stepHashesIn(dir).map(toHex);
  lines[13] = 'ff'.repeat(32);
  writeFileSync(join(dir, 'steps.bin'), fromHex(lines.join('')));
  const before = await captureCliIo(() => replay.run(['--from', dir, '--segment', '1', '--quiet']));
  assert.equal(before.code, 1);
  assert.match(before.out, /does not match the trace root/);
  const m = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  m.traceRoot = toHex(traceRoot(lines.map((l) => fromHex(l))));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(m));
  const r = await captureCliIo(() => replay.run(['--from', dir, '--segment', '1', '--quiet']));
  assert.equal(r.code, 1);
  assert.match(r.out, /segment 1 \(steps 10\.\.20, det\): MISMATCH at step 13: committed f{64}, replayed [0-9a-f]{64}/);
  const ok = await captureCliIo(() => replay.run(['--from', dir, '--segment', '2', '--quiet']));
  assert.equal(ok.code, 0);
});

test('a run trained on tfjs cpu fails replay under det at its first step', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'polchain-train-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal((await captureCliIo(() => train.run(['--spec', join(specs, 'iris.json'), '--dataset', 'iris', '--steps', '20', '--out', dir, '--backend', 'cpu', '--quiet']))).code, 0);
  assert.equal(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).run.backend, 'cpu');
  const own = await captureCliIo(() => replay.run(['--from', dir, '--segment', '0', '--quiet']));
  assert.equal(own.code, 0, 'replays on its own backend by default');
  const det = await captureCliIo(() => replay.run(['--from', dir, '--segment', '0', '--backend', 'det', '--quiet']));
  assert.equal(det.code, 1);
  assert.match(det.out, /segment 0 \(steps 0\.\.20, det\): MISMATCH at step 1:/);
});

test('usage and input errors give exit code 2 or 1 with a clear message', async () => {
  const a = await captureCliIo(() => train.run(['--spec', 'x.json']));
  assert.equal(a.code, 2); assert.match(a.err, /--dataset is required/);
  const b = await captureCliIo(() => train.run(['--bogus', '1']));
  assert.equal(b.code, 2); assert.match(b.err, /unknown flag --bogus/);
  const c = await captureCliIo(() => train.run(['--spec', join(specs, 'iris.json'), '--dataset', 'cifar', '--out', join(tmpdir(), 'never')]));
  assert.equal(c.code, 1); assert.match(c.err, /DATASET_UNKNOWN: unknown dataset "cifar"/);
  const d = await captureCliIo(() => train.run(['--spec', join(specs, 'iris.json'), '--dataset', 'mnist', '--out', join(tmpdir(), 'never')]));
  assert.equal(d.code, 1); assert.match(d.err, /SPEC_DATASET_MISMATCH/);
  assert.ok(!existsSync(join(tmpdir(), 'never', 'meta.json')));
  const e = await captureCliIo(() => replay.run(['--from', tmpdir(), '--segment', '0']));
  assert.equal(e.code, 2); assert.match(e.err, /not a training output directory/);
  const f = await captureCliIo(() => train.run(['--spec', join(specs, 'iris.json'), '--dataset', 'iris', '--steps', '0', '--out', join(tmpdir(), 'never')]));
  assert.equal(f.code, 2); assert.match(f.err, /--steps must be a positive integer/);
});
