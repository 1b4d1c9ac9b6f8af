// The passphrase prompt on a real pseudo-terminal (util-linux `script` gives the command a pty and
// copies everything the terminal shows to its stdout): nothing typed is echoed, `keys new` asks
// twice and refuses a mismatch without writing a key, and an empty passphrase is warned about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/node-process.ts';


/** Runs `polchain ARGS` on a pty; each answer is typed once the screen shows its prompt. */
async function onTty(args: string[], answers: Array<[RegExp, string]>): Promise<{ code: number | null; screen: string }> {
  const cmd = [process.execPath, join(ROOT, 'bin/polchain.mjs'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const env = { ...process.env };
  delete env.POLCHAIN_PASSPHRASE; // the prompt is what is under test
  const p = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let next = 0;
  const exited = once(p, 'exit');
  p.stdout.on('data', (d) => {
    screen += d;
    // typed only once the prompt is on screen: raw mode is on by then, so any echo would be ours
    if (next < answers.length && answers[next]![0].test(screen)) p.stdin.write(answers[next++]![1] + '\r');
  });
  const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  return { code, screen };
}

test('keys new on a terminal: the passphrase is not echoed, it is asked twice, a mismatch is refused', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-tty-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const secret = 'Zebra-Quartz-7781';

  const mismatch = await onTty(['keys', 'new', 'alice', '--data-dir', dir], [[/passphrase to encrypt key "alice": /, secret], [/repeat the passphrase: /, secret + 'x']]);
  assert.equal(mismatch.code, 1, mismatch.screen);
  assert.match(mismatch.screen, /PASSPHRASE_MISMATCH: the two passphrases differ; nothing was written/);
  assert.ok(!mismatch.screen.includes('Zebra'), `typed text on screen:\n${mismatch.screen}`);
  assert.deepEqual(await readdir(join(dir, 'keys')).catch(() => []), []);

  const ok = await onTty(['keys', 'new', 'alice', '--data-dir', dir], [[/passphrase to encrypt key "alice": /, secret], [/repeat the passphrase: /, secret]]);
  assert.equal(ok.code, 0, ok.screen);
  assert.match(ok.screen, /"address": "pol1/);
  assert.ok(!ok.screen.includes('Zebra'), `typed text on screen:\n${ok.screen}`);
  assert.doesNotMatch(ok.screen, /passphrase is empty/);

  // the same passphrase unlocks it through the prompt (export --mnemonic reads the key)
  const unlocked = await onTty(['keys', 'export', 'alice', '--mnemonic', '--data-dir', dir], [[/passphrase to unlock key "alice": /, secret]]);
  assert.equal(unlocked.code, 0, unlocked.screen);
  assert.ok(!unlocked.screen.includes('Zebra'));

  const empty = await onTty(['keys', 'new', 'bob', '--data-dir', dir], [[/passphrase to encrypt key "bob": /, ''], [/repeat the passphrase: /, '']]);
  assert.equal(empty.code, 0, empty.screen);
  assert.match(empty.screen, /warning: the passphrase is empty; anyone who can read the key file can use the key/);
  assert.deepEqual((await readdir(join(dir, 'keys'))).sort(), ['alice.json', 'bob.json']);
});
