import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { sign, verify, publicKeyFromSeed } from '../../vm/index.ts';
import { SignGuard, SignStep, readLastSigned } from './index.ts';

const seed = new Uint8Array(32).fill(5);
const msg = (s: string) => new TextEncoder().encode(s);

test('never signs two different messages for one height/round/step, nor goes back', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-guard-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'last-signed.json');
  const g = await SignGuard.open(path, (b) => sign(seed, b));
  const s1 = await g.sign(5n, 0, SignStep.Prevote, msg('prevote A'));
  assert.ok(verify(publicKeyFromSeed(seed), msg('prevote A'), s1));
  assert.deepEqual(await g.sign(5n, 0, SignStep.Prevote, msg('prevote A')), s1, 'same message: same signature again');
  await assert.rejects(g.sign(5n, 0, SignStep.Prevote, msg('prevote B')), (e: any) => e.code === 'DOUBLE_SIGN_REFUSED');
  await assert.rejects(g.sign(4n, 9, SignStep.Precommit, msg('old')), (e: any) => e.code === 'DOUBLE_SIGN_REFUSED');
  await g.sign(5n, 0, SignStep.Precommit, msg('precommit A'));
  await g.sign(5n, 1, SignStep.Prevote, msg('prevote round 1'));

  // A restarted validator reads the durable state and keeps refusing.
  const again = await SignGuard.open(path, (b) => sign(seed, b));
  assert.equal(again.lastSigned!.round, 1);
  await assert.rejects(again.sign(5n, 1, SignStep.Prevote, msg('something else')), (e: any) => e.code === 'DOUBLE_SIGN_REFUSED');
  await again.sign(6n, 0, SignStep.Propose, msg('proposal 6'));
});

test('a process killed with SIGKILL while signing never leaves a state that allows a double sign', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-guard-kill-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'last-signed.json');
  const out = join(dir, 'emitted.log');
  // The child signs an increasing sequence and appends each signature it "sends" to a log; we kill it mid-flight.
  const script = join(dir, 'child.mts');
  await writeFile(script, `
    import { appendFileSync } from 'node:fs';
    import { SignGuard } from ${JSON.stringify(join(import.meta.dirname, 'index.ts'))};
    import { sign } from ${JSON.stringify(join(import.meta.dirname, '../../vm/index.ts'))};
    const g = await SignGuard.open(${JSON.stringify(path)}, (b) => sign(new Uint8Array(32).fill(5), b));
    for (let h = 1n; ; h++) {
      const sig = await g.sign(h, 0, 2, new TextEncoder().encode('vote ' + h));
      appendFileSync(${JSON.stringify(out)}, h + ' ' + Buffer.from(sig).toString('hex') + '\\n');
    }
  `);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit');
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGKILL');
  await exited;
  assert.equal(child.signalCode, 'SIGKILL', `child died on its own: ${stderr}`);
  const { readFile } = await import('node:fs/promises');
  const emitted = (await readFile(out, 'utf8')).trim().split('\n');
  assert.ok(emitted.length > 5, `child signed ${emitted.length} votes before the kill`);
  const lastEmitted = BigInt(emitted[emitted.length - 1]!.split(' ')[0]!);
  const durable = (await readLastSigned(path))!;
  assert.ok(durable.height >= lastEmitted, 'every signature that left the process was persisted first');
  const g = await SignGuard.open(path, (b) => sign(seed, b));
  await assert.rejects(g.sign(lastEmitted, 0, SignStep.Prevote, msg('a different vote')), (e: any) => e.code === 'DOUBLE_SIGN_REFUSED');
});
