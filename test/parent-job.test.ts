// A proven model as the starting point of a new job (docs/jobs.md: JobSubmit's `parent`), end to end
// on a one-validator BFT node whose verifier is every job's committee: solver A trains and is paid
// for a parent job; solver B, with an empty data dir, takes a child job, fetches the parent's final
// state from A over libp2p (proven against the parent's commitment), trains from it, serves it to
// the verifier and is paid. A child job whose parent's solver has gone is skipped, with the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { canonicalSpecJson, checkpointSteps, createTrainer, datasetRoot, decodeState, loadDataset, parseSpec, selectBackend, stepHash, withSteps, type ModelSpec } from '../ml-runtime/index.ts';
import { disputeTermsFor, JobStatus, UNAVAILABLE_DIGEST, encodeTx, judgeJob, signTx, type JobTerms } from '../vm/index.ts';
import { devAccount } from '../genesis/index.ts';
import { RpcClient } from '../rpc/index.ts';
import type { PolchainNode } from '../node/index.ts';
import { createP2pHost } from '../node/p2p/index.ts';
import { SolverArtifacts, fetchCheckpointState, initialStateFromParent, layoutOfSpec } from '../node/jobs/index.ts';
import { Solver, type SolverEvent } from '../node/solver/index.ts';
import { startBftNet, type BftNet } from './helpers/bft-net.ts';
import { bytesToHex, equalBytes, sha256 } from '../primitives/index.ts';

const iris = loadDataset('iris').train;
const irisSpec = parseSpec(readFileSync(new URL('../ml-runtime/specs/iris.json', import.meta.url), 'utf8'));
const parentSpec: ModelSpec = { ...withSteps(irisSpec, 24), checkpointInterval: 4 };
// same parameter shapes, another optimiser (two slot sets instead of momentum's one): slots start at zero
const childSpec: ModelSpec = parseSpec(canonicalSpecJson({
  ...withSteps(irisSpec, 16), checkpointInterval: 4, optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
}));
const h = (s: string) => Buffer.from(s.replace(/^0x/, ''), 'hex');
const quiet = pino({ level: 'silent' });

let net: BftNet;
let node: PolchainNode;
let rpc: RpcClient;
let dir: string;
let submitterNonce = 0n;
const solvers: Solver[] = [];
let parentId: Uint8Array;
let solverA: Solver;
let solverB: Solver;

before(async () => {
  await selectBackend('det', { allowFallback: false });
  dir = await mkdtemp(join(tmpdir(), 'polchain-parent-job-'));
  net = await startBftNet(1, { blockIntervalMs: 100 });
  node = net.nodes[0]!;
  rpc = new RpcClient(node.rpcUrl!);
});

after(async () => {
  await Promise.allSettled(solvers.map((s) => s.stop()));
  await rpc?.close();
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function submitJob(spec: ModelSpec, parent: Uint8Array | null): Promise<Uint8Array> {
  const terms: JobTerms = {
    spec: new TextEncoder().encode(canonicalSpecJson(spec)), runtime: 'det-1', datasetRoot: datasetRoot(iris), datasetSize: iris.count, q: 16, committeeSize: 5,
    windows: { accept: 200, commit: 600, challengeDelay: 2, open: 100, attest: 40, reveal: 100 }, solverStake: 500n, bounty: 1000n, attestReward: 100n, parent,
    dispute: disputeTermsFor(spec, { window: 2 }),
  };
  const raw = encodeTx(signTx({ chainId: node.state.chainId, nonce: submitterNonce++, fee: 1n, payload: { kind: 'job-submit', terms } }, devAccount(0).seed));
  await rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
  const id = sha256(raw);
  for (let i = 0; i < 200 && !node.state.getJob(id); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(node.state.getJob(id), 'the job landed');
  return id;
}

function collect() {
  const events: SolverEvent[] = [];
  const waiters: Array<[SolverEvent['type'], (e: SolverEvent) => void]> = [];
  return {
    events,
    on: (e: SolverEvent) => {
      events.push(e);
      for (const [t, f] of waiters.splice(0)) (t === e.type ? f(e) : waiters.push([t, f]));
    },
    next: <T extends SolverEvent['type']>(type: T) => new Promise<Extract<SolverEvent, { type: T }>>((r) => {
      const have = events.find((e) => e.type === type);
      if (have) r(have as Extract<SolverEvent, { type: T }>); else waiters.push([type, r as (e: SolverEvent) => void]);
    }),
  };
}

function startSolver(account: number, name: string, only: Uint8Array, c: ReturnType<typeof collect>, progress = false): Solver {
  const s = new Solver({
    rpcUrl: node.rpcUrl!, seed: devAccount(account).seed, dataDir: join(dir, name), logger: quiet, pollIntervalMs: 50,
    jobFilter: (v) => v.idHex === bytesToHex(only), onEvent: c.on, ...(progress ? { progressIntervalMs: 0 } : {}),
  });
  solvers.push(s);
  return s;
}

const lastIndex = (s: ModelSpec) => checkpointSteps(s.steps, s.checkpointInterval).length - 1;

let parentFirstLoss: number;

test('solver A trains the parent job and is paid', { timeout: 60_000 }, async () => {
  parentId = await submitJob(parentSpec, null);
  const c = collect();
  solverA = startSolver(1, 'A', parentId, c, true);
  await solverA.start();
  const ended = await c.next('ended');
  assert.equal(ended.earnings.status, 'finalized');
  assert.equal(ended.earnings.outcome, 'paid');
  const p = c.events.find((e) => e.type === 'progress' && e.step === 1);
  assert.ok(p && p.type === 'progress' && p.loss !== null);
  parentFirstLoss = p.loss;
  assert.equal(node.state.getJob(parentId)!.status, JobStatus.Finalized);
});

test('solver B (empty data dir) fetches the parent weights from A over libp2p, trains the child from them, serves them and is paid', { timeout: 60_000 }, async () => {
  const childId = await submitJob(childSpec, parentId);
  const c = collect();
  solverB = startSolver(2, 'B', childId, c, true);
  await solverB.start();
  const fetched = await c.next('parent-fetched');
  assert.equal(fetched.jobId, bytesToHex(childId));
  assert.equal(fetched.parent, bytesToHex(parentId));
  assert.equal(fetched.from, solverA.peerId, 'fetched from the parent job\'s solver');
  // A goes away now: the verifier (which asks the child's solver first) can only get the parent state from B
  await solverA.stop();
  const ended = await c.next('ended');
  assert.equal(ended.earnings.status, 'finalized', JSON.stringify(c.events.filter((e) => e.type !== 'progress'), (_k, x) => (typeof x === 'bigint' ? String(x) : x)));
  assert.equal(ended.earnings.outcome, 'paid');
  const kinds = c.events.map((e) => e.type).filter((t) => t !== 'progress' && t !== 'skipped');
  assert.deepEqual(kinds, ['started', 'parent-fetched', 'accepted', 'training', 'trained', 'committed', 'challenged', 'opened', 'revealed', 'provisional', 'ended']);

  // the validator replayed from the parent state (fetched from B) and its digest matched the verdict
  const job = node.state.getJob(childId)!;
  assert.equal(job.status, JobStatus.Finalized);
  assert.equal(job.attestations.length, 1);
  assert.ok(!equalBytes(job.attestations[0]!.digest, UNAVAILABLE_DIGEST));
  assert.equal(judgeJob(job).agreeing.length, 1);
  assert.equal(node.verifierStats!.unavailable, 0);

  // h_0 = stepHash(child, parent's final params + zero slots, step 0), from A's own artifacts
  const a = await SolverArtifacts.open(join(dir, 'A'), parentId);
  const parentBytes = await a.checkpointBytes(lastIndex(parentSpec));
  const parentFinal = decodeState(parentBytes, layoutOfSpec(parentSpec));
  const jv = await rpc.call('job_get', ['0x' + bytesToHex(childId)]);
  const state0 = initialStateFromParent(createTrainer(childSpec, iris, h(jv.seed!)), parentBytes);
  assert.equal(state0.step, 0);
  assert.ok(state0.slots.length === 2 * state0.params.length && state0.slots.every((s) => s.every((x) => x === 0)), 'adam slots start at zero');
  const trace = await rpc.call('job_getTrace', ['0x' + bytesToHex(childId)]);
  const leaf0 = trace.reveals.find((r) => r.from === 0)!;
  assert.ok(leaf0, 'h_0 revealed');
  assert.equal(leaf0.hashes[0], '0x' + bytesToHex(stepHash(childId, state0)));
  assert.equal(trace.openings.find((o) => o.index === 0)!.stepHash, leaf0.hashes[0]);

  // the child's checkpoint 0 (B's artifacts) holds exactly the parent's final weights, and training went on from them
  const b = await SolverArtifacts.open(join(dir, 'B'), childId);
  const child0 = decodeState(await b.checkpointBytes(0), layoutOfSpec(childSpec));
  assert.equal(child0.params.length, parentFinal.params.length);
  child0.params.forEach((p, i) => assert.deepEqual(p, parentFinal.params[i], `param tensor ${i}`));
  const first = c.events.find((e) => e.type === 'progress' && e.step === 1);
  assert.ok(first && first.type === 'progress' && first.loss !== null && first.loss < parentFirstLoss, `child loss at step 1 (${first && first.type === 'progress' ? first.loss : '?'}) is below the parent's from its random start (${parentFirstLoss})`);
  assert.ok(existsSync(join(dir, 'B', 'parents', `${bytesToHex(parentId)}.state`)), 'the fetched parent state is cached in B\'s data dir');

  // B serves the parent's final state as the verifier asks for it: the parent's id, its last checkpoint index
  const client = await createP2pHost({ chainId: node.state.chainId, listen: ['/ip4/127.0.0.1/tcp/0'] });
  try {
    const pc = node.state.getJob(parentId)!.commitment!;
    const got = await fetchCheckpointState(client, { peerId: solverB.peerId!, addrs: solverB.multiaddrs() }, {
      jobId: parentId, opening: { index: lastIndex(parentSpec), chunkRoot: pc.finalChunkRoot, stepHash: pc.finalStepHash }, spec: parentSpec,
    });
    assert.deepEqual(got.bytes, parentBytes);
    await solverB.stop();
    // and so does a solver restarted on B's data dir (from its disk cache, proven again against the chain), A still gone
    const again = startSolver(2, 'B', new Uint8Array(32), collect());
    await again.start();
    // a fresh client: the restarted solver may come back under the same peer id as the stopped one
    const client2 = await createP2pHost({ chainId: node.state.chainId, listen: ['/ip4/127.0.0.1/tcp/0'] });
    try {
      const cached = await fetchCheckpointState(client2, { peerId: again.peerId!, addrs: again.multiaddrs() }, {
        jobId: parentId, opening: { index: lastIndex(parentSpec), chunkRoot: pc.finalChunkRoot, stepHash: pc.finalStepHash }, spec: parentSpec,
      });
      assert.deepEqual(cached.bytes, parentBytes);
    } finally {
      await client2.stop();
    }
    await again.stop();
  } finally {
    await client.stop();
  }
});

test('a child job whose parent solver has gone away is skipped by a fresh solver, with the reason', { timeout: 30_000 }, async () => {
  await solverA.stop(); // stopped in the test above already (idempotent)
  const childId = await submitJob(childSpec, parentId);
  const c = collect();
  const solverC = startSolver(3, 'C', childId, c);
  await solverC.start();
  const skipped = await c.next('skipped');
  assert.equal(skipped.jobId, bytesToHex(childId));
  assert.match(skipped.reason, new RegExp(`^parent job ${bytesToHex(parentId).slice(0, 8)}…: cannot fetch its final weights from its solver ${solverA.peerId}: DA_UNREACHABLE`));
  // it did not accept a job it cannot start
  await new Promise((r) => setTimeout(r, 500));
  await solverC.stop();
  assert.ok(!c.events.some((e) => e.type === 'accepted'));
  assert.equal(node.state.getJob(childId)!.status, JobStatus.Open);
  assert.deepEqual(await solverC.wait(), []);
});
