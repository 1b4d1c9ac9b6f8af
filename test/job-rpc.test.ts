// The job RPC methods and the `jobs` WebSocket topic: shapes, pagination, filters and errors over a
// real RPC server (with hand-built jobs covering every phase), then against a real node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  attestationDigest, batchNeeded, disputeTermsFor, DisputeKind, DisputeStage, DisputeWinner, encodeTx, JobStatus, NON_FINITE_CLAIM, signTx, stateShape,
  termFloors, UNAVAILABLE_DIGEST, type DaDemand, type Dispute, type Job, type JobStatusTag,
} from '../vm/index.ts';
import { devAccount, devGenesis } from '../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { canonicalSpecJson, datasetRoot, loadDataset, parseSpec, specHash } from '../ml-runtime/index.ts';
import { createRpcServer, RpcClient, type UntypedApi } from '../rpc/index.ts';
import { jobMethods, DISPUTES_TOPIC, JOBS_TOPIC, type JobView } from '../node/rpc-methods/index.ts';
import { PolchainNode } from '../node/index.ts';
import { JobSim, Solver, plan } from './helpers/job-sim/index.ts';
import { spareMember } from './helpers/quorum-spare.ts';
import { addressFromPublicKey, bytesToHex, compareBytes, encodeAddress, publicKeyFromSeed, sha256 } from '../primitives/index.ts';

/** The same client without the API's types, to send params the table forbids. */
const untyped = (c: RpcClient): RpcClient<UntypedApi> => c as unknown as RpcClient<UntypedApi>;

const SPEC_TEXT = readFileSync(new URL('../ml-runtime/specs/iris.json', import.meta.url), 'utf8'); // T = 60, k = 20
const SPEC = new TextEncoder().encode(canonicalSpecJson(parseSpec(SPEC_TEXT)));
const hx = (b: Uint8Array) => '0x' + bytesToHex(b);
const addr = (n: number) => new Uint8Array(20).fill(n);
const leaf = (t: number) => sha256(Uint8Array.of(t >> 8, t & 255, 0xee)); // h_t of the hand-built trace
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => leaf(from + i));

function mkJob(n: number, status: JobStatusTag, over: Partial<Job> = {}): Job {
  return {
    id: sha256(Uint8Array.of(n)), submitter: addr(n % 2 ? 1 : 2), status, submitHeight: BigInt(n), deadline: BigInt(100 + n), solver: null,
    terms: {
      spec: SPEC, runtime: 'det-1', datasetRoot: new Uint8Array(32).fill(7), datasetSize: 120, q: 16, committeeSize: 5,
      windows: { accept: 10, commit: 20, challengeDelay: 2, open: 5, attest: 5, reveal: 5 }, solverStake: 500n, bounty: 1000n + BigInt(n), attestReward: 90n, parent: null,
      dispute: disputeTermsFor(SPEC),
    },
    daPeer: '', daAddrs: [], acceptHeight: 0n, seed: null, commitment: null, challengeHeight: 0n, segments: [], pool: [], seats: [], committee: [], draws: 0, silent: [], openings: [],
    attestations: [], reveals: [], outcome: '', endHeight: 0n, verdict: '', windowEnd: 0n, divergedAt: 0, disputes: [], demands: [], ...over,
  };
}

/** A finalized job: segments 0 and 2 of 3, a committee of four (one matching, one wrong, one unavailable, one silent). */
function finalizedJob(): Job {
  const base = mkJob(50, JobStatus.Finalized);
  const committee = [1, 2, 3, 4].map((i) => ({ address: addr(0x10 + i), stake: BigInt(i * 100) }));
  const h0 = leaf(0);
  const segs = [range(1, 20), range(41, 60)];
  const good = attestationDigest(base.id, committee[0]!.address, h0, segs);
  return {
    ...base, solver: addr(9), daPeer: '12D3KooWtest', daAddrs: ['/ip4/127.0.0.1/tcp/4001'], acceptHeight: 51n, seed: new Uint8Array(32).fill(5),
    commitment: { traceRoot: new Uint8Array(32).fill(0xa1), checkpointsRoot: new Uint8Array(32).fill(0xa2), finalChunkRoot: new Uint8Array(32).fill(0xa3), finalStepHash: leaf(60), height: 60n },
    challengeHeight: 62n, segments: [0, 2], committee, pool: committee, draws: 1,
    // member 1 holds seats 0 and 1, so it replays both segments (m = 2 of 5 seats)
    seats: [0, 0, 1, 2, 3].map((i) => committee[i]!.address),
    openings: [0, 2, 3].map((index) => ({ index, chunkRoot: new Uint8Array(32).fill(index), stepHash: leaf(Math.min(index * 20, 60)) })),
    attestations: [
      { address: committee[0]!.address, digest: good, height: 64n },
      { address: committee[1]!.address, digest: new Uint8Array(32).fill(1), height: 65n },
      { address: committee[2]!.address, digest: UNAVAILABLE_DIGEST, height: 65n },
    ],
    reveals: [{ from: 0, hashes: range(0, 20) }, { from: 40, hashes: range(40, 60) }, { from: 60, hashes: [leaf(60)] }],
    outcome: 'paid', endHeight: 70n, verdict: 'paid', windowEnd: 68n,
  };
}

function fakeView(jobs: Job[]): JobView {
  const byId = new Map(jobs.map((j) => [hx(j.id), j]));
  return { getJob: (id) => byId.get(hx(id)), listJobs: () => [...byId.values()].reverse() };
}

test('job methods: shapes, pagination, filters and errors', { timeout: 20_000 }, async (t) => {
  const fin = finalizedJob();
  const running = mkJob(3, JobStatus.Training, { solver: addr(9), acceptHeight: 4n, seed: new Uint8Array(32).fill(3) });
  const jobs = [
    mkJob(1, JobStatus.Open), mkJob(2, JobStatus.Open), running, mkJob(4, JobStatus.Open), mkJob(5, JobStatus.Expired, { outcome: 'no-solver', endHeight: 15n }),
    mkJob(6, JobStatus.Slashed, { solver: addr(8), outcome: 'no-commit', endHeight: 40n }), mkJob(7, JobStatus.Open), fin,
  ];
  const pendingId = sha256(Uint8Array.of(0xfe));
  const server = await createRpcServer({
    methods: jobMethods({ jobs: fakeView(jobs), pending: (h) => hx(h) === hx(pendingId), height: () => 66n }), port: 0, topics: ['newHeads', JOBS_TOPIC, DISPUTES_TOPIC],
  });
  t.after(() => server.close());
  const rpc = new RpcClient(server.url);
  t.after(() => rpc.close());

  // job_get: a running job and a finished one.
  const g = await rpc.call('job_get', [hx(running.id)]);
  assert.equal(g.id, hx(running.id));
  assert.equal(g.status, 'training');
  assert.equal(g.phase, 'commit');
  assert.equal(g.deadline, '103');
  assert.equal(g.height, '66');
  assert.equal(g.outcome, null);
  assert.equal(g.submitter, encodeAddress(addr(1)));
  assert.equal(g.solver, encodeAddress(addr(9)));
  assert.equal(g.acceptHeight, '4');
  assert.equal(g.commitment, null);
  assert.equal(g.challengeHeight, null);
  assert.deepEqual(g.terms.spec.hash, hx(specHash(parseSpec(SPEC_TEXT))));
  assert.equal(g.terms.spec.steps, 60);
  assert.equal(g.terms.spec.checkpointInterval, 20);
  assert.equal(g.terms.spec.batchSize, 16);
  assert.equal(g.terms.spec.optimizer!.type, 'momentum');
  assert.equal(g.terms.spec.segmentCount, 3);
  assert.equal(g.terms.specJson, new TextDecoder().decode(SPEC));
  assert.equal(g.terms.bounty, '1003');
  assert.equal(g.terms.solverStake, '500');
  assert.deepEqual(g.terms.windows, { accept: 10, commit: 20, challengeDelay: 2, open: 5, attest: 5, reveal: 5 });
  assert.equal(g.terms.parent, null);
  const f = await rpc.call('job_get', { id: hx(fin.id) });
  assert.equal(f.status, 'finalized');
  assert.equal(f.outcome, 'paid');
  assert.equal(f.deadline, null, 'an ended job has no deadline');
  assert.equal(f.endHeight, '70');
  assert.deepEqual(f.segments, [0, 2]);
  assert.deepEqual(f.committee.map((m: any) => m.stake), ['100', '200', '300', '400']);
  assert.equal(f.committeeStake, '1000');
  assert.equal(f.commitment!.finalChunkRoot, '0x' + 'a3'.repeat(32));
  assert.equal(f.daPeer, '12D3KooWtest');

  // Errors: unknown (and pending) ids are NOT_FOUND with a reason; malformed ids are INVALID_PARAMS.
  await assert.rejects(rpc.call('job_get', ['0x' + '00'.repeat(32)]), (e: any) => e.code === -32001 && /no job 0x0{64} at height 66 \(job ids are the hash/.test(e.message));
  await assert.rejects(rpc.call('job_get', [hx(pendingId)]), (e: any) => e.code === -32001 && /still pending in the mempool/.test(e.message));
  for (const bad of ['0x1234', '0x' + 'AB'.repeat(32), 'ab'.repeat(32), 7]) {
    for (const m of ['job_get', 'job_getTrace', 'job_getAttestations', 'job_getModel', 'job_getDispute']) {
      await assert.rejects(untyped(rpc).call(m, m === 'job_getDispute' ? [bad, 0] : [bad]), (e: any) => e.code === -32602, `${m}(${String(bad)})`);
    }
  }

  // job_list: ascending id, deterministic cursor pagination, filters.
  const sortedIds = [...jobs].sort((a, b) => compareBytes(a.id, b.id)).map((j) => hx(j.id));
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: any = await rpc.call('job_list', cursor ? { limit: 3, cursor } : { limit: 3 });
    assert.ok(page.jobs.length <= 3);
    assert.equal(page.total, 8);
    seen.push(...page.jobs.map((j: any) => j.id));
    cursor = page.nextCursor;
    if (cursor) assert.equal(cursor, page.jobs[page.jobs.length - 1].id);
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual(seen, sortedIds);
  const all = await rpc.call('job_list', []);
  assert.deepEqual(all.jobs.map((j: any) => j.id), sortedIds, 'default page holds all 8 in id order');
  assert.equal(all.nextCursor, null);
  const s0 = all.jobs.find((j: any) => j.id === hx(running.id))!;
  assert.deepEqual(Object.keys(s0).sort(), [
    'attestReward', 'bounty', 'datasetRoot', 'deadline', 'endHeight', 'id', 'outcome', 'solver', 'solverStake', 'specHash', 'status', 'steps', 'submitHeight', 'submitter',
    'verdict', 'windowEnd', 'disputes', 'openDisputes',
  ].sort());
  assert.deepEqual([s0.verdict, s0.windowEnd, s0.disputes, s0.openDisputes], [null, null, 0, 0]);
  assert.equal(s0.steps, 60);
  const open = await rpc.call('job_list', { status: 'open' });
  assert.deepEqual(open.jobs.map((j: any) => j.id), sortedIds.filter((id) => [1, 2, 4, 7].some((n) => hx(sha256(Uint8Array.of(n))) === id)));
  assert.ok(open.jobs.every((j: any) => j.status === 'open'));
  const byPos = await rpc.call('job_list', ['expired']);
  assert.deepEqual(byPos.jobs.map((j: any) => [j.status, j.outcome, j.endHeight]), [['expired', 'no-solver', '15']]);
  const bySubmitter = await rpc.call('job_list', { submitter: encodeAddress(addr(2)) });
  assert.deepEqual(bySubmitter.jobs.map((j: any) => j.submitter), Array(4).fill(encodeAddress(addr(2))));
  const bySolver = await rpc.call('job_list', { solver: encodeAddress(addr(9)), status: 'finalized' });
  assert.deepEqual(bySolver.jobs.map((j: any) => j.id), [hx(fin.id)]);
  const afterLast = await rpc.call('job_list', { cursor: sortedIds[7] });
  assert.deepEqual(afterLast, { jobs: [], nextCursor: null, total: 8, height: '66' });
  await assert.rejects(rpc.call('job_list', { status: 'bogus' }), (e: any) => e.code === -32602 && /status/.test(e.message));
  await assert.rejects(rpc.call('job_list', { limit: 101 }), (e: any) => e.code === -32602 && /limit/.test(e.message));
  await assert.rejects(rpc.call('job_list', { limit: 0 }), (e: any) => e.code === -32602);
  await assert.rejects(rpc.call('job_list', { submitter: 'pol1qqqq' }), (e: any) => e.code === -32602 && /submitter/.test(e.message));
  await assert.rejects(rpc.call('job_list', { cursor: '0x12' }), (e: any) => e.code === -32602 && /cursor/.test(e.message));
  await assert.rejects(untyped(rpc).call('job_list', { nope: 1 }), (e: any) => e.code === -32602);

  // job_getTrace
  const tr = await rpc.call('job_getTrace', [hx(fin.id)]);
  assert.equal(tr.commitment!.traceRoot, '0x' + 'a1'.repeat(32));
  assert.equal(tr.checkpointCount, 4);
  assert.deepEqual(tr.openings.map((o: any) => [o.index, o.step]), [[0, 0], [2, 40], [3, 60]]);
  assert.equal(tr.openings[1].stepHash, hx(leaf(40)));
  assert.deepEqual(tr.reveals.map((r: any) => [r.from, r.to, r.hashes.length]), [[0, 20, 21], [40, 60, 21], [60, 60, 1]]);
  assert.equal(tr.reveals[1].hashes[20], hx(leaf(60)));
  assert.deepEqual(tr.requiredReveals, [{ from: 0, to: 20, revealed: true }, { from: 40, to: 60, revealed: true }, { from: 60, to: 60, revealed: true }]);
  const tr2 = await rpc.call('job_getTrace', [hx(running.id)]);
  assert.deepEqual([tr2.commitment, tr2.openings, tr2.reveals, tr2.requiredReveals], [null, [], [], []]);

  // job_getAttestations: matched is computed from the revealed leaves.
  const at = await rpc.call('job_getAttestations', [hx(fin.id)]);
  assert.equal(at.verdictKnown, true);
  assert.deepEqual(at.members.map((m: any) => [m.address, m.stake, m.matched, m.unavailable, m.height]), [
    [encodeAddress(addr(0x11)), '100', true, false, '64'], [encodeAddress(addr(0x12)), '200', false, false, '65'],
    [encodeAddress(addr(0x13)), '300', false, true, '65'], [encodeAddress(addr(0x14)), '400', null, false, null],
  ]);
  assert.equal(at.members[3].digest, null);
  assert.equal(at.members[2].digest, '0x' + '00'.repeat(32));
  assert.deepEqual([at.committeeStake, at.attestedStake, at.matchedStake], ['1000', '600', '100']);
  const at2 = await rpc.call('job_getAttestations', [hx(running.id)]);
  assert.deepEqual([at2.verdictKnown, at2.members, at2.matchedStake], [false, [], null]);

  // job_getModel: only finalized jobs.
  const model = await rpc.call('job_getModel', [hx(fin.id)]);
  assert.equal(model.weightsRoot, '0x' + 'a3'.repeat(32));
  assert.equal(model.specHash, hx(specHash(parseSpec(SPEC_TEXT))));
  assert.equal(model.steps, 60);
  assert.equal(model.solver, encodeAddress(addr(9)));
  assert.equal(model.finalizedHeight, '70');
  await assert.rejects(rpc.call('job_getModel', [hx(running.id)]), (e: any) => e.code === -32001 && /is training/.test(e.message));
  await assert.rejects(rpc.call('job_getModel', [hx(jobs[5]!.id)]), (e: any) => e.code === -32001 && /slashed \(no-commit\)/.test(e.message));

  // rpc.discover describes every job method and the subscribe filter.
  const doc = await rpc.call('rpc.discover', []);
  for (const m of ['job_get', 'job_list', 'job_getTrace', 'job_getAttestations', 'job_getModel', 'job_getDispute']) {
    const d = doc.methods.find((x: any) => x.name === m);
    assert.ok(d, `OpenRPC lists ${m}`);
    assert.ok(d.summary.length > 10);
  }
  const listDoc = doc.methods.find((x: any) => x.name === 'job_list');
  assert.deepEqual(listDoc!.params.map((p: any) => p.name), ['status', 'submitter', 'solver', 'cursor', 'limit']);
  assert.deepEqual(listDoc!.params[0].schema.enum, [
    'open', 'accepted', 'training', 'committed', 'challenged', 'attesting', 'revealing', 'finalized', 'slashed', 'expired', 'provisional', 'diverged', 'diverging', 'redrawing',
  ]);
  const sub = doc.methods.find((x: any) => x.name === 'subscribe');
  assert.deepEqual(sub!.params[0].schema.enum, ['newHeads', 'jobs', 'disputes']);
});

/** A provisional job (finalizedJob's trace, verdict paid) with three disputes and two availability demands, and a diverging one. */
function disputedJobs(): { prov: Job; div: Job; needed: number[] } {
  const fin = finalizedJob();
  const zero = new Uint8Array(32);
  const fake = new Uint8Array(32).fill(0x66);
  const base = { ...fin, id: sha256(Uint8Array.of(51)), status: JobStatus.Provisional, outcome: '', endHeight: 0n, verdict: 'paid', windowEnd: 80n, deadline: 80n };
  const needed = batchNeeded(base, 22);
  const claim = range(20, 40);
  claim[3] = fake;
  const solverDispute: Dispute = {
    kind: DisputeKind.Solver, by: addr(0x30), member: null, segment: 1, bond: 700n, openHeight: 71n, stage: DisputeStage.Referee, deadline: 75n,
    claim, answer: range(20, 40), step: 22, agreed: leaf(22), solverNext: leaf(23), otherNext: fake,
    supplies: [{ party: addr(9), total: 1000, bytes: new Uint8Array(600) }, { party: addr(0x30), total: 1000, bytes: new Uint8Array(1000) }],
    samples: [{ index: needed[0]!, bytes: new Uint8Array(20) }, { index: needed[1]!, bytes: new Uint8Array(20) }],
    winner: DisputeWinner.None, reason: '', refereeHash: new Uint8Array(0), endHeight: 0n,
  };
  const memberDispute: Dispute = {
    kind: DisputeKind.Attestation, by: addr(9), member: addr(0x12), segment: 0, bond: 700n, openHeight: 72n, stage: DisputeStage.Resolved, deadline: 76n,
    claim: [leaf(0), ...range(1, 20)], answer: [], step: 10, agreed: leaf(10), solverNext: leaf(11), otherNext: fake,
    supplies: [], samples: [], winner: DisputeWinner.Solver, reason: 'referee', refereeHash: leaf(11), endHeight: 74n,
  };
  const waiting: Dispute = {
    kind: DisputeKind.Solver, by: addr(0x31), member: null, segment: 2, bond: 700n, openHeight: 73n, stage: DisputeStage.Respond, deadline: 79n,
    claim: range(40, 60), answer: [], step: 0, agreed: zero, solverNext: zero, otherNext: zero,
    supplies: [], samples: [], winner: DisputeWinner.None, reason: '', refereeHash: new Uint8Array(0), endHeight: 0n,
  };
  const demands: DaDemand[] = [
    { by: addr(0x31), checkpoint: 1, chunk: 0, fee: 30n, height: 71n, deadline: 74n, answer: new Uint8Array(32).fill(0xc1) },
    { by: addr(0x30), checkpoint: 2, chunk: 1, fee: 30n, height: 73n, deadline: 76n, answer: new Uint8Array(0) },
  ];
  const prov: Job = { ...base, disputes: [solverDispute, memberDispute, waiting], demands };
  const div = mkJob(60, JobStatus.Diverging, {
    solver: addr(9), acceptHeight: 61n, seed: new Uint8Array(32).fill(6), divergedAt: 30, deadline: 50n,
    disputes: [{
      kind: DisputeKind.Divergence, by: addr(9), member: null, segment: 0, bond: 0n, openHeight: 64n, stage: DisputeStage.Referee, deadline: 67n,
      claim: [], answer: [], step: 30, agreed: leaf(30), solverNext: NON_FINITE_CLAIM, otherNext: zero,
      supplies: [], samples: [], winner: DisputeWinner.None, reason: '', refereeHash: new Uint8Array(0), endHeight: 0n,
    }],
  });
  return { prov, div, needed };
}

test('disputes and demands: job_get summaries, job_getDispute field by field, job_list counts, proven-wrong members, typed errors', { timeout: 20_000 }, async (t) => {
  const { prov, div, needed } = disputedJobs();
  const plain = mkJob(1, JobStatus.Open);
  const server = await createRpcServer({ methods: jobMethods({ jobs: fakeView([prov, div, plain]), pending: () => false, height: () => 66n }), port: 0 });
  t.after(() => server.close());
  const rpc = new RpcClient(server.url);
  t.after(() => rpc.close());
  const id = hx(prov.id);
  const a = (n: number) => encodeAddress(addr(n));

  const g = await rpc.call('job_get', [id]);
  assert.deepEqual([g.status, g.outcome, g.phase, g.deadline, g.verdict, g.windowEnd, g.divergedAt, g.endHeight], ['provisional', null, 'dispute-window', '80', 'paid', '80', null, null]);
  const dt = disputeTermsFor(SPEC);
  assert.deepEqual(g.terms.dispute, { window: dt.window, move: dt.move, bond: String(dt.bond), demandFee: String(dt.demandFee), maxStateBytes: dt.maxStateBytes, maxStepCost: dt.maxStepCost });
  assert.deepEqual(g.disputes[0], {
    index: 0, kind: 'solver', by: a(0x30), member: null, segment: 1, bond: '700', stage: 'referee', deadline: '75', step: 22, winner: null, reason: null,
    refereeHash: null, openHeight: '71', endHeight: null,
    supplies: [{ party: a(9), total: 1000, received: 600 }, { party: a(0x30), total: 1000, received: 1000 }],
    samples: { received: 2, needed: needed.length },
  });
  assert.deepEqual(g.disputes[1], {
    index: 1, kind: 'attestation', by: a(9), member: a(0x12), segment: null, bond: '700', stage: 'resolved', deadline: null, step: 10, winner: 'solver',
    reason: 'referee', refereeHash: hx(leaf(11)), openHeight: '72', endHeight: '74', supplies: [], samples: { received: 0, needed: batchNeeded(prov, 10).length },
  });
  assert.deepEqual(g.disputes[2], {
    index: 2, kind: 'solver', by: a(0x31), member: null, segment: 2, bond: '700', stage: 'respond', deadline: '79', step: null, winner: null, reason: null,
    refereeHash: null, openHeight: '73', endHeight: null, supplies: [], samples: { received: 0, needed: null },
  });
  assert.deepEqual(g.demands, [
    { index: 0, by: a(0x31), checkpoint: 1, chunk: 0, fee: '30', height: '71', deadline: '74', answer: '0x' + 'c1'.repeat(32) },
    { index: 1, by: a(0x30), checkpoint: 2, chunk: 1, fee: '30', height: '73', deadline: '76', answer: null },
  ]);
  assert.equal(JSON.stringify(g).includes('00'.repeat(600)), false, 'no state bytes inline');

  // the full dispute: both hash lists, the located step, the batch
  const d0 = await rpc.call('job_getDispute', [id, 0]);
  assert.deepEqual(d0, {
    ...g.disputes[0], jobId: id, claim: prov.disputes[0]!.claim.map(hx), answer: range(20, 40).map(hx),
    agreed: hx(leaf(22)), solverNext: hx(leaf(23)), otherNext: '0x' + '66'.repeat(32), stateBytes: stateShape(prov).bytes,
    sampleIndices: needed.slice(0, 2), batchIndices: needed, height: '66',
  });
  assert.ok(needed.length > 2 && needed.every((x, i) => i === 0 || x > needed[i - 1]!), 'the batch: distinct ascending indices');
  const d2 = await rpc.call('job_getDispute', { id, index: 2 });
  assert.deepEqual([d2.step, d2.agreed, d2.solverNext, d2.otherNext, d2.stateBytes, d2.batchIndices, d2.sampleIndices, d2.answer], [null, null, null, null, null, null, [], []]);
  assert.deepEqual(d2.claim, range(40, 60).map(hx));
  const proof = await rpc.call('job_getDispute', [hx(div.id), 0]);
  assert.deepEqual([proof.kind, proof.by, proof.bond, proof.step, proof.agreed, proof.solverNext, proof.otherNext, proof.stateBytes],
    ['divergence', a(9), '0', 30, hx(leaf(30)), '0x' + 'ff'.repeat(32), null, stateShape(div).bytes]);
  const dg = await rpc.call('job_get', [hx(div.id)]);
  assert.deepEqual([dg.status, dg.phase, dg.deadline, dg.divergedAt, dg.verdict], ['diverging', 'divergence-proof', '67', 30, null], 'a diverging job waits on its proof\'s deadline');

  // typed errors: an index past the end, a job without disputes, a bad index, an unknown job
  await assert.rejects(rpc.call('job_getDispute', [id, 3]), (e: any) => e.code === -32001 && /job 0x[0-9a-f]{64} has no dispute 3: it has 3 \(indices 0\.\.2\)/.test(e.message)
    && e.data.index === 3 && e.data.disputes === 3 && e.data.id === id);
  await assert.rejects(rpc.call('job_getDispute', [hx(plain.id), 0]), (e: any) => e.code === -32001 && /has no dispute 0: it has no disputes/.test(e.message));
  for (const bad of [-1, 1.5, '0']) await assert.rejects(untyped(rpc).call('job_getDispute', [id, bad]), (e: any) => e.code === -32602 && /index/.test(e.message), String(bad));
  await assert.rejects(rpc.call('job_getDispute', ['0x' + '42'.repeat(32), 0]), (e: any) => e.code === -32001 && /no job 0x(42){32}/.test(e.message));

  // job_list: verdict, window and dispute counts; the new statuses filter
  const list = await rpc.call('job_list', { status: 'provisional' });
  assert.deepEqual(list.jobs.map((j: any) => [j.id, j.verdict, j.windowEnd, j.disputes, j.openDisputes, j.deadline]), [[id, 'paid', '80', 3, 2, '80']]);
  assert.deepEqual((await rpc.call('job_list', { status: 'diverging' })).jobs.map((j: any) => [j.disputes, j.openDisputes, j.deadline]), [[1, 1, '67']]);

  // the member the referee proved wrong is marked; the verdict is known while provisional
  const att = await rpc.call('job_getAttestations', [id]);
  assert.equal(att.verdictKnown, true);
  assert.deepEqual(att.members.map((m: any) => [m.address, m.provenWrong]), [[a(0x11), false], [a(0x12), true], [a(0x13), false], [a(0x14), false]]);
});

test('jobs topic: a filter by job id narrows a subscription; bad filters are INVALID_PARAMS', { timeout: 20_000 }, async (t) => {
  const server = await createRpcServer({ methods: [], port: 0, topics: ['newHeads', JOBS_TOPIC] });
  t.after(() => server.close());
  const rpc = new RpcClient(server.url);
  t.after(() => rpc.close());
  const a = '0x' + 'aa'.repeat(32);
  const b = '0x' + 'bb'.repeat(32);
  const onlyA: any[] = [];
  const every: any[] = [];
  await rpc.subscribe('jobs', (x) => onlyA.push(x), undefined, { filter: a });
  await rpc.subscribe('jobs', (x) => every.push(x));
  assert.equal(server.publish('jobs', { jobId: b, status: 'open' }, b), 1);
  assert.equal(server.publish('jobs', { jobId: a, status: 'open' }, a), 2);
  assert.equal(server.publish('jobs', { jobId: a, status: 'accepted' }, a), 2);
  for (let i = 0; i < 100 && (every.length < 3 || onlyA.length < 2); i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(every.map((x) => x.jobId), [b, a, a]);
  assert.deepEqual(onlyA.map((x) => x.status), ['open', 'accepted']);
  await assert.rejects(rpc.subscribe('jobs', () => {}, undefined, { filter: '0x12' }), (e: any) => e.code === -32602 && /filter/.test(e.message));
  await assert.rejects(rpc.subscribe('newHeads', () => {}, undefined, { filter: a }), (e: any) => e.code === -32602 && /takes no filter/.test(e.message));
  await assert.rejects(rpc.call('subscribe', ['jobs', a]), (e: any) => e.code === -32004, 'subscribe over HTTP stays UNSUPPORTED');
});

test('a real node: JobSubmit over RPC, job views, and the jobs topic from open to expired', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-jobrpc-'));
  const seed = new Uint8Array(32).fill(9);
  const pk = publicKeyFromSeed(seed);
  const genesis = devGenesis({ validators: [{ address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }], genesisTimeMs: 1_000n, devAccounts: 3 });
  const node = await PolchainNode.start({
    dataDir: dir, genesis, validatorSeed: seed, logger: pino({ level: 'silent' }), rpc: { enabled: true, host: '127.0.0.1', port: 0 },
    blockIntervalMs: 40, emptyBlocks: true,
  });
  t.after(async () => { await node.stop(); await rm(dir, { recursive: true, force: true }); });
  const rpc = new RpcClient(node.rpcUrl!);
  t.after(() => rpc.close());

  const iris = loadDataset('iris').train;
  const terms = (accept: number, bounty: bigint) => ({
    spec: SPEC, runtime: 'det-1', datasetRoot: datasetRoot(iris), datasetSize: iris.count, q: 16, committeeSize: 5,
    windows: { accept, commit: 50, challengeDelay: 2, open: 50, attest: 50, reveal: 50 }, solverStake: 300n, bounty,
    attestReward: termFloors(parseSpec(SPEC_TEXT), { q: 16, committeeSize: 5, bounty }).attestReward, parent: null,
    dispute: disputeTermsFor(SPEC),
  });
  const signed = (i: number, nonce: bigint, accept: number, bounty: bigint) => encodeTx(signTx({ chainId: genesis.chainId, nonce, fee: 2n, payload: { kind: 'job-submit', terms: terms(accept, bounty) } }, devAccount(i).seed));
  const shortTx = signed(0, 0n, 3, 1000n); // expires 3 blocks after it lands
  const longTx = signed(1, 0n, 5000, 2000n);
  const shortId = hx(sha256(shortTx));
  const longId = hx(sha256(longTx));

  const all: any[] = [];
  const onlyShort: any[] = [];
  const stopAll = await rpc.subscribe('jobs', (u) => all.push(u));
  const stopShort = await rpc.subscribe('jobs', (u) => onlyShort.push(u), undefined, { filter: shortId });
  assert.equal((await rpc.call('tx_submit', [hx(shortTx)])).hash, shortId);
  assert.equal((await rpc.call('tx_submit', [hx(longTx)])).hash, longId);

  let receipt: any = null;
  for (let i = 0; i < 200 && !receipt; i++) { receipt = await rpc.call('tx_getReceipt', [longId]); if (!receipt) await new Promise((r) => setTimeout(r, 25)); }
  assert.ok(receipt, 'the JobSubmit is committed');
  const job = await rpc.call('job_get', [longId]);
  assert.equal(job.status, 'open');
  assert.equal(job.phase, 'accept');
  assert.equal(job.submitter, encodeAddress(devAccount(1).address));
  assert.equal(job.submitHeight, receipt.height);
  assert.equal(BigInt(job.deadline!), BigInt(receipt.height) + 5000n);
  assert.equal(job.terms.bounty, '2000');
  assert.equal(job.terms.datasetRoot, hx(datasetRoot(iris)));
  assert.equal(job.terms.datasetSize, iris.count);
  assert.equal(job.terms.spec.steps, 60);
  assert.equal(job.terms.spec.checkpointInterval, 20);
  assert.deepEqual([job.solver, job.commitment, job.seed, job.segments, job.committee], [null, null, null, [], []]);
  const trace = await rpc.call('job_getTrace', [longId]);
  assert.deepEqual([trace.commitment, trace.openings, trace.reveals], [null, [], []]);
  const att = await rpc.call('job_getAttestations', [longId]);
  assert.deepEqual([att.members, att.verdictKnown], [[], false]);
  await assert.rejects(rpc.call('job_getModel', [longId]), (e: any) => e.code === -32001 && /is open/.test(e.message));
  await assert.rejects(rpc.call('job_get', ['0x' + '42'.repeat(32)]), (e: any) => e.code === -32001 && /no job/.test(e.message));
  await assert.rejects(rpc.call('job_get', ['0x42']), (e: any) => e.code === -32602);

  // The short job expires (no solver); its updates arrive on both subscriptions, the long job's only on the unfiltered one.
  for (let i = 0; i < 400 && !onlyShort.some((u) => u.status === 'expired'); i++) await new Promise((r) => setTimeout(r, 25));
  await stopShort();
  assert.deepEqual(onlyShort.map((u) => [u.jobId, u.status, u.outcome]), [[shortId, 'open', null], [shortId, 'expired', 'no-solver']]);
  assert.equal(BigInt(onlyShort[1].height) - BigInt(onlyShort[0].height), 3n, 'expires at submit height + accept');
  assert.ok(all.some((u) => u.jobId === longId && u.status === 'open' && u.height === receipt.height), 'the long job\'s open update');
  await stopAll();
  const expired = await rpc.call('job_get', [shortId]);
  assert.deepEqual([expired.status, expired.outcome, expired.deadline, expired.endHeight], ['expired', 'no-solver', null, onlyShort[1].height]);
  await assert.rejects(rpc.call('job_getModel', [shortId]), (e: any) => e.code === -32001 && /expired \(no-solver\)/.test(e.message));

  const list = await rpc.call('job_list', []);
  assert.deepEqual(list.jobs.map((j: any) => j.id), [shortId, longId].sort());
  assert.deepEqual((await rpc.call('job_list', { status: 'open' })).jobs.map((j: any) => j.id), [longId]);
  assert.deepEqual((await rpc.call('job_list', { status: 'expired', submitter: encodeAddress(devAccount(0).address) })).jobs.map((j: any) => j.id), [shortId]);
  assert.deepEqual((await rpc.call('job_list', { status: 'expired', submitter: encodeAddress(devAccount(1).address) })).jobs, []);
  const p1 = await rpc.call('job_list', { limit: 1 });
  const p2 = await rpc.call('job_list', { limit: 1, cursor: p1.nextCursor });
  assert.deepEqual([...p1.jobs, ...p2.jobs].map((j: any) => j.id), [shortId, longId].sort());
  assert.equal(p2.nextCursor, null);
});

test('jobs run to the end on the real vm (in-process sim): finalized and slashed views', { timeout: 30_000 }, async (t) => {
  const sim = new JobSim({ replica: false });
  const spec = parseSpec(SPEC_TEXT);
  const ds = loadDataset('iris').train;
  const honest = sim.submitTx(sim.terms(spec, ds, { q: 16, committeeSize: 5 }));
  const cheat = sim.submitTx(sim.terms(spec, ds, { q: 16, committeeSize: 5, bounty: 7n }));
  sim.next([honest.tx, cheat.tx]);
  // one member reports UNAVAILABLE: one whose silence leaves a quorum (v5: the others cover every
  // sampled segment with 2/3 of the seats), else the job would be redrawn rather than finalized
  let spare: Uint8Array | undefined;
  const firstMember = () => (spare ??= spareMember(sim.job(honest.jobId)));
  const ph = plan(honest.jobId, new Solver(sim.solvers[0]!), { kind: 'honest' }, { members: (m) => (compareBytes(m, firstMember()) === 0 ? 'unavailable' : 'replay') });
  const pc = plan(cheat.jobId, new Solver(sim.solvers[1]!), { kind: 'random-hashes' });
  await sim.drive([ph, pc]);
  const server = await createRpcServer({ methods: jobMethods({ jobs: sim.state, pending: () => false, height: () => sim.state.height }), port: 0 });
  t.after(() => server.close());
  const rpc = new RpcClient(server.url);
  t.after(() => rpc.close());
  const hid = hx(honest.jobId);
  const cid = hx(cheat.jobId);

  const job = await rpc.call('job_get', [hid]);
  assert.deepEqual([job.status, job.outcome, job.deadline], ['finalized', 'paid', null]);
  assert.equal(job.solver, encodeAddress(sim.solvers[0]!.address));
  assert.equal(job.daPeer, 'sim');
  assert.equal(job.committee.length, 3);
  assert.equal(job.seed, hx(sim.job(honest.jobId).seed!));
  assert.equal(job.commitment!.traceRoot, hx(ph.run!.traceRoot));
  const trace = await rpc.call('job_getTrace', [hid]);
  // h_0's range, each sampled segment's (one when both draws hit the same segment) and h_T's
  assert.ok(trace.requiredReveals.length >= 2 && trace.requiredReveals.every((r: any) => r.revealed));
  assert.deepEqual(trace.openings.map((o: any) => o.stepHash), trace.openings.map((o: any) => hx(ph.run!.stepHashes[o.step]!)));
  for (const r of trace.reveals) assert.deepEqual(r.hashes, ph.run!.stepHashes.slice(r.from, r.to + 1).map(hx));
  const att = await rpc.call('job_getAttestations', [hid]);
  assert.equal(att.verdictKnown, true);
  assert.deepEqual(att.members.map((m: any) => [m.unavailable, m.matched]), att.members.map((m: any) => (m.address === encodeAddress(firstMember()) ? [true, false] : [false, true])));
  assert.equal(att.matchedStake, String(2n * 1_000_000n));
  const model = await rpc.call('job_getModel', [hid]);
  assert.equal(model.weightsRoot, hx(ph.run!.finalChunkRoot));
  assert.equal(model.finalStepHash, hx(ph.run!.finalStepHash));
  assert.equal(model.specHash, hx(specHash(spec)));
  assert.equal(model.finalizedHeight, job.endHeight);

  const slashed = await rpc.call('job_get', [cid]);
  assert.deepEqual([slashed.status, slashed.outcome], ['slashed', 'mismatch']);
  const catt = await rpc.call('job_getAttestations', [cid]);
  assert.equal(catt.verdictKnown, true);
  assert.ok(catt.members.every((m: any) => m.matched === false), 'no member agrees with a random trace');
  await assert.rejects(rpc.call('job_getModel', [cid]), (e: any) => e.code === -32001 && /slashed \(mismatch\)/.test(e.message));
  const finalized = await rpc.call('job_list', { status: 'finalized' });
  assert.deepEqual(finalized.jobs.map((j: any) => j.id), [hid]);
  assert.deepEqual((await rpc.call('job_list', { solver: encodeAddress(sim.solvers[1]!.address) })).jobs.map((j: any) => j.status), ['slashed']);
});
