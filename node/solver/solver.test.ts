// The solver against a real in-process solo node (the validator is the committee and its verifier
// really replays): the whole job lifecycle over JSON-RPC, the checkpoints over libp2p, the cheats,
// stop and resume, and the CLI's --once exit codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { disputeTermsFor, encodeTx, signTx, termFloors, type JobTerms } from '../../vm/index.ts';
import { devAccount } from '../../genesis/index.ts';
import { RpcClient } from '../../rpc/index.ts';
import { PolchainNode } from '../node.ts';
import { createP2pHost } from '../p2p/index.ts';
import { JobsError, fetchCheckpointState } from '../jobs/index.ts';
import { canonicalSpecJson, createTrainer, datasetRoot, loadDataset, parseSpec, runTraceSync, withSteps, type ModelSpec } from '../../ml-runtime/index.ts';
import { Solver, type SolverEvent } from './index.ts';
import { bytesToHex, encodeAddress, hexToBytes, sha256 } from '../../primitives/index.ts';
import { startSoloJobNode, type SoloJobNode } from '../../test/helpers/solo-job-node.ts';


const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const iris = loadDataset('iris').train;
const baseSpec = parseSpec(readFileSync(join(ROOT, 'ml-runtime/specs/iris.json'), 'utf8'));
const specOf = (steps: number, k: number): ModelSpec => ({ ...withSteps(baseSpec, steps), checkpointInterval: k });
const h = (s: string) => hexToBytes(s.replace(/^0x/, ''));

let solo: SoloJobNode;
let dir: string;
let node: PolchainNode;
let rpc: RpcClient;
let submitterNonce = 0n;
const quiet = pino({ level: 'silent' });

before(async () => {
  solo = await startSoloJobNode('polchain-solver-');
  ({ dir, node, rpc } = solo);
});

after(async () => {
  await solo?.stop();
});

/** Submits a job from dev account 0 and returns its id (hex, no 0x). */
async function submitJob(spec: ModelSpec, over: Partial<JobTerms> = {}): Promise<string> {
  const terms: JobTerms = {
    spec: new TextEncoder().encode(canonicalSpecJson(spec)), runtime: 'det-1', datasetRoot: datasetRoot(iris), datasetSize: iris.count, q: 16, committeeSize: 5,
    windows: { accept: 200, commit: 600, challengeDelay: 2, open: 100, attest: 200, reveal: 100 }, solverStake: 500n, bounty: 1000n, attestReward: 0n, parent: null,
    dispute: disputeTermsFor(spec, { window: 2 }),
    ...over,
  };
  // the committee's pay is the protocol floor for this spec (the solver's earnings do not depend on it)
  if (over.attestReward === undefined) terms.attestReward = termFloors(spec, terms).attestReward;
  const raw = encodeTx(signTx({ chainId: 'polchain-dev', nonce: submitterNonce++, fee: 1n, payload: { kind: 'job-submit', terms } }, devAccount(0).seed));
  await rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
  const id = bytesToHex(sha256(raw));
  for (let i = 0; i < 200; i++) {
    try {
      await rpc.call('job_get', ['0x' + id]);
      return id;
    } catch { await new Promise((r) => setTimeout(r, 20)); }
  }
  throw new Error('job did not appear');
}

function collect(): { events: SolverEvent[]; on: (e: SolverEvent) => void; next: (type: SolverEvent['type']) => Promise<SolverEvent> } {
  const events: SolverEvent[] = [];
  const waiters: Array<[string, (e: SolverEvent) => void]> = [];
  return {
    events,
    on: (e) => {
      events.push(e);
      for (const [t, f] of waiters.splice(0)) (t === e.type ? f(e) : waiters.push([t, f]));
    },
    next: (type) => new Promise((r) => {
      const have = events.find((e) => e.type === type);
      if (have) r(have); else waiters.push([type, r]);
    }),
  };
}

test('an honest solver skips a job it cannot run, takes one it can, serves its checkpoints and is paid', { timeout: 60_000 }, async () => {
  const bad = await submitJob(specOf(40, 10), { datasetRoot: new Uint8Array(32).fill(0xee) });
  const spec = specOf(40, 10);
  const id = await submitJob(spec);
  const c = collect();
  const solver = new Solver({ rpcUrl: node.rpcUrl!, seed: devAccount(1).seed, dataDir: join(dir, 'solver1'), logger: quiet, pollIntervalMs: 50, onEvent: c.on });
  await solver.start();
  const ended = await c.next('ended');

  // the job is finalized: its final checkpoint is public over libp2p, the others stay with the solver
  const trace = await rpc.call('job_getTrace', ['0x' + id]);
  assert.ok(trace.openings.length >= 2, `openings ${JSON.stringify(trace.openings)}`);
  const client = await createP2pHost({ chainId: 'polchain-dev', listen: ['/ip4/127.0.0.1/tcp/0'] });
  try {
    const from = { peerId: solver.peerId!, addrs: solver.multiaddrs() };
    const inner = trace.openings.filter((o) => o.index !== 4);
    assert.ok(inner.length >= 1, 'an inner checkpoint was opened');
    for (const o of inner) {
      await assert.rejects(
        fetchCheckpointState(client, from, { jobId: h(id), opening: { index: o.index, chunkRoot: h(o.chunkRoot), stepHash: h(o.stepHash) }, spec }),
        (e: unknown) => e instanceof JobsError && e.code === 'DA_FORBIDDEN' && /may not have checkpoint/.test(e.message),
      );
    }
    const cm = (await rpc.call('job_get', ['0x' + id])).commitment!;
    const got = await fetchCheckpointState(client, from, { jobId: h(id), opening: { index: 4, chunkRoot: h(cm.finalChunkRoot), stepHash: h(cm.finalStepHash) }, spec });
    assert.equal(got.state.step, 40);
  } finally {
    await client.stop();
  }
  await solver.stop();
  const results = await solver.wait();

  assert.equal(results.length, 1);
  const r = results[0]!;
  assert.equal(r.jobId, id);
  assert.equal(r.status, 'finalized');
  assert.equal(r.outcome, 'paid');
  const e = r.earnings!;
  assert.deepEqual(ended, { type: 'ended', jobId: id, earnings: e });
  assert.equal(e.bounty, 1000n);
  assert.equal(e.bond, 500n);
  assert.ok(e.bondReturned, 'bond returned');
  assert.ok(e.fees >= 4n, `accept, commit, open and at least one reveal paid fees (${e.fees})`);
  assert.equal(e.net, 1000n - e.fees);
  assert.equal(e.observedDelta, e.net, 'the balance moved by exactly bounty - fees');

  const kinds = c.events.map((x) => x.type).filter((t) => t !== 'progress' && t !== 'skipped');
  assert.deepEqual(kinds, ['started', 'accepted', 'training', 'trained', 'committed', 'challenged', 'opened', 'revealed', 'provisional', 'ended']);
  assert.deepEqual(e.disputes, { won: 0, lost: 0, bondsWon: 0n, bondsLost: 0n, membersSlashed: 0, demandsAnswered: 0, demandFees: 0n }, 'nobody disputed or demanded');
  const skipped = c.events.find((x) => x.type === 'skipped');
  assert.ok(skipped && skipped.type === 'skipped' && skipped.jobId === bad && /dataset root/.test(skipped.reason), JSON.stringify(skipped));
  const progress = c.events.filter((x) => x.type === 'progress');
  assert.ok(progress.length >= 1, 'progress events');
  const last = progress[progress.length - 1]!;
  assert.ok(last.type === 'progress' && last.step === 40 && last.steps === 40 && last.stepsPerSecond > 0, JSON.stringify(last));

  // what it committed is the honest trace of the job's seed
  const job = await rpc.call('job_get', ['0x' + id]);
  assert.equal(job.solver, encodeAddress(devAccount(1).address));
  const ref = runTraceSync(createTrainer(spec, iris, h(job.seed!)), h(id));
  assert.equal(job.commitment!.traceRoot, '0x' + bytesToHex(ref.traceRoot));
  assert.equal(job.commitment!.checkpointsRoot, '0x' + bytesToHex(ref.checkpointsRoot));
  const after = await rpc.call('job_getTrace', ['0x' + id]);
  assert.ok(after.requiredReveals.length >= 2 && after.requiredReveals.every((x: any) => x.revealed), JSON.stringify(after.requiredReveals));
  assert.ok(existsSync(join(dir, 'solver1', id, 'meta.json')), 'artifacts are on disk');
});

test('withhold: the solver never opens, the job is slashed (no-open) and the bond is lost', { timeout: 60_000 }, async () => {
  const id = await submitJob(specOf(20, 10), { windows: { accept: 200, commit: 600, challengeDelay: 2, open: 8, attest: 3, reveal: 100 } });
  const c = collect();
  const solver = new Solver({ rpcUrl: node.rpcUrl!, seed: devAccount(2).seed, dataDir: join(dir, 'solver2'), logger: quiet, pollIntervalMs: 50, once: true, cheat: { kind: 'withhold' }, onEvent: c.on });
  await solver.start();
  const [r] = await solver.wait();
  assert.equal(r!.jobId, id);
  assert.equal(r!.status, 'slashed');
  assert.equal(r!.outcome, 'no-open');
  const e = r!.earnings!;
  assert.equal(e.bounty, 0n);
  assert.equal(e.bondReturned, false);
  assert.equal(e.fees, 2n, 'accept and commit only');
  assert.equal(e.net, -502n);
  assert.equal(e.observedDelta, -502n);
  const kinds = c.events.map((x) => x.type);
  assert.ok(kinds.includes('withheld'));
  assert.ok(!kinds.includes('opened') && !kinds.includes('revealed'));
});

test('stop() during training leaves no partial artifacts; a restart on the same data dir resumes the job and is paid', { timeout: 90_000 }, async () => {
  const id = await submitJob(specOf(400, 20));
  const data = join(dir, 'solver3');
  const c1 = collect();
  const first = new Solver({ rpcUrl: node.rpcUrl!, seed: devAccount(3).seed, dataDir: data, logger: quiet, pollIntervalMs: 50, progressIntervalMs: 0, onEvent: c1.on });
  await first.start();
  const announced = { peerId: first.peerId, addrs: first.multiaddrs() };
  await c1.next('progress');
  await first.stop();
  assert.deepEqual(await first.wait(), [], 'a job cut short by stop() is not a result');
  assert.ok(!c1.events.some((e) => e.type === 'trained'));
  // only the solver's identity stays (its peer id and addresses are on chain with the job)
  assert.deepEqual(existsSync(data) ? (await readdir(data)).sort() : [], ['p2p-listen.json', 'p2p.key'], 'the interrupted trace was removed');
  const mid = await rpc.call('job_get', ['0x' + id]);
  assert.equal(mid.status, 'training');

  const c2 = collect();
  const second = new Solver({ rpcUrl: node.rpcUrl!, seed: devAccount(3).seed, dataDir: data, logger: quiet, pollIntervalMs: 50, once: true, onEvent: c2.on });
  await second.start();
  assert.equal(second.peerId, announced.peerId, 'the same libp2p identity as the one announced on chain');
  assert.deepEqual(second.multiaddrs(), announced.addrs, 'and the same addresses');
  const [r] = await second.wait();
  assert.equal(r!.jobId, id);
  assert.equal(r!.status, 'finalized');
  assert.equal(r!.earnings!.bounty, 1000n);
  assert.ok(!c2.events.some((e) => e.type === 'accepted'), 'resumed, not accepted again');
  assert.ok(c2.events.some((e) => e.type === 'committed'));
});

test('cheating solvers (skip-steps, wrong-lr) complete every phase with a self-consistent fake trace and are slashed by the replay', { timeout: 60_000 }, async () => {
  for (const [account, cheat] of [[6, { kind: 'skip-steps', fraction: 1 }], [7, { kind: 'wrong-lr', factor: 0.5 }]] as const) {
    const spec = specOf(40, 10);
    const id = await submitJob(spec);
    const c = collect();
    const solver = new Solver({ rpcUrl: node.rpcUrl!, seed: devAccount(account).seed, dataDir: join(dir, `cheat${account}`), logger: quiet, pollIntervalMs: 50, once: true, cheat, onEvent: c.on });
    await solver.start();
    const [r] = await solver.wait();
    // valid proofs over the fake trace get it through every phase; the validator's replay catches it
    // (fraction 1 cheats in every segment, so whichever segments the challenge samples disagree)
    assert.equal(r!.status, 'slashed', `${cheat.kind}: ${r!.reason}`);
    assert.equal(r!.outcome, 'mismatch');
    const training = c.events.find((e) => e.type === 'training');
    assert.ok(training && training.type === 'training' && training.cheat.startsWith(cheat.kind));
    const job = await rpc.call('job_get', ['0x' + id]);
    const honest = runTraceSync(createTrainer(spec, iris, h(job.seed!)), h(id));
    assert.notEqual(job.commitment!.traceRoot, '0x' + bytesToHex(honest.traceRoot), `${cheat.kind} committed a trace that is not the honest one`);
  }
});

function runCli(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawn(process.execPath, [join(ROOT, 'bin/polchain.mjs'), ...args], { cwd: ROOT, env: { ...process.env, POLCHAIN_PASSPHRASE: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  return once(p, 'exit').then(([code]) => { clearTimeout(timer); return { code: code as number | null, stdout, stderr }; });
}

test('polchain solver --once exits 0 when paid and 3 when slashed, with a line per phase', { timeout: 120_000 }, async () => {
  const id = await submitJob(specOf(40, 10));
  const paid = await runCli(['solver', '--rpc', node.rpcUrl!, '--dev-account', '4', '--once', '--data-dir', join(dir, 'cli4'), '--log-level', 'warn']);
  assert.equal(paid.code, 0, paid.stderr);
  for (const re of [
    new RegExp(`accepted job ${id.slice(0, 8)}…`), /training 40 steps/, /trained 40 steps/, /committed trace root [0-9a-f]{64}/, /challenged: segments \[[0-9, ]+\]/,
    /opened \d+ checkpoints/, /revealed \d+ trace ranges/, /finalized: earned 1000 \(bounty\) \+ bond 500 returned/,
  ]) assert.match(paid.stdout, re);
  assert.match(paid.stderr, /train \[/, 'a progress bar on stderr');

  await submitJob(specOf(20, 10), { windows: { accept: 200, commit: 600, challengeDelay: 2, open: 8, attest: 3, reveal: 100 } });
  const slashed = await runCli(['solver', '--rpc', node.rpcUrl!, '--dev-account', '5', '--once', '--data-dir', join(dir, 'cli5'), '--log-level', 'warn', '--test-cheat', 'withhold']);
  assert.equal(slashed.code, 3, slashed.stderr);
  assert.match(slashed.stdout, /withholding the openings/);
  assert.match(slashed.stdout, /slashed \(no-open\): bond 500 lost/);
});

test('a job whose commit window is too short for T steps at the measured step rate is declined with the reason logged; one that fits is accepted', { timeout: 60_000 }, async () => {
  // T = 4000 iris steps with the commit window at the chain's floor (10 blocks of 40 ms): the chain
  // accepts the terms, but this machine needs seconds to train them
  const long = specOf(4000, 10);
  const floors = termFloors(long, { q: 16, committeeSize: 5, bounty: 1000n });
  const tight = await submitJob(long, { windows: { accept: 200, commit: floors.windows.commit, challengeDelay: 2, open: 100, attest: 200, reveal: 100 } });
  const fits = await submitJob(specOf(40, 10));
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const c = collect();
  const solver = new Solver({
    rpcUrl: node.rpcUrl!, seed: devAccount(4).seed, dataDir: join(dir, 'solver-timing'), logger, pollIntervalMs: 50, onEvent: c.on,
    jobFilter: (j) => j.idHex === tight || j.idHex === fits, maxJobs: 2,
  });
  await solver.start();
  const accepted = await c.next('accepted');
  for (let i = 0; i < 200 && !c.events.some((e) => e.type === 'skipped' && e.jobId === tight); i++) await new Promise((r) => setTimeout(r, 25));
  await solver.stop();
  await solver.wait();
  assert.equal(accepted.type === 'accepted' && accepted.jobId, fits, 'the job that fits is accepted');
  assert.ok(!c.events.some((e) => e.type === 'accepted' && e.jobId === tight), 'the tight job is not accepted');
  const skipped = c.events.find((e) => e.type === 'skipped' && e.jobId === tight);
  assert.ok(skipped && skipped.type === 'skipped', c.events.map((e) => e.type).join(' '));
  const m = /^cannot train in time: T = 4000 steps at ([0-9.]+) ms each .* commit window of (\d+) blocks at (\d+) ms per block/.exec(skipped.reason);
  assert.ok(m, skipped.reason);
  assert.equal(Number(m[2]), floors.windows.commit);
  assert.ok(Number(m[3]) >= 20 && Number(m[3]) <= 400, `the block interval is measured from the chain's 40 ms blocks: ${m[3]}`);
  const logged = lines.find((l) => l.msg === 'skipping job' && l.job === tight);
  assert.ok(logged && logged.reason === skipped.reason, 'the reason is in the structured log');
  const job = await rpc.call('job_get', ['0x' + tight]);
  assert.equal(job.status, 'open', 'nobody bonded the tight job');
});
