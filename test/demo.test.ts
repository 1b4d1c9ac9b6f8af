// The README's main command must stay true: the demo runs to completion and says it passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './helpers/node-process.ts';

test('polchain demo: transfers commit, honest training verifies, the cheat is caught', { timeout: 180_000 }, async () => {
  const r = await runCli(['demo', '--transfers', '80'], {}, 170_000);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /80 transfers committed/);
  assert.match(r.stdout, /verifies against root 0x[0-9a-f]+\.\.\.: true/);
  assert.match(r.stdout, /segment \d+ \(steps \d+\.\.\d+\): all hashes match/);
  assert.match(r.stdout, /replay disagrees first at step \d+ -> fraud proven/);
  assert.match(r.stdout, /== demo passed/);
});
