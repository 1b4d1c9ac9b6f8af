// The verifier's schedule against the real vm (TestChain: every block built and re-applied by a
// replica, every transaction accepted), real libp2p hosts over TCP, real det training and the real
// replay worker: a job whose solver never answers holds up no other job's attestation, and gets its
// UNAVAILABLE (after a demand of its own) within its window. Plus the slot and queue rules alone.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { attestationDigest, disputeTermsFor, memberHashes, memberSegments, UNAVAILABLE_DIGEST, type Job } from '../../vm/index.ts';
import { createP2pHost, type P2pHost } from '../p2p/index.ts';
import { DatasetRegistry, registerJobChunkServer, type SolverArtifacts } from '../jobs/index.ts';
import { VerifierService, type VerifierOptions } from './index.ts';
import { CpuSlots, TaskQueue, type TaskEntry } from './scheduler.ts';
import { TestChain, CHAIN_ID, type Acct } from '../../test/helpers/job-test-chain.ts';
import { DATA, SPEC, terms, useDet } from '../../test/helpers/job-work.ts';
import { Outbox, digestInput, toAttesting } from '../../test/helpers/dispute-parties.ts';
import { logHex as logHexOf } from '../util/index.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'polchain-schedule-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function mkHost(t: TestContext): Promise<P2pHost> {
  const h = await createP2pHost({ chainId: CHAIN_ID, listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 100, redialMs: 0 });
  t.after(() => h.stop());
  return h;
}

function member(t: TestContext, c: TestChain, o: Outbox, v: Acct, host: P2pHost, over: Partial<VerifierOptions> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); cb(); } });
  const svc = new VerifierService({
    state: c.state, validatorAddress: v.address, validatorSeed: v.seed, host, logger: pino({ level: 'debug' }, sink), datasets: new DatasetRegistry(),
    workDir: join(tmp, `w${Math.random().toString(36).slice(2)}`),
    submit: (raw) => o.push(raw, v.address), nextNonce: (a) => o.nonce(a), isPending: (h) => o.pending(h),
    getTx: (h) => o.committed.get(bytesToHex(h)), blockIntervalMs: 100, ...over,
  });
  t.after(() => svc.stop());
  return { svc, lines };
}

const attestationOf = (job: Job, v: Acct) => job.attestations.find((a) => equalBytes(a.address, v.address));

test('a job whose solver never answers does not delay another job\'s attestation; it gets UNAVAILABLE after its own demand, within its window', async (t) => {
  await useDet();
  const c = new TestChain('schedule-jam-1');
  const o = new Outbox(c);
  // at the protocol floors (q = 16, 5 seats)
  const TERMS = terms({ q: 16, committeeSize: 5, windows: { accept: 3, commit: 5, challengeDelay: 2, open: 3, attest: 60, reveal: 4 }, dispute: disputeTermsFor(SPEC, { window: 6, move: 4, bond: 700n, demandFee: 30n }) });

  // job 1: the solver announced an address where nothing listens any more (a real TCP dial that is refused)
  const gone = await createP2pHost({ chainId: CHAIN_ID, listen: ['/ip4/127.0.0.1/tcp/0'] });
  const goneAddrs = gone.multiaddrs();
  await gone.stop();
  const stuck = await toAttesting(c, o, { terms: TERMS, spec: SPEC, data: DATA, dir: join(tmp, 's1'), daPeer: gone.peerId, daAddrs: goneAddrs });
  // job 2: an honest solver serving its checkpoints; it reaches the attest phase later, so its deadline is later too
  const solverHost = await mkHost(t);
  const served = new Map<string, SolverArtifacts>();
  await registerJobChunkServer(solverHost, (id) => served.get(bytesToHex(id)), { access: 'public' });
  const normal = await toAttesting(c, o, {
    terms: TERMS, spec: SPEC, data: DATA, dir: join(tmp, 's2'), daPeer: solverHost.peerId, daAddrs: solverHost.multiaddrs().filter((a) => a.startsWith('/ip4/127.0.0.1/')),
  });
  served.set(bytesToHex(normal.id), normal.art);
  const j1 = c.job(stuck.id), j2 = c.job(normal.id);
  assert.ok(j1.deadline < j2.deadline, 'job 1 is first by deadline as well as by arrival: nothing but concurrency lets job 2 pass it');
  // a validator on both committees whose own segments of job 1 (its seats' share) need an opened checkpoint
  const v = c.validators.find((x) => j1.committee.some((m) => equalBytes(m.address, x.address)) && j2.committee.some((m) => equalBytes(m.address, x.address))
    && memberSegments(j1, x.address).some((j) => j > 0))!;
  assert.ok(v, `a validator on both committees that replays a segment > 0 of job 1's [${j1.segments}] (the salt fixes them)`);

  // no early demand (its grace outlasts the window): the demand made when the fetch budget runs out is
  // what the UNAVAILABLE stands on (an early one the solver leaves unanswered ends the job as no-data)
  const { svc, lines } = member(t, c, o, v, await mkHost(t), { demandGraceBlocks: 1000 });
  svc.start();
  const st0 = svc.stats().scheduler;
  assert.deepEqual(st0.tasks.map((x) => x.job), [logHexOf(stuck.id), logHexOf(normal.id)], 'both queued or running, earliest deadline first');

  // blocks until job 2's attestation from v is on chain
  let n = 0;
  while (!attestationOf(c.job(normal.id), v)) {
    assert.ok(++n < 45, 'job 2 was not attested');
    svc.onBlock(o.block());
    await sleep(200);
  }
  const landed2 = attestationOf(c.job(normal.id), v)!;
  const input = await digestInput(normal.art, j2);
  assert.deepEqual(landed2.digest, attestationDigest(normal.id, v.address, input.h0, memberHashes(j2, v.address, input)), 'job 2: the replayed digest of v\'s segments');
  // job 1 is still being fetched: its fetch budget has not run out, and nothing was attested for it
  assert.equal(attestationOf(c.job(stuck.id), v), undefined);
  const mid = svc.stats().scheduler;
  const t1 = mid.tasks.find((x) => x.job === logHexOf(stuck.id));
  assert.ok(t1, `job 1 is on the schedule: ${JSON.stringify(mid)}`);
  assert.equal(t1.phase, 'fetching');
  assert.ok(t1.fetchStopAt !== null && landed2.height < BigInt(t1.fetchStopAt), `job 2 landed at ${landed2.height}, before job 1's fetch budget ends at ${t1.fetchStopAt}`);
  assert.ok(t1.fetchAttempts >= 2, `job 1 retried the solver: ${t1.fetchAttempts} tries`);
  assert.equal(t1.budgetBlocks, t1.fetchStopAt - Number(c.height));
  assert.equal(t1.stopAt, Number(j1.deadline) - 2);
  const r2 = mid.recent.find((x) => x.job === logHexOf(normal.id));
  assert.deepEqual([r2?.decision, r2?.draws, r2?.deadline, r2?.phase], ['attested', 1, Number(j2.deadline), 'done']);

  // job 1: UNAVAILABLE within its window, standing on a demand of v's own that landed no later
  while (!attestationOf(c.job(stuck.id), v)) {
    assert.ok(++n < 90, 'job 1 was never attested');
    svc.onBlock(o.block());
    await sleep(100);
  }
  const landed1 = attestationOf(c.job(stuck.id), v)!;
  assert.deepEqual(landed1.digest, UNAVAILABLE_DIGEST);
  assert.ok(landed1.height <= j1.deadline, `attested at ${landed1.height}, deadline ${j1.deadline}`);
  assert.ok(landed1.height >= BigInt(t1.fetchStopAt!), 'not before its fetch budget ran out');
  const demands = c.job(stuck.id).demands.filter((d) => equalBytes(d.by, v.address));
  assert.ok(demands.length > 0, 'v demanded the missing chunks on chain');
  assert.ok(demands.every((d) => d.height <= landed1.height && d.height >= BigInt(t1.fetchStopAt!)), 'each demand made when the fetch budget ran out, landed no later than the UNAVAILABLE');
  const r1 = svc.stats().scheduler.recent.find((x) => x.job === logHexOf(stuck.id))!;
  assert.equal(r1.decision, 'unavailable');
  assert.match(r1.reason ?? '', /did not arrive by height/);
  // the decisions are in the logs, structured
  const decided = lines.filter((l) => l.msg === 'verifier: task decided');
  assert.deepEqual(decided.map((l) => [l.job, l.decision]), [[logHexOf(normal.id), 'attested'], [logHexOf(stuck.id), 'unavailable']]);
  assert.ok(lines.some((l) => l.msg === 'verifier: fetch budget spent; giving up on the solver\'s data' && l.job === logHexOf(stuck.id)));
});

function entry(label: string, deadline: bigint): TaskEntry {
  return {
    key: label, jobId: new Uint8Array(32), draws: 1, deadline, queuedAt: 0n, startedAt: null, phase: 'queued', fetchAttempts: 0,
    fetchStopAt: null, stopAt: null, decision: null, reason: null, decidedAt: null, ctl: null,
  };
}

test('CPU slots: at most `slots` held; waiters are served earliest deadline first (then by arrival); an aborted wait leaves the line', async () => {
  const cpu = new CpuSlots(2);
  const order: string[] = [];
  const a = await cpu.acquire(50n);
  const b = await cpu.acquire(40n);
  assert.deepEqual([cpu.running, cpu.waiting], [2, 0]);
  const ctl = new AbortController();
  const wait = (label: string, deadline: bigint, signal?: AbortSignal) => cpu.acquire(deadline, signal).then((release) => { order.push(label); return release; });
  const late = wait('late', 90n);
  const early = wait('early', 20n);
  const gone = wait('aborted', 10n, ctl.signal);
  const tie = wait('tie', 20n);
  assert.deepEqual([cpu.running, cpu.waiting], [2, 4]);
  ctl.abort(new Error('no longer wanted'));
  await assert.rejects(gone, /no longer wanted/);
  assert.equal(cpu.waiting, 3);
  a();
  a(); // a second release of the same slot does nothing
  const r1 = await early;
  assert.deepEqual([cpu.running, cpu.waiting], [2, 2]);
  b();
  r1();
  (await tie)();
  (await late)();
  assert.deepEqual(order, ['early', 'tie', 'late']);
  assert.deepEqual([cpu.running, cpu.waiting], [0, 0]);
});

test('task queue: earliest deadline first, arrival order among equal deadlines', () => {
  const q = new TaskQueue();
  for (const [l, d] of [['x', 30n], ['y', 10n], ['z', 30n], ['w', 20n]] as const) q.push(entry(l, d));
  assert.deepEqual(q.entries().map((e) => e.key), ['y', 'w', 'x', 'z']);
  assert.equal(q.shift()!.key, 'y');
  assert.deepEqual(q.clear().map((e) => e.key), ['w', 'x', 'z']);
  assert.equal(q.length, 0);
});
