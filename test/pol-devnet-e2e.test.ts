// Proof of learning on a 4-validator devnet of real processes: a submitter posts an MNIST MLP job
// with the CLI, an honest `polchain solver` process trains it and is paid after the committee
// (verifiers inside the validator processes) replays its sampled segments, surviving a SIGKILL
// between its commitment and its openings; a second job taken by
// a cheating solver process ends with the solver slashed and the bounty back with the submitter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { RpcClient } from '../rpc/index.ts';

import { devAccount } from '../genesis/index.ts';
import { createDevnet } from '../node/cli/index.ts';
import { ROOT, runCli, startNode, TEST_PASSPHRASE, type NodeProcess } from './helpers/node-process.ts';
import { encodeAddress } from '../primitives/index.ts';

const BIN = join(ROOT, 'bin/polchain.mjs');

const N = 4;

const SPEC = {
  format: 'polchain/model-spec/v1',
  inputShape: [784],
  layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  loss: 'categorical_crossentropy',
  optimizer: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 32,
  steps: 48,
  checkpointInterval: 4,
};


// at the protocol floors (q ≥ 16 draws, committee ≥ 5 seats); the reward 300 is above the floor for this spec and q
const REWARD = 300n;
const SEATS = 5;

const balance = async (c: RpcClient, addr: Uint8Array) => BigInt((await c.call('account_get', [encodeAddress(addr)])).balance);

async function submitJob(rpc: string, specFile: string, submitter: number): Promise<string> {
  const r = await runCli([
    'job', 'submit', '--spec', specFile, '--dataset', 'mnist', '--bounty', '1000', '--reward', String(REWARD), '--stake', '500', '--q', '16',
    '--committee', String(SEATS), '--windows', '200,600,2,60,40,60', '--dev-account', String(submitter), '--rpc', rpc, '--wait',
  ]);
  assert.equal(r.code, 0, `job submit failed:\n${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { jobId: string; status: string };
  assert.equal(out.status, 'open');
  return out.jobId;
}

test('devnet: MNIST job from the CLI, honest solver process paid, cheating solver process slashed', { timeout: 400_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-pol-e2e-'));
  const p2pBase = 30000 + Math.floor(Math.random() * 20000);
  await createDevnet(dir, N, p2pBase, 0, 150, TEST_PASSPHRASE);
  const nodes: NodeProcess[] = [];
  t.after(async () => {
    if (process.env.POL_E2E_LOGS) await Promise.all(nodes.map((n, i) => writeFile(join(process.env.POL_E2E_LOGS!, `node${i}.log`), n.logs())));
    await Promise.all(nodes.map((n) => n.kill()));
    await rm(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < N; i++) nodes.push(await startNode(join(dir, `node${i}`)));
  const rpc = nodes[0]!.url;
  const c = new RpcClient(rpc);
  const specFile = join(dir, 'mnist-mlp.json');
  await writeFile(specFile, JSON.stringify(SPEC, null, 2));
  const submitter = devAccount(1);

  // 1. Honest solver: paid bounty, bond returned; the committee's digests match the trace.
  const honest = devAccount(5);
  const jobA = await submitJob(rpc, specFile, 1);
  const before = await balance(c, honest.address);
  const subBefore = await balance(c, submitter.address);
  // The solver process is SIGKILLed once its trace commitment is on chain; restarted on the same
  // data dir it finds its fsynced trace, opens, reveals and is paid.
  const solverArgs = [BIN, 'solver', '--rpc', nodes[1]!.url, '--dev-account', '5', '--once', '--data-dir', join(dir, 'solver-a')];
  const first = spawn(process.execPath, solverArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let firstOut = '';
  first.stdout.on('data', (d) => (firstOut += d));
  first.stderr.on('data', () => {});
  const firstExit = once(first, 'exit');
  let phase = 'open';
  for (let i = 0; i < 1200 && !['committed', 'challenged', 'attesting'].includes(phase); i++) {
    phase = (await c.call('job_get', [jobA])).status;
    if (first.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(['committed', 'challenged', 'attesting'].includes(phase), `the trace was committed before the kill (status ${phase}):\n${firstOut}`);
  first.kill('SIGKILL');
  await firstExit;
  assert.match(firstOut, /committed trace root/);
  const solverA = await runCli(solverArgs.slice(1), {}, 240_000);
  assert.equal(solverA.code, 0, `restarted honest solver:\n${solverA.stdout}\n${solverA.stderr.slice(-4000)}`);
  assert.match(solverA.stdout, /finalized/);
  assert.doesNotMatch(solverA.stdout, /training \d+ steps/, 'the restarted solver did not train again');
  const a = await c.call('job_get', [jobA]);
  assert.equal(a.status, 'finalized');
  assert.equal(a.outcome, 'paid');
  assert.equal(a.solver, encodeAddress(honest.address));
  const attA = await c.call('job_getAttestations', [jobA]);
  // seats are drawn with replacement: a member holds a.seats.filter(its address) of the 5
  const seatsOf = (job: { seats: string[] }, members: Array<{ address: string }>) => members.reduce((n, m) => n + job.seats.filter((x) => x === m.address).length, 0);
  assert.equal(a.seats.length, SEATS);
  const matched = attA.members.filter((m) => m.matched === true);
  assert.deepEqual(matched, attA.members.filter((m) => m.digest !== null && !m.unavailable), `every real digest matched: ${JSON.stringify(attA)}`);
  assert.ok(3 * seatsOf(a, matched) >= 2 * SEATS, `the matching members hold a quorum (2/3) of the seats: ${JSON.stringify(attA)} seats ${JSON.stringify(a.seats)}`);
  const gained = (await balance(c, honest.address)) - before;
  assert.ok(gained >= 1000n - 10n && gained <= 1000n, `the solver earned the bounty less its fees (got ${gained})`);
  // the submitter gets back only the reward of seats nobody earned: ⌊300 / 5⌋ per matching seat went to the committee
  assert.equal((await balance(c, submitter.address)) - subBefore, REWARD - (REWARD / BigInt(SEATS)) * BigInt(seatsOf(a, matched)), 'the bounty was not refunded');

  // 2. Cheating solver (skips the update of one step in every segment): slashed, bounty refunded.
  const cheat = devAccount(6);
  const jobB = await submitJob(rpc, specFile, 1);
  const cheatBefore = await balance(c, cheat.address);
  const subBeforeB = await balance(c, submitter.address);
  const solverB = await runCli(['solver', '--rpc', nodes[2]!.url, '--dev-account', '6', '--once', '--data-dir', join(dir, 'solver-b'), '--test-cheat', 'skip-steps:1'], {}, 240_000);
  assert.equal(solverB.code, 3, `cheating solver should exit 3 (slashed):\n${solverB.stdout}\n${solverB.stderr.slice(-4000)}`);
  const b = await c.call('job_get', [jobB]);
  assert.equal(b.status, 'slashed');
  assert.equal(b.outcome, 'mismatch');
  const lost = cheatBefore - (await balance(c, cheat.address));
  assert.ok(lost >= 500n, `the cheater lost its bond of 500 (lost ${lost})`);
  const refunded = (await balance(c, submitter.address)) - subBeforeB;
  const attB = await c.call('job_getAttestations', [jobB]);
  // v5: any real digest that disagrees is a mismatch; here every real digest disagrees, and they held a quorum of seats
  const dissent = attB.members.filter((m) => m.matched === false && m.digest !== null && !m.unavailable);
  assert.deepEqual(dissent, attB.members.filter((m) => m.digest !== null && !m.unavailable), `every real digest disagreed: ${JSON.stringify(attB)}`);
  assert.ok(3 * seatsOf(b, dissent) >= 2 * SEATS, `the dissenting members hold a quorum of the seats: ${JSON.stringify(attB)} seats ${JSON.stringify(b.seats)}`);
  assert.equal(refunded, 1000n + REWARD - (REWARD / BigInt(SEATS)) * BigInt(seatsOf(b, dissent)), 'the bounty and the reward of seats nobody earned went back to the submitter');

  // Every validator holds the same view of both jobs.
  for (const n of nodes) {
    const [x, y] = await Promise.all([jobA, jobB].map((id) => new RpcClient(n.url).call('job_get', [id])));
    assert.deepEqual([x!.status, y!.status], ['finalized', 'slashed']);
  }
});
