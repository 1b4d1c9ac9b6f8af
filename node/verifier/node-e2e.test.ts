// The verifier as wired into a real node: a one-validator BFT node (its validator is every job's
// committee), real solvers over JSON-RPC and libp2p, real training and replay. The chain's own
// verdict judges the attestation: an honest solver is paid and the validator's digest matches;
// a solver that skipped steps is slashed for a mismatch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { segmentCount, canonicalSpecJson, datasetRoot, loadDataset, parseSpec, selectBackend, withSteps, type ModelSpec } from '../../ml-runtime/index.ts';
import { disputeTermsFor, JobStatus, UNAVAILABLE_DIGEST, encodeTx, judgeJob, signTx, type JobTerms } from '../../vm/index.ts';
import { devAccount } from '../../genesis/index.ts';
import { RpcClient } from '../../rpc/index.ts';
import { Solver, type CheatMode } from '../solver/index.ts';
import type { PolchainNode } from '../node.ts';
import { startBftNet, type BftNet } from '../../test/helpers/bft-net.ts';
import { bytesToHex, equalBytes, sha256 } from '../../primitives/index.ts';

const iris = loadDataset('iris').train;
const spec: ModelSpec = { ...withSteps(parseSpec(readFileSync(new URL('../../ml-runtime/specs/iris.json', import.meta.url), 'utf8')), 40), checkpointInterval: 10 };
const ATTEST_REWARD = 100n;

let net: BftNet;
let node: PolchainNode;
let rpc: RpcClient;
let dir: string;
let submitterNonce = 0n;

before(async () => {
  await selectBackend('det', { allowFallback: false });
  dir = await mkdtemp(join(tmpdir(), 'polchain-verifier-e2e-'));
  net = await startBftNet(1, { blockIntervalMs: 100 });
  node = net.nodes[0]!;
  rpc = new RpcClient(node.rpcUrl!);
});

after(async () => {
  await rpc?.close();
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function submitJob(): Promise<Uint8Array> {
  const terms: JobTerms = {
    spec: new TextEncoder().encode(canonicalSpecJson(spec)), runtime: 'det-1', datasetRoot: datasetRoot(iris), datasetSize: iris.count, q: 16, committeeSize: 5,
    windows: { accept: 200, commit: 600, challengeDelay: 2, open: 100, attest: 40, reveal: 100 }, solverStake: 500n, bounty: 1000n, attestReward: ATTEST_REWARD, parent: null,
    dispute: disputeTermsFor(spec, { window: 2 }),
  };
  const raw = encodeTx(signTx({ chainId: node.state.chainId, nonce: submitterNonce++, fee: 1n, payload: { kind: 'job-submit', terms } }, devAccount(0).seed));
  await rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
  return sha256(raw);
}

async function solve(account: number, cheat?: CheatMode) {
  const solver = new Solver({
    rpcUrl: node.rpcUrl!, seed: devAccount(account).seed, dataDir: join(dir, `solver${account}`), logger: pino({ level: 'silent' }), pollIntervalMs: 50, once: true,
    ...(cheat ? { cheat } : {}),
  });
  await solver.start();
  const [r] = await solver.wait();
  return r!;
}

test('an honest job: the validator replays, attests a digest the verdict counts as matching', { timeout: 120_000 }, async () => {
  const id = await submitJob();
  const r = await solve(1);
  assert.equal(r.status, 'finalized');
  assert.equal(r.outcome, 'paid');
  const job = node.state.getJob(id)!;
  assert.equal(job.status, JobStatus.Finalized);
  assert.equal(job.attestations.length, 1);
  const a = job.attestations[0]!;
  assert.ok(equalBytes(a.address, node.validatorAddress!));
  assert.ok(!equalBytes(a.digest, UNAVAILABLE_DIGEST));
  // the chain's verdict over the revealed trace counts the validator's digest as matching
  const v = judgeJob(job);
  assert.equal(v.agreeing.length, 1);
  assert.ok(equalBytes(v.agreeing[0]!, node.validatorAddress!));
  const st = node.verifierStats!;
  assert.deepEqual([st.verified, st.unavailable, st.failed, st.disagreed], [1, 0, 0, 0]);
  assert.ok(st.lastCpuMs > 0);
  // node_status over JSON-RPC shows the schedule: nothing queued or running, the job's task decided
  const status = await rpc.call('node_status', []);
  const sched = status.verifier!.scheduler;
  assert.ok(sched.replaySlots >= 1 && sched.maxTasks >= 1, JSON.stringify(sched));
  assert.deepEqual([sched.tasks.length, sched.replaysRunning, sched.replaysWaiting, status.verifier!.queued, status.verifier!.running], [0, 0, 0, 0, null]);
  const mine = sched.recent.find((x) => x.job === `0x${bytesToHex(id)}`);
  assert.ok(mine, JSON.stringify(sched.recent));
  const attested = job.attestations[0]!.height;
  assert.deepEqual([mine.draws, mine.phase, mine.decision, mine.reason], [1, 'done', 'attested', null]);
  assert.ok(mine.fetchAttempts >= 1 && mine.stopAt === mine.deadline - 2 && mine.fetchStopAt! <= mine.stopAt!, JSON.stringify(mine));
  assert.ok(mine.decidedAt! <= Number(attested) && Number(attested) <= mine.deadline, `decided at ${mine.decidedAt}, landed at ${attested}, deadline ${mine.deadline}`);
});

test('a solver that skipped steps is slashed on the validator\'s attestation (mismatch)', { timeout: 120_000 }, async () => {
  const id = await submitJob();
  const r = await solve(2, { kind: 'skip-steps', fraction: 1 });
  assert.equal(r.status, 'slashed');
  assert.equal(r.outcome, 'mismatch');
  const job = node.state.getJob(id)!;
  assert.equal(job.attestations.length, 1);
  assert.ok(!equalBytes(job.attestations[0]!.digest, UNAVAILABLE_DIGEST), 'the checkpoints were available: a replayed digest, not UNAVAILABLE');
  const v = judgeJob(job);
  assert.deepEqual([v.agreeing.length, v.disagreeing.length], [0, 1]);
  const st = node.verifierStats!;
  assert.equal(st.verified, 2);
  // the service can only see the disagreement early where a sampled segment ends on an opened checkpoint
  const last = segmentCount(spec.steps, spec.checkpointInterval);
  const visible = job.segments.some((j) => j + 1 === last || job.segments.includes(j + 1));
  assert.equal(st.disagreed >= 1, visible, `segments ${job.segments.join(', ')}: disagreed ${st.disagreed}`);
});
