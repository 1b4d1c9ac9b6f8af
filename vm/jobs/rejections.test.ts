// Every way a job transaction is refused: each gets its typed code and leaves the state root exactly
// as the same block without it (TestChain.rejection checks both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disputeTermsFor, jobSpec, termFloors, JOB_WINDOW_NAMES, executeTx, verifyTxBytes, signTxBytes, isVmError, StateOverlay, JobStatus, type Job, type JobTerms } from '../index.ts';
import { validateSpec, traceRoot } from '../../ml-runtime/index.ts';
import { TestChain, CHAIN_ID, PARAMS, FEE, BALANCE } from '../../test/helpers/job-test-chain.ts';
import { submit, acceptAndTrain, runJob, DA_PEER } from '../../test/helpers/job-flow.ts';
import { SPEC, SolverWork, digestFor, replay, specBytes, terms, useDet } from '../../test/helpers/job-work.ts';
import { bytesToHex } from '../../primitives/index.ts';

await useDet();

const flip = (b: Uint8Array): Uint8Array => { const c = b.slice(); c[0]! ^= 1; return c; };
const members = (c: TestChain, j: Job) => c.validators.filter((v) => j.committee.some((m) => bytesToHex(m.address) === bytesToHex(v.address)));
const specWith = (steps: number, k: number) => specBytes(validateSpec({ ...SPEC, steps, checkpointInterval: k }));

test('JobSubmit terms outside the bounds of docs/jobs.md are JOB_INVALID', () => {
  const c = new TestChain();
  const bad = (t: Partial<JobTerms>) => c.rejection(c.submitter, { kind: 'job-submit', terms: terms(t) });
  const w = terms().windows;
  const text = new TextDecoder().decode(specBytes());
  const cases: Array<[string, Partial<JobTerms>]> = [
    ['runtime', { runtime: 'det-2' }],
    ['spec not canonical', { spec: new TextEncoder().encode(JSON.stringify(JSON.parse(text), null, 2)) }],
    ['spec not JSON', { spec: new TextEncoder().encode('{"format":') }],
    ['spec not UTF-8', { spec: Uint8Array.of(0xff, 0xfe) }],
    ['spec invalid', { spec: new TextEncoder().encode(text.replace('"relu"', '"gelu"')) }],
    ['T mod k = 1', { spec: specWith(13, 3) }],
    ['T = 1', { spec: specWith(1, 2) }],
    ['k = 1', { spec: specWith(12, 1) }],
    ['k = 65', { spec: specWith(130, 65) }],
    ['T = 65537', { spec: specWith(65537, 2) }],
    ['q = 0', { q: 0 }], ['q = 65', { q: 65 }],
    ['committee 0', { committeeSize: 0 }], ['committee 17', { committeeSize: 17 }],
    ['datasetSize 0', { datasetSize: 0 }], ['datasetSize 2^20 + 1', { datasetSize: (1 << 20) + 1 }],
    ['accept window 0', { windows: { ...w, accept: 0 } }], ['reveal window 10001', { windows: { ...w, reveal: 10_001 } }],
    ['challengeDelay 1', { windows: { ...w, challengeDelay: 1 } }],
    ['bounty 0', { bounty: 0n }],
  ];
  for (const [what, t] of cases) assert.equal(bad(t), 'JOB_INVALID', what);
  // the edges that are allowed (with the stake, reward and windows at their floors, vm/jobs/floors.ts)
  const edge = (o: Partial<JobTerms>) => {
    const t = terms(o);
    const f = termFloors(jobSpec(t), t);
    const windows = { ...t.windows };
    for (const n of JOB_WINDOW_NAMES) windows[n] = Math.max(windows[n], f.windows[n]);
    return terms({ ...o, solverStake: f.solverStake, attestReward: f.attestReward, windows });
  };
  c.block([
    c.tx(c.submitter, { kind: 'job-submit', terms: edge({ spec: specWith(14, 3), q: 64, committeeSize: 16 }) }),
    c.tx(c.submitter, { kind: 'job-submit', terms: edge({ spec: specWith(65536, 64), datasetSize: 1 << 20, windows: { ...w, challengeDelay: 2, reveal: 10_000 } }) }),
  ]);
  assert.equal(c.state.activeJobs.length, 2);
});

test('escrow and bond must be affordable', () => {
  const c = new TestChain();
  assert.equal(c.rejection(c.submitter, { kind: 'job-submit', terms: terms({ bounty: BALANCE, solverStake: BALANCE }) }), 'TX_INSUFFICIENT_BALANCE');
  assert.equal(c.rejection(c.submitter, { kind: 'job-submit', terms: terms({ bounty: 1n << 63n, attestReward: 1n << 63n, solverStake: 1n << 63n }) }), 'TX_OVERFLOW');
  const id = submit(c, terms({ solverStake: BALANCE }));
  assert.equal(c.rejection(c.solver, { kind: 'job-accept', jobId: id, daPeer: '', daAddrs: [] }), 'TX_INSUFFICIENT_BALANCE');
});

test('each phase transaction is refused out of turn, from the wrong sender, or with bad proofs', () => {
  const c = new TestChain();
  const accept = (jobId: Uint8Array) => ({ kind: 'job-accept' as const, jobId, daPeer: DA_PEER, daAddrs: [] });
  const id = submit(c);
  const unknown = flip(id);
  assert.equal(c.rejection(c.solver, accept(unknown)), 'JOB_NOT_FOUND');
  assert.equal(c.rejection(c.submitter, accept(id)), 'JOB_SELF_ACCEPT');
  assert.equal(c.rejection(c.solver, { kind: 'job-attest', jobId: id, digest: new Uint8Array(32) }), 'JOB_NOT_COMMITTEE');

  c.block([c.tx(c.solver, accept(id))]);
  assert.equal(c.rejection(c.other, accept(id)), 'JOB_WRONG_STATUS');
  const fakeCommit = { kind: 'trace-commit' as const, jobId: id, traceRoot: id, checkpointsRoot: id, finalChunkRoot: id, finalStepHash: id };
  assert.equal(c.rejection(c.solver, fakeCommit), 'JOB_WRONG_STATUS', 'no commit before the seed is drawn');
  assert.equal(c.rejection(c.solver, { ...fakeCommit, jobId: unknown }), 'JOB_NOT_FOUND');

  c.until(id, (j) => j.status === JobStatus.Training);
  const work = new SolverWork(c.job(id));
  assert.equal(c.rejection(c.other, work.commit()), 'JOB_NOT_SOLVER');
  c.block([c.tx(c.solver, work.commit())]);
  assert.equal(c.rejection(c.solver, work.commit()), 'JOB_WRONG_STATUS', 'a second TraceCommit');
  assert.equal(c.rejection(c.solver, { ...work.commit(), traceRoot: flip(work.commit().traceRoot) }), 'JOB_WRONG_STATUS');

  c.until(id, (j) => j.status === JobStatus.Challenged);
  const job = c.job(id);
  const member = members(c, job)[0]!;
  assert.equal(c.rejection(member, { kind: 'job-attest', jobId: id, digest: new Uint8Array(32) }), 'JOB_WRONG_STATUS', 'no attestation before the openings');
  const open = work.open(job);
  assert.equal(c.rejection(c.other, open), 'JOB_NOT_SOLVER');
  const want = open.openings.map((o) => o.index);
  const openWith = (openings: typeof open.openings) => c.rejection(c.solver, { ...open, openings });
  assert.equal(openWith(open.openings.slice(1)), 'JOB_PROOF_INVALID', 'checkpoint 0 missing');
  assert.equal(openWith(open.openings.slice(0, -1)), 'JOB_PROOF_INVALID', 'last checkpoint missing');
  assert.equal(openWith([...open.openings].reverse()), 'JOB_PROOF_INVALID', 'wrong order');
  const spare = [0, 1, 2, 3, 4].find((i) => !want.includes(i));
  if (spare !== undefined) assert.equal(c.rejection(c.solver, work.open(job, [...want, spare].sort((a, b) => a - b))), 'JOB_PROOF_INVALID', 'an extra checkpoint');
  const tamper = (i: number, f: (o: (typeof open.openings)[number]) => (typeof open.openings)[number]) => openWith(open.openings.map((o, n) => (n === i ? f(o) : o)));
  assert.equal(tamper(0, (o) => ({ ...o, siblings: [flip(o.siblings[0]!), ...o.siblings.slice(1)] })), 'JOB_PROOF_INVALID', 'tampered sibling');
  assert.equal(tamper(0, (o) => ({ ...o, siblings: [...o.siblings, o.siblings[0]!] })), 'JOB_PROOF_INVALID', 'extra sibling');
  assert.equal(tamper(want.length - 1, (o) => ({ ...o, chunkRoot: flip(o.chunkRoot) })), 'JOB_PROOF_INVALID', 'wrong chunk root');
  assert.equal(tamper(0, (o) => ({ ...o, stepHash: flip(o.stepHash) })), 'JOB_PROOF_INVALID', 'wrong step hash');
  assert.equal(c.rejection(c.solver, work.reveal(job)), 'JOB_WRONG_STATUS', 'no reveal before the reveal phase');

  c.block([c.tx(c.solver, open)]);
  assert.equal(c.rejection(c.solver, open), 'JOB_WRONG_STATUS', 'a second JobOpen');
  const opened = c.job(id);
  const r = replay(opened, work);
  assert.equal(c.rejection(c.solver, { kind: 'job-attest', jobId: id, digest: new Uint8Array(32) }), 'JOB_NOT_COMMITTEE');
  assert.equal(c.rejection(c.other, { kind: 'job-attest', jobId: id, digest: new Uint8Array(32) }), 'JOB_NOT_COMMITTEE');
  c.block([c.tx(member, { kind: 'job-attest', jobId: id, digest: digestFor(opened, member.address, r) })]);
  assert.equal(c.rejection(member, { kind: 'job-attest', jobId: id, digest: digestFor(opened, member.address, r) }), 'JOB_ALREADY_ATTESTED');
  assert.equal(c.rejection(c.solver, work.reveal(opened)), 'JOB_WRONG_STATUS', 'no reveal during the attest window');
  // the rest of the committee attests too, so the quorum holds
  c.block(members(c, opened).filter((v) => v !== member).map((v) => c.tx(v, { kind: 'job-attest', jobId: id, digest: digestFor(opened, v.address, r) })));

  c.until(id, (j) => j.status === JobStatus.Revealing);
  const rv = c.job(id);
  const items = work.revealItems(rv);
  const reveal = (its: typeof items) => c.rejection(c.solver, work.reveal(rv, its));
  assert.equal(c.rejection(c.other, work.reveal(rv)), 'JOB_NOT_SOLVER');
  const hashes = work.trace.stepHashes;
  assert.equal(reveal([{ from: 1, hashes: [hashes[1]!], siblings: [] }]), 'JOB_REVEAL_INVALID', 'not a required range');
  const seg = items.find((it) => it.hashes.length > 1)!;
  assert.equal(reveal([{ ...seg, hashes: seg.hashes.slice(0, -1) }]), 'JOB_REVEAL_INVALID', 'a segment range one hash short');
  assert.equal(reveal([{ ...seg, hashes: [...seg.hashes, seg.hashes[0]!] }]), 'JOB_REVEAL_INVALID', 'a segment range one hash long');
  assert.equal(reveal([...items, items[0]!]), 'JOB_REVEAL_INVALID', 'the same range twice');
  assert.equal(reveal([{ ...items[1]!, siblings: [flip(items[1]!.siblings[0]!), ...items[1]!.siblings.slice(1)] }]), 'JOB_PROOF_INVALID', 'tampered range proof');
  assert.equal(reveal([{ ...items[1]!, siblings: items[1]!.siblings.slice(1) }]), 'JOB_PROOF_INVALID', 'missing sibling');
  assert.equal(reveal([{ ...items[1]!, hashes: items[1]!.hashes.map(flip) }]), 'JOB_PROOF_INVALID', 'leaves not in the trace');
  c.block([c.tx(c.solver, work.reveal(rv, items.slice(0, 1)))]);
  assert.equal(reveal(items.slice(0, 1)), 'JOB_REVEAL_INVALID', 'already revealed in an earlier transaction');
  c.block([c.tx(c.solver, work.reveal(rv, items.slice(1)))]);
  assert.equal(c.job(id).status, JobStatus.Provisional);
  assert.equal(c.rejection(c.solver, work.reveal(rv, items.slice(0, 1))), 'JOB_WRONG_STATUS', 'nothing after the verdict');
});

test('openings must end at the committed final state; reveals must agree with the openings', () => {
  const c = new TestChain();
  // solver 1 committed a final chunk root that is not its last checkpoint's
  const a = submit(c);
  const wa = acceptAndTrain(c, a);
  c.block([c.tx(c.solver, { ...wa.commit(), finalChunkRoot: flip(wa.commit().finalChunkRoot) })]);
  c.until(a, (j) => j.status === JobStatus.Challenged);
  assert.equal(c.rejection(c.solver, wa.open(c.job(a))), 'JOB_PROOF_INVALID');
  // solver 2 committed a trace root whose h_T differs from its final step hash: every proof holds, the reveal of h_T is inconsistent
  const b = submit(c);
  const wb = acceptAndTrain(c, b);
  const forged = [...wb.trace.stepHashes.slice(0, -1), flip(wb.trace.stepHashes.at(-1)!)];
  c.block([c.tx(c.solver, { ...wb.commit(), traceRoot: traceRoot(forged) })]);
  c.until(b, (j) => j.status === JobStatus.Challenged);
  c.block([c.tx(c.solver, wb.open(c.job(b)))]);
  const ob = c.job(b);
  const rb = replay(ob, wb);
  c.block(members(c, ob).map((v) => c.tx(v, { kind: 'job-attest', jobId: b, digest: digestFor(ob, v.address, rb) })));
  c.until(b, (j) => j.status === JobStatus.Revealing);
  const items = wb.revealItems(c.job(b), forged);
  assert.equal(c.rejection(c.solver, wb.reveal(c.job(b), items.slice(-1))), 'JOB_REVEAL_INCONSISTENT');
  assert.equal(c.rejection(c.solver, wb.reveal(c.job(b), items)), 'JOB_REVEAL_INCONSISTENT');
  c.until(b, (j) => j.status === JobStatus.Slashed);
  assert.equal(c.job(b).outcome, 'no-reveal');
});

test('a parent must be a finalized job with the same parameter shapes; a model is not usable as a parent until its window closes', () => {
  const c = new TestChain();
  const child = (parent: Uint8Array, spec = specBytes()) => ({ kind: 'job-submit' as const, terms: terms({ parent, spec, dispute: disputeTermsFor(spec) }) });
  const open = submit(c);
  assert.equal(c.rejection(c.submitter, child(new Uint8Array(32).fill(7))), 'JOB_PARENT_INVALID');
  assert.equal(c.rejection(c.submitter, child(open)), 'JOB_PARENT_INVALID', 'parent still open');
  const { id } = runJob(c, { keepOpen: true, terms: terms({ dispute: disputeTermsFor(specBytes(), { window: 4 }) }) });
  // the committee said paid, but the dispute window is open: not yet a proven model
  for (let i = 0; i < 4; i++) {
    assert.equal(c.job(id).status, JobStatus.Provisional);
    assert.equal(c.rejection(c.submitter, child(id)), 'JOB_PARENT_INVALID', `provisional, ${c.job(id).windowEnd - c.height} blocks of window left`);
    c.block();
  }
  assert.equal(c.job(id).status, JobStatus.Finalized, 'the window closed with no dispute');
  const wider = specBytes(validateSpec({ ...SPEC, layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 1 }] }));
  assert.equal(c.rejection(c.submitter, child(id, wider)), 'JOB_PARENT_INVALID', 'other shapes');
  const finer = specBytes(validateSpec({ ...SPEC, optimizer: { type: 'momentum', learningRate: 0.01, momentum: 0.9 }, steps: 24 }));
  const b = c.block([c.tx(c.submitter, child(id, finer))]);
  assert.equal(bytesToHex(c.job(b.txHashes[0]!).terms.parent!), bytesToHex(id));
});

test('a phase transaction after its deadline is JOB_DEADLINE_PASSED (the tick normally ends the phase first)', () => {
  const c = new TestChain();
  const id = submit(c);
  const o = new StateOverlay(c.state);
  o.setJob({ ...c.job(id), deadline: c.height });
  const raw = signTxBytes({ chainId: CHAIN_ID, nonce: 0n, fee: FEE, payload: { kind: 'job-accept', jobId: id, daPeer: '', daAddrs: [] } }, c.solver.seed);
  const vtx = verifyTxBytes(raw, CHAIN_ID, PARAMS.maxTxBytes);
  assert.throws(() => executeTx(o, vtx, PARAMS, c.height + 1n, 0, c.proposer.address), (e) => isVmError(e) && e.code === 'JOB_DEADLINE_PASSED');
  assert.equal(o.changes().accounts.size, 0, 'nothing written');
  assert.equal(o.job(id)!.status, JobStatus.Open);
});
