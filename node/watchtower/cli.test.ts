// `polchain watch` and `polchain job dispute` flag handling: help on stdout with exit 0, bad flags and
// arguments exit 2 naming what is wrong (with the usage), a node that does not answer is one line
// (exit 1), never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../cli/index.ts';

async function runInProcess(args: string[]): Promise<{ code: number; err: string; out: string }> {
  const err: string[] = [];
  const out: string[] = [];
  const e = console.error;
  const l = console.log;
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  try {
    return { code: await main(args), err: err.join('\n'), out: out.join('\n') };
  } finally {
    console.error = e;
    console.log = l;
  }
}

const noStack = (s: string) => assert.doesNotMatch(s, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace reached the user:\n${s}`);
const ID = `0x${'ab'.repeat(32)}`;

test('polchain watch --help lists its flags; bad flags are usage errors (exit 2) naming what is wrong', async () => {
  const help = await runInProcess(['watch', '--help']);
  assert.equal(help.code, 0);
  for (const f of ['--rpc URL', '--key FILE', '--dev-account I', '--fraction F', '--p2p-listen ADDRS', '--status-every S', '--log-level LEVELS']) assert.match(help.out, new RegExp(f), f);
  assert.match(help.out, /^usage: polchain watch /);
  assert.equal((await runInProcess(['help', 'watch'])).out, help.out);

  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /unknown flag --bogus/],
    [['--fractoin', '0.5'], /unknown flag --fractoin \(did you mean --fraction\?\)/],
    [[], /one of --key FILE or --dev-account I is required/],
    [['--dev-account', '1', '--key', 'k.json'], /only one of --key FILE and --dev-account I/],
    [['--dev-account', 'one'], /--dev-account must be a non-negative integer/],
    [['--dev-account', '1', '--fraction', '1.5'], /--fraction must be a number in \[0, 1\], got "1.5"/],
    [['--dev-account', '1', '--fraction', '-0.1'], /--fraction must be a number in \[0, 1\], got "-0.1"/],
    [['--dev-account', '1', '--fraction', 'half'], /--fraction must be a number in \[0, 1\], got "half"/],
    [['--dev-account', '1', '--fraction'], /--fraction needs a value/],
    [['--dev-account', '1', '--poll-ms', '0'], /--poll-ms must be a positive integer/],
    [['--dev-account', '1', '--status-every', '1m'], /--status-every must be a positive integer/],
    [['--dev-account', '1', '--fee', '-1'], /--fee/],
    [['--dev-account', '1', '--rpc', 'ftp://example.com/'], /--rpc must be an http\(s\) URL/],
    [['--dev-account', '1', '--p2p-listen', 'bogus'], /--p2p-listen: "bogus" is not a multiaddr/],
    [['--dev-account', '1', '--log-level', 'loud'], /--log-level "loud": "loud" is not a level/],
    [['--dev-account', '1', 'extra'], /unexpected argument "extra"/],
  ];
  for (const [args, re] of cases) {
    const r = await runInProcess(['watch', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re, args.join(' '));
    assert.match(r.err, /usage: polchain watch/, 'the usage line follows');
    noStack(r.err);
  }
});

test('polchain job dispute --help; bad IDs, segments and flags are usage errors (exit 2)', async () => {
  const help = await runInProcess(['job', 'dispute', '--help']);
  assert.equal(help.code, 0);
  for (const f of ['--segment J', '--force', '--rpc URL', '--key FILE', 'a false challenge', 'Exit codes: 0 nothing to dispute or dispute won, 3 dispute lost']) assert.match(help.out, new RegExp(f), f);
  const jobHelp = await runInProcess(['job', '--help']);
  assert.match(jobHelp.out, /polchain job dispute ID --segment J/);

  const cases: Array<[string[], RegExp]> = [
    [[], /job dispute needs a job ID/],
    [['--segment', '1', '--dev-account', '1'], /job dispute needs a job ID/],
    [['nothex', '--segment', '1', '--dev-account', '1'], /job ID must be 32 bytes of hex/],
    [[ID, ID, '--segment', '1', '--dev-account', '1'], /unexpected arguments/],
    [[ID, '--dev-account', '1'], /--segment J is required/],
    [[ID, '--segment', '-1', '--dev-account', '1'], /--segment must be a non-negative integer, got "-1"/],
    [[ID, '--segment', '1.5', '--dev-account', '1'], /--segment must be a non-negative integer/],
    [[ID, '--segment', 'x', '--dev-account', '1'], /--segment must be a non-negative integer/],
    [[ID, '--segment', '1'], /one of --key FILE or --dev-account I is required/],
    [[ID, '--segment', '1', '--dev-account', '1', '--force=yes'], /--force is a switch and takes no value/],
    [[ID, '--segment', '1', '--dev-account', '1', '--rpc', 'nope'], /--rpc must be an http\(s\) URL/],
    [[ID, '--segment', '1', '--dev-account', '1', '--poll-ms', '0'], /--poll-ms must be a positive integer/],
    [[ID, '--segment', '1', '--dev-account', '1', '--bond', '5'], /unknown flag --bond/],
  ];
  for (const [args, re] of cases) {
    const r = await runInProcess(['job', 'dispute', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re, args.join(' '));
    assert.match(r.err, /usage: polchain job dispute ID --segment J/, 'the usage line follows');
    noStack(r.err);
  }
  const sub = await runInProcess(['job', 'disput']);
  assert.equal(sub.code, 2);
  assert.match(sub.err, /unknown job subcommand "disput" \(submit, status, list, dispute, disputes\)/);
});

test('polchain job dispute against no node fails in one line (exit 1) with what to do', { timeout: 30_000 }, async () => {
  const r = await runInProcess(['job', 'dispute', ID, '--segment', '0', '--dev-account', '1', '--rpc', 'http://127.0.0.1:9/', '--log-level', 'silent']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /^polchain job: RPC_TRANSPORT: cannot reach RPC server at http:\/\/127\.0\.0\.1:9\/.*; is the node running\?/);
  assert.equal(r.err.split('\n').length, 1);
  noStack(r.err);
});
