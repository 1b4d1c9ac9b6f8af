// `polchain job dispute` and `polchain watch` end to end through their real code paths: the CLI, the
// JSON-RPC chain client, libp2p to the solver, the replay worker, and a vm chain with the det referee
// behind a JSON-RPC endpoint (test/helpers/chain-rpc.ts) that makes a block whenever something is
// submitted. A segment that matches is "nothing to dispute" and costs nothing; a faked one is
// disputed and won; --force on an honest one is a false challenge that loses the bond; the watch
// daemon finds the faked segment by itself and stops on SIGINT with its status line.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDetReferee } from '../../ml-runtime/index.ts';
import { JobStatus } from '../../vm/index.ts';
import { encryptKey } from '../keystore/index.ts';
import { main } from '../cli/index.ts';
import { serveChain } from '../../test/helpers/chain-rpc.ts';
import { FAKE, WIDE_SPEC, provisionalJob, solverAnswers, unsampledSegment } from '../../test/helpers/watch-work.ts';
import type { TestChain, Acct } from '../../test/helpers/job-test-chain.ts';
import { bytesToHex } from '../../primitives/index.ts';

async function runInProcess(args: string[], out: string[] = []): Promise<{ code: number; err: string; out: string }> {
  const err: string[] = [];
  const e = console.error;
  const l = console.log;
  const w = process.stdout.write;
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  process.stdout.write = ((s: string) => (out.push(String(s).replace(/\n$/, '')), true)) as typeof process.stdout.write;
  try {
    return { code: await main(args), err: err.join('\n'), out: out.join('\n') };
  } finally {
    console.error = e;
    console.log = l;
    process.stdout.write = w;
  }
}

/** A keystore file (and its passphrase file) holding `who`'s key. */
async function keyFiles(t: TestContext, who: Acct): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-dispute-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'key.json'), JSON.stringify(encryptKey(who.seed, 'pw', { n: 1 << 4 })));
  await writeFile(join(dir, 'pass.txt'), 'pw\n');
  return ['--key', join(dir, 'key.json'), '--passphrase-file', join(dir, 'pass.txt')];
}

async function chainWithReferee(t: TestContext, c: TestChain, extra: () => Promise<Uint8Array[]>) {
  c.withReferee(createDetReferee());
  const rpc = await serveChain(c, { blockMs: 20, extra });
  t.after(() => rpc.close());
  return rpc;
}

async function dispute(t: TestContext, c: TestChain, id: Uint8Array, segment: number, more: string[], extra: () => Promise<Uint8Array[]>) {
  const rpc = await chainWithReferee(t, c, extra);
  const key = await keyFiles(t, c.other);
  const before = c.balance(c.other);
  const r = await runInProcess(['job', 'dispute', `0x${bytesToHex(id)}`, '--segment', String(segment), '--rpc', rpc.url, ...key, '--poll-ms', '20', '--log-level', 'silent', ...more]);
  assert.deepEqual(rpc.refused, [], 'the chain refused none of its transactions');
  return { ...r, rpc, spent: before - c.balance(c.other) };
}

test('a faked segment is disputed through the CLI and won (exit 0); a matching one is nothing to dispute', { timeout: 180_000 }, async (t) => {
  const { c, id, art } = await provisionalJob(t, { cheat: FAKE, spec: WIDE_SPEC });
  const h = unsampledSegment(c.job(id), [FAKE.segment]); // an honest segment the sample missed
  const honest = await dispute(t, c, id, h, [], async () => []);
  assert.equal(honest.code, 0, honest.err);
  assert.ok(honest.out.includes(`segment ${h}: steps ${3 * h}..${3 * h + 3}`), honest.out);
  assert.match(honest.out, new RegExp(`^ {2}h_${3 * h + 3} +0x[0-9a-f]{64} +same$`, 'm'), 'every hash beside the solver\'s');
  assert.ok(honest.out.includes(`segment ${h} matches the solver's commitment; nothing to dispute`), honest.out);
  assert.deepEqual(honest.rpc.submitted, [], 'nothing sent');
  assert.equal(honest.spent, 0n);
  await honest.rpc.close();

  const r = await dispute(t, c, id, 2, [], () => solverAnswers(c, id, art));
  assert.equal(r.code, 0, `${r.err}\n${r.out}`);
  assert.match(r.out, /first difference at h_8/);
  assert.match(r.out, /dispute opened on segment 2 with bond 700/);
  assert.match(r.out, /dispute 0: referee at step 7; waiting for our state_7 and 32 batch samples to land, then the referee/);
  assert.match(r.out, /dispute 0 WON \(referee\)/);
  assert.match(r.out, /balance \d+ -> \d+ \(\+4\d{3}, fees included\)/);
  assert.equal(c.job(id).status, JobStatus.Slashed);
  assert.equal(c.job(id).outcome, 'fraud');
  assert.equal(-r.spent, c.job(id).terms.solverStake / 2n - BigInt(r.rpc.submitted.length), 'the slash share, less its fees');
});

test('--force on a matching segment is a false challenge: the bond goes to the solver (exit 3)', { timeout: 180_000 }, async (t) => {
  const { c, id, art } = await provisionalJob(t, { spec: WIDE_SPEC });
  const j = unsampledSegment(c.job(id));
  const r = await dispute(t, c, id, j, ['--force'], () => solverAnswers(c, id, art));
  assert.equal(r.code, 3, `${r.err}\n${r.out}`);
  assert.ok(r.out.includes(`--force: disputing segment ${j} although it matches; a false challenge loses its bond (700) to the solver`), r.out);
  assert.match(r.out, /dispute 0 LOST \(no-difference\)/);
  assert.equal(r.spent, 700n + BigInt(r.rpc.submitted.length));
  assert.equal(c.job(id).disputes[0]!.reason, 'no-difference');
});

test('polchain watch finds the faked segment by itself, wins the dispute, and stops on SIGINT with its status line', { timeout: 180_000 }, async (t) => {
  const { c, id, art } = await provisionalJob(t, { cheat: FAKE, spec: WIDE_SPEC });
  const sampled = c.job(id).segments;
  const unsampled = Array.from({ length: 20 }, (_, j) => j).filter((j) => !sampled.includes(j));
  const rpc = await chainWithReferee(t, c, () => solverAnswers(c, id, art));
  const key = await keyFiles(t, c.other);
  const out: string[] = [];
  const run = runInProcess(['watch', '--rpc', rpc.url, ...key, '--fraction', '1', '--poll-ms', '20', '--status-every', '3600', '--log-level', 'silent'], out);
  for (let i = 0; !out.some((l) => / WON /.test(l)); i++) {
    assert.ok(i < 3000, `no decision within 60 s:\n${out.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  process.emit('SIGINT');
  const r = await run;
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(rpc.refused, []);
  assert.match(r.out, /^watching as pol1\S+ on polchain-jobs-test .*replaying 100% of the unsampled segments/m);
  // the draw depends on the beacon: 16 draws with replacement from 20 segments, every one missed replayed
  assert.match(r.out, new RegExp(`window open until height \\d+; sampled \\[${sampled.join(', ')}\\] of 20; replaying \\[${unsampled.join(', ')}\\]`));
  assert.match(r.out, /segment 2 \(steps 6\.\.9\): MISMATCH from step 8/);
  assert.match(r.out, /dispute 0 WON \(referee\)/);
  const share = c.job(id).terms.solverStake / 2n;
  assert.match(r.out.split('\n').at(-1)!, new RegExp(`disputes 1 opened, 1 won, 0 lost, 0 open; slash shares \\+${share}, bonds lost -0, fees -\\d+, net \\d+`));
  assert.equal(c.job(id).outcome, 'fraud');
});
