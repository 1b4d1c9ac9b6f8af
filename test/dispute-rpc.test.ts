// Disputes over JSON-RPC on the real vm and det referee: two disputes against an honest solver (one
// on a sampled segment, located as it opens; one on a segment the sample missed, which the solver
// answers) run to the referee's decision. Every committed block goes through DisputeWatch to a real
// server's `disputes` topic, as the node publishes it; job_get / job_getDispute show the progress;
// every transaction's JSON fits the published chain_getTx schema with state and sample bytes shown by
// length, and the dispute events carry their names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { decodeTx, DisputeStage, EventKind, JobStatus, signTx, type BlockResult, type SignedTx, type TxPayload } from '../vm/index.ts';
import { createDetReferee, encodeState } from '../ml-runtime/index.ts';
import { createRpcServer, RpcClient, RPC_METHODS, TOPICS, type DisputeUpdateJson } from '../rpc/index.ts';
import { DisputeWatch, eventJson, jobMethods, txJson } from '../node/rpc-methods/index.ts';
import { batchSampleIndices, samplePayloads, statePieces } from '../node/jobs/index.ts';
import { TestChain, CHAIN_ID, PARAMS } from './helpers/job-test-chain.ts';
import { runJob, hasEnded } from './helpers/job-flow.ts';
import { DATA, K, terms, useDet } from './helpers/job-work.ts';
import { saltMissing } from './helpers/missed-segment.ts';
import { honestSegment, solverRespond } from './helpers/dispute-work.ts';
import { addressFromPublicKey, bytesToHex, encodeAddress, publicKeyFromSeed, sha256 } from '../primitives/index.ts';

await useDet();
const hx = (b: Uint8Array) => '0x' + bytesToHex(b);
/** What the server's replacer sends: big integers as decimal strings, bytes as 0x-hex. */
const wire = (v: unknown): any => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? hx(x) : x)));
/** ajv over chain_getTx's published result schema (a plain predicate: the guard would narrow `any` to unknown). */
function txSchema(): { check: (x: unknown) => boolean; errors: () => string } {
  const ajv = new Ajv({ strict: true, allErrors: true });
  const v = ajv.compile(RPC_METHODS.chain_getTx.result as object);
  return { check: (x) => v(x), errors: () => ajv.errorsText(v.errors) };
}

test('disputes topic, job_getDispute and dispute transactions on a real dispute decided by the referee', { timeout: 120_000 }, async (t) => {
  // dispute 1 needs a segment the sample missed: a salt under which q = 16 draws of 4 segments miss one
  const c = new TestChain(saltMissing('dispute-rpc', terms(), [0, 1, 2, 3]).salt);
  const referee = createDetReferee();
  c.withReferee(referee);
  const { id, work } = runJob(c, { keepOpen: true });
  let job = c.job(id);
  assert.equal(job.status, JobStatus.Provisional);

  const server = await createRpcServer({ methods: jobMethods({ jobs: c.state, pending: () => false, height: () => c.state.height }), port: 0, topics: [...TOPICS] });
  t.after(() => server.close());
  const rpc = new RpcClient(server.url);
  t.after(() => rpc.close());
  const mine: DisputeUpdateJson[] = [];
  const all: DisputeUpdateJson[] = [];
  const others: DisputeUpdateJson[] = [];
  await rpc.subscribe('disputes', (u) => mine.push(u), undefined, { filter: hx(id) });
  await rpc.subscribe('disputes', (u) => all.push(u));
  await rpc.subscribe('disputes', (u) => others.push(u), undefined, { filter: '0x' + '42'.repeat(32) });

  // what the node does on each commit (node.ts onCommit), and what each block put on chain
  const watch = new DisputeWatch(c.state.jobs.values());
  const blocks: BlockResult[] = [];
  const commit = (r: BlockResult) => {
    blocks.push(r);
    for (const n of watch.changes(r.changes.jobs.values(), r.block.header.height)) server.publish('disputes', n.data, n.filterKey);
  };

  // dispute 0: a lie about the sampled segment j (located at once); dispute 1: a lie about segment X, which the sample missed
  const j = job.segments[0]!;
  const X = [0, 1, 2, 3].find((s) => !job.segments.includes(s))!;
  const lieAbout = (seg: number) => { const h = honestSegment(job, work, seg); h[2] = new Uint8Array(32).fill(0x42); return h; };
  const open = (seg: number): TxPayload => ({ kind: 'dispute-open', jobId: id, target: 'solver', segment: seg, member: null, hashes: lieAbout(seg) });
  commit(c.block([c.tx(c.other, open(j)), c.tx(c.other, open(X))]));
  const h1 = c.height;
  job = c.job(id);
  assert.deepEqual(job.disputes.map((d) => d.stage), [DisputeStage.Referee, DisputeStage.Respond]);
  const t0 = j * K + 1;
  const s0 = encodeState(work.stateAt(t0));
  const batch0 = batchSampleIndices(job, t0);

  // the solver answers dispute 1 and puts state_t of dispute 0 on chain (no samples yet)
  commit(c.block([c.tx(c.solver, solverRespond(job, work, 1, X)), ...statePieces(CHAIN_ID, id, 0, s0, PARAMS.maxTxBytes).map((p) => c.tx(c.solver, p))]));
  job = c.job(id);
  const d0 = await rpc.call('job_getDispute', [hx(id), 0]);
  assert.deepEqual([d0.stage, d0.step, d0.stateBytes, d0.batchIndices, d0.sampleIndices], ['referee', t0, s0.length, batch0, []]);
  assert.deepEqual(d0.supplies, [{ party: encodeAddress(c.solver.address), total: s0.length, received: s0.length }]);
  assert.deepEqual(d0.samples, { received: 0, needed: batch0.length });
  assert.deepEqual([d0.agreed, d0.solverNext, d0.otherNext], [hx(work.trace.stepHashes[t0]!), hx(work.trace.stepHashes[t0 + 1]!), '0x' + '42'.repeat(32)]);
  assert.deepEqual(d0.answer, work.trace.stepHashes.slice(j * K, j * K + d0.answer.length).map(hx), 'the solver\'s revealed segment');
  const d1 = await rpc.call('job_getDispute', [hx(id), 1]);
  const t1 = X * K + 1;
  assert.deepEqual([d1.stage, d1.step, d1.segment, d1.deadline], ['referee', t1, X, String(c.height + 3n)]);
  const g = await rpc.call('job_get', [hx(id)]);
  assert.deepEqual(g.disputes.map((d) => [d.stage, d.supplies.length, d.samples.received]), [['referee', 1, 0], ['referee', 0, 0]]);
  assert.equal(g.phase, 'dispute-window');

  // dispute 0's batch: the referee decides it; then dispute 1's state and batch
  commit(c.block(samplePayloads(CHAIN_ID, id, 0, DATA, batch0, PARAMS.maxTxBytes).map((p) => c.tx(c.other, p))));
  assert.equal(c.job(id).disputes[0]!.stage, DisputeStage.Resolved);
  const s1 = encodeState(work.stateAt(t1));
  commit(c.block([
    ...statePieces(CHAIN_ID, id, 1, s1, PARAMS.maxTxBytes).map((p) => c.tx(c.solver, p)),
    ...samplePayloads(CHAIN_ID, id, 1, DATA, batchSampleIndices(job, t1), PARAMS.maxTxBytes).map((p) => c.tx(c.solver, p)),
  ]));
  for (const r of c.until(id, hasEnded)) commit(r);
  assert.equal(c.job(id).status, JobStatus.Finalized, 'both challengers were wrong: the honest solver is paid');

  // the topic: each transition once, in order, at the block that made it
  for (let i = 0; i < 100 && all.length < 6; i++) await new Promise((r) => setTimeout(r, 10));
  const h = (n: number) => String(h1 + BigInt(n));
  assert.deepEqual(all.map((u) => [u.index, u.event, u.stage, u.height]), [
    [0, 'opened', 'referee', h(0)], [0, 'referee', 'referee', h(0)], [1, 'opened', 'respond', h(0)],
    [1, 'referee', 'referee', h(1)], [0, 'resolved', 'resolved', h(2)], [1, 'resolved', 'resolved', h(3)],
  ]);
  assert.ok(all.every((u) => u.jobId === hx(id) && u.kind === 'solver'));
  assert.deepEqual(all.filter((u) => u.event === 'resolved').map((u) => [u.winner, u.reason, u.step]), [['solver', 'referee', t0], ['solver', 'referee', t1]]);
  assert.deepEqual(all.filter((u) => u.event !== 'resolved').map((u) => [u.winner, u.reason]), Array(4).fill([null, null]));
  assert.deepEqual(all[2]!.step, null, 'not located while the solver has not answered');
  assert.deepEqual(mine, all, 'a filter by the job id gets all of them');
  assert.deepEqual(others, [], 'a filter by another job gets none');
  assert.deepEqual(new DisputeWatch(c.state.jobs.values()).changes(c.state.jobs.values(), c.height), [], 'what is already on chain is not news');

  // the decided disputes in job_get: winner, reason, referee hash; the state buffers are gone
  const end = await rpc.call('job_get', [hx(id)]);
  assert.deepEqual([end.status, end.outcome, end.verdict, end.windowEnd !== null], ['finalized', 'paid', 'paid', true]);
  assert.deepEqual(end.disputes.map((d) => [d.stage, d.winner, d.reason, d.refereeHash, d.supplies, d.deadline, d.endHeight]), [
    ['resolved', 'solver', 'referee', hx(work.trace.stepHashes[t0 + 1]!), [], null, h(2)],
    ['resolved', 'solver', 'referee', hx(work.trace.stepHashes[t1 + 1]!), [], null, h(3)],
  ]);

  // every transaction of the dispute as chain_getTx shows it: valid against the published schema, bytes by length
  const schema = txSchema();
  const kinds = new Map<string, any[]>();
  for (const r of blocks) {
    r.block.txs.forEach((raw, index) => {
      const tx = decodeTx(raw, PARAMS.maxTxBytes);
      const json = wire({ hash: sha256(raw), height: r.block.header.height, index, ...txJson(tx, addressFromPublicKey(tx.publicKey)) });
      assert.ok(schema.check(json), `${tx.body.payload.kind}: ${schema.errors()}`);
      kinds.set(json.kind, [...(kinds.get(json.kind) ?? []), json]);
    });
  }
  assert.deepEqual([...kinds.keys()].sort(), ['dispute-open', 'dispute-respond', 'sample-supply', 'state-supply']);
  const pieces = kinds.get('state-supply')!.filter((x) => x.dispute === 0);
  assert.equal(pieces.reduce((n, x) => n + x.length, 0), s0.length, 'the pieces\' lengths add up to the state');
  assert.ok(pieces.every((x) => x.total === s0.length && !('bytes' in x)));
  assert.deepEqual(kinds.get('sample-supply')!.filter((x) => x.dispute === 0).flatMap((x) => x.items.map((it: any) => it.index)), batch0);
  assert.ok(kinds.get('sample-supply')!.every((x) => x.items.every((it: any) => it.length > 0 && it.siblings > 0)));
  assert.deepEqual(kinds.get('dispute-open')!.map((x) => [x.segment, x.target, x.member, x.hashes.length]), [[j, 'solver', null, K + 1], [X, 'solver', null, K + 1]]);
  assert.equal(kinds.get('dispute-respond')![0].siblings > 0, true);

  // the dispute's money events by name: two bonds escrowed, both paid to the solver
  const events = blocks.flatMap((r) => [...r.receipts.flatMap((x) => x.events), ...r.blockEvents]).map(eventJson);
  assert.deepEqual(events.filter((e) => e.kind === 'dispute_bond').map((e) => [e.address, e.counterparty, e.amount]),
    Array(2).fill([encodeAddress(c.other.address), encodeAddress(c.solver.address), 700n]));
  assert.deepEqual(events.filter((e) => e.kind === 'dispute_award').map((e) => [e.address, e.counterparty, e.amount]),
    Array(2).fill([encodeAddress(c.solver.address), encodeAddress(c.other.address), 700n]));
});

test('dispute payloads the flow above does not send, and the dispute event names', () => {
  const seed = new Uint8Array(32).fill(3);
  const jobId = new Uint8Array(32).fill(7);
  const h = (n: number) => new Uint8Array(32).fill(n);
  const schema = txSchema();
  const show = (payload: TxPayload) => {
    const tx: SignedTx = signTx({ chainId: CHAIN_ID, nonce: 4n, fee: 2n, payload }, seed);
    const json = wire({ hash: h(1), height: 9n, index: 0, ...txJson(tx, addressFromPublicKey(publicKeyFromSeed(seed))) });
    assert.ok(schema.check(json), `${payload.kind}: ${schema.errors()}`);
    const { hash: _h, height: _t, index: _i, chainId: _c, nonce: _n, fee: _f, sender: _s, publicKey: _p, signature: _g, ...rest } = json;
    return rest;
  };
  const member = new Uint8Array(20).fill(0x12);
  assert.deepEqual(show({ kind: 'dispute-open', jobId, target: 'attestation', segment: 0, member, hashes: [] }),
    { kind: 'dispute-open', jobId: hx(jobId), target: 'attestation', segment: 0, member: encodeAddress(member), hashes: [] });
  assert.deepEqual(show({ kind: 'da-demand', jobId, checkpoint: 2, chunk: 5 }), { kind: 'da-demand', jobId: hx(jobId), checkpoint: 2, chunk: 5 });
  assert.deepEqual(show({
    kind: 'da-chunk', jobId, checkpoint: 2, chunkRoot: h(3), stepHash: h(4), checkpointSiblings: [h(5), h(6)], chunk: 5, bytes: new Uint8Array(65536), chunkSiblings: [h(7)],
  }), { kind: 'da-chunk', jobId: hx(jobId), checkpoint: 2, chunkRoot: hx(h(3)), stepHash: hx(h(4)), checkpointSiblings: 2, chunk: 5, length: 65536, chunkSiblings: 1 });
  assert.deepEqual(show({ kind: 'job-diverge', jobId, step: 30, traceRoot: h(8), checkpointsRoot: h(9), finalChunkRoot: h(10), finalStepHash: h(11) }),
    { kind: 'job-diverge', jobId: hx(jobId), step: 30, traceRoot: hx(h(8)), checkpointsRoot: hx(h(9)), finalChunkRoot: hx(h(10)), finalStepHash: hx(h(11)) });
  assert.deepEqual(show({ kind: 'state-supply', jobId, dispute: 1, offset: 100, total: 900, bytes: new Uint8Array(300) }),
    { kind: 'state-supply', jobId: hx(jobId), dispute: 1, offset: 100, total: 900, length: 300 });
  const names = [EventKind.JobSlashShare, EventKind.DisputeBond, EventKind.DisputeAward].map((kind) => eventJson({ kind, address: member, counterparty: null, amount: 1n }).kind);
  assert.deepEqual(names, ['job_slash_share', 'dispute_bond', 'dispute_award']);
});
