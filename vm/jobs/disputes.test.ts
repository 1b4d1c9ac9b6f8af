// The dispute game on the real vm with real training and the det referee (docs/disputes.md): each
// test is a defence that fails if it is removed. Blocks are built by one state and re-applied by a
// replica (TestChain), both with the referee, so every referee decision is checked twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DisputeKind, DisputeStage, DisputeWinner, EventKind, JobStatus, NON_FINITE_CLAIM, UNAVAILABLE_DIGEST, disputeTermsFor, memberHashes, memberSegments, seatCount,
  type Job, type JobTerms,
} from '../index.ts';
import {
  validateSpec, createTrainer, trainStates, makeCheckpoint, checkpointsRoot, traceRoot, chunkProof, checkpointLeaf, stepHash,
  NonFiniteStateError, replaySegment, encodeState, createDetReferee, type TrainState,
} from '../../ml-runtime/index.ts';

import { TestChain, BALANCE, FEE, type Acct } from '../../test/helpers/job-test-chain.ts';
import { submit, acceptAndTrain, commitAndWaitChallenge, openAndAttest, runJob, hasEnded, spareMember, DA_PEER, DA_ADDRS } from '../../test/helpers/job-flow.ts';
import { SolverWork, DATA, SPEC, K, digestFor, terms, specBytes, useDet } from '../../test/helpers/job-work.ts';
import { fakeStep, honestSegment, honestStateAt, solverRespond, supplyState } from '../../test/helpers/dispute-work.ts';
import { attestationDigest } from '../jobs/digest.ts';
import { bytesToHex, equalBytes, leafHash, merkleProof } from '../../primitives/index.ts';

await useDet();
const referee = createDetReferee();

function chain(salt = ''): TestChain {
  return new TestChain(salt).withReferee(referee);
}

const same = (a: Uint8Array, b: Uint8Array) => equalBytes(a, b);
const members = (c: TestChain, j: Job): Acct[] => c.validators.filter((v) => j.committee.some((m) => same(m.address, v.address)));
const BOND = 700n;

/** The segments the challenge of the first job of chain `salt` with terms `t` draws (the trace does not influence it). */
function sampledFor(salt: string, t: JobTerms): number[] {
  const probe = chain(salt);
  const id = submit(probe, t);
  probe.block([probe.tx(probe.solver, { kind: 'job-accept', jobId: id, daPeer: DA_PEER, daAddrs: DA_ADDRS })]);
  probe.until(id, (j) => j.status === JobStatus.Training);
  const h = new Uint8Array(32).fill(9); // the roots do not influence the draw
  probe.block([probe.tx(probe.solver, { kind: 'trace-commit', jobId: id, traceRoot: h, checkpointsRoot: h, finalChunkRoot: h, finalStepHash: h })]);
  probe.until(id, (j) => j.status === JobStatus.Challenged);
  return probe.job(id).segments;
}

test('a fake in a segment the sample missed is caught by a dispute, the referee re-executes the step and the solver is slashed', () => {
  // q = 16 draws over 4 segments miss a given one with probability (3/4)^16 ≈ 1%: find a chain whose draw misses one
  const t = terms({ dispute: disputeTermsFor(SPEC, { window: 2, move: 3, bond: BOND, demandFee: 30n }) });
  let salt = '';
  let sampled: number[] = [];
  for (let i = 0; ; i++) {
    salt = `fake-unsampled-${i}`;
    sampled = sampledFor(salt, t);
    if ([1, 2, 3].some((j) => !sampled.includes(j))) break;
    assert.ok(i < 400, 'some draw misses a segment');
  }
  const X = [1, 2, 3].find((j) => !sampled.includes(j))!;
  const c = chain(salt);
  const supply = c.supply();
  const id = submit(c, t);
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: DA_PEER, daAddrs: DA_ADDRS })]);
  c.until(id, (j) => j.status === JobStatus.Training);
  const fakeAt = X * K; // state_{X·k+1} is nudged: h_{X·k+1} onwards are not what the spec gives
  const work = new SolverWork(c.job(id), SPEC, [fakeStep(fakeAt)]);
  assert.deepEqual(commitAndWaitChallenge(c, id, work).segments, sampled);
  const judged = openAndAttest(c, id, work, (j) => members(c, j));
  c.block([c.tx(c.solver, work.reveal(judged))]);
  let job = c.job(id);
  assert.equal(job.status, JobStatus.Provisional);
  assert.equal(job.verdict, 'paid', 'the committee replayed only the sampled segment and saw nothing');

  // a challenger replays segment X from the solver's checkpoint and disagrees from h_{X·k+1} on
  const claim = honestSegment(job, work, X);
  assert.ok(same(claim[0]!, work.trace.stepHashes[X * K]!) && !same(claim[1]!, work.trace.stepHashes[X * K + 1]!));
  assert.equal(c.rejection(c.solver, { kind: 'dispute-open', jobId: id, target: 'solver', segment: X, member: null, hashes: claim }), 'DISPUTE_INVALID', 'the solver cannot dispute itself');
  assert.equal(c.rejection(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: X, member: null, hashes: claim.slice(1) }), 'DISPUTE_INVALID', 'one hash short');
  assert.equal(c.rejection(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: 9, member: null, hashes: claim }), 'DISPUTE_INVALID', 'no such segment');
  const opened = c.block([c.tx(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: X, member: null, hashes: claim })]);
  assert.deepEqual(opened.receipts[0]!.events[0], { kind: EventKind.DisputeBond, address: c.other.address, counterparty: c.solver.address, amount: BOND });
  job = c.job(id);
  assert.equal(job.disputes[0]!.stage, DisputeStage.Respond, 'segment X was never revealed: the solver must answer');

  // the solver must answer with hashes proven under its own trace root
  const answer = solverRespond(job, work, 0, X) as Extract<ReturnType<typeof solverRespond>, { kind: 'dispute-respond' }>;
  assert.equal(c.rejection(c.other, answer), 'JOB_NOT_SOLVER');
  assert.equal(c.rejection(c.solver, { ...answer, siblings: answer.siblings.slice(1) }), 'JOB_PROOF_INVALID', 'a range proof missing a sibling');
  assert.equal(c.rejection(c.solver, { ...answer, hashes: claim }), 'JOB_PROOF_INVALID', 'the challenger\'s hashes are not in the solver\'s trace');
  assert.equal(c.rejection(c.solver, { ...answer, losses: new Uint8Array(4 * K), lossSiblings: [] }), 'DISPUTE_INVALID', 'a job without a loss root takes no loss leaf (docs/disputes.md §3.2)');
  c.block([c.tx(c.solver, answer)]);
  job = c.job(id);
  const d = job.disputes[0]!;
  assert.equal(d.stage, DisputeStage.Referee);
  assert.equal(d.step, fakeAt, 'located: both agree on h_{X·k}, they part at h_{X·k+1}');
  assert.ok(same(d.agreed, work.trace.stepHashes[fakeAt]!) && same(d.solverNext, work.trace.stepHashes[fakeAt + 1]!) && same(d.otherNext, claim[1]!));

  // state_t on chain: a wrong state is refused at its last piece, then the challenger's honest one
  const wrongState = encodeState({ ...work.stateAt(fakeAt + 1), step: fakeAt });
  const wrong = { kind: 'state-supply' as const, jobId: id, dispute: 0, offset: 0, total: wrongState.length, bytes: wrongState };
  assert.equal(c.rejection(c.other, wrong), 'DISPUTE_SUPPLY_INVALID', 'a state that does not hash to the agreed h_t');
  assert.equal(c.rejection(c.other, { ...wrong, total: wrongState.length + 4 }), 'DISPUTE_SUPPLY_INVALID', 'the wrong length');
  assert.equal(c.rejection(c.other, { ...wrong, offset: 8, bytes: wrongState.subarray(8) }), 'DISPUTE_SUPPLY_INVALID', 'a gap');
  supplyState(c, c.other, job, 0, honestStateAt(job, work, X, fakeAt));
  job = c.job(id);
  assert.equal(job.status, JobStatus.Slashed);
  assert.equal(job.outcome, 'fraud');
  const decided = job.disputes[0]!;
  assert.equal(decided.winner, DisputeWinner.Other);
  assert.equal(decided.reason, 'referee');
  assert.ok(same(decided.refereeHash, claim[1]!), 'the referee computed the challenger\'s h_{t+1}');
  assert.equal(decided.supplies.length, 0, 'the state is dropped once decided');

  // money: the challenger gets its bond back and half the solver's bond; the other half is burned
  assert.equal(c.balanceNet(c.other), BALANCE - 3n * FEE + 2_500n, 'open, state and batch fees; its bond back and half the solver\'s bond');
  assert.equal(c.balanceNet(c.solver), BALANCE - 5n * FEE - 5_000n);
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE, 'bounty and reward come back');
  assert.equal(c.supply(), supply - 2_500n);
});

test('an honest solver disputed by a false challenger keeps its pay and gains the bond', () => {
  const c = chain('false-challenge');
  const { id, work } = runJob(c, { keepOpen: true });
  let job = c.job(id);
  const j = job.segments[0]!;
  const claim = honestSegment(job, work, j);
  assert.deepEqual(claim.map(bytesToHex), work.trace.stepHashes.slice(j * K, j * K + claim.length).map(bytesToHex), 'the solver is honest');
  const lie = [...claim];
  lie[2] = new Uint8Array(32).fill(0x42);
  c.block([c.tx(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: j, member: null, hashes: lie })]);
  job = c.job(id);
  const d = job.disputes[0]!;
  assert.equal(d.stage, DisputeStage.Referee, 'a sampled segment is already revealed: located at once');
  assert.equal(d.step, j * K + 1);
  assert.equal(c.rejection(c.validators[3]!, { kind: 'state-supply', jobId: id, dispute: 0, offset: 0, total: 676, bytes: new Uint8Array(10) }), 'DISPUTE_NOT_PARTY');
  supplyState(c, c.solver, job, 0, work.stateAt(d.step));
  c.until(id, hasEnded);
  job = c.job(id);
  assert.equal(job.disputes[0]!.winner, DisputeWinner.Solver);
  assert.equal(job.status, JobStatus.Finalized);
  assert.equal(job.outcome, 'paid');
  // accept, commit, open, reveal, two supply transactions (state, batch): 6 fees
  assert.equal(c.balanceNet(c.solver), BALANCE - 6n * FEE + 10_000n + BOND, 'bounty, bond back, and the challenger\'s bond');
  assert.equal(c.balanceNet(c.other), BALANCE - FEE - BOND);
});

/** Digest inputs of a member that replayed with `spec` instead of the job's: what a lying or broken member attests. */
function wrongReplay(job: Job, work: SolverWork): { h0: Uint8Array; segments: Uint8Array[][] } {
  const wrong = validateSpec({ ...SPEC, optimizer: { type: 'sgd', learningRate: 0.2 } });
  const segments = job.segments.map((j) => {
    const start = work.stateAt(j * K);
    return replaySegment(wrong, DATA, job.id, job.seed!, start, j * K, Math.min((j + 1) * K, SPEC.steps)).slice(1);
  });
  return { h0: stepHash(job.id, work.stateAt(0)), segments };
}

test('members holding all of the committee\'s stake attest wrong hashes against an honest solver: the solver disputes, is paid, and the members are slashed', () => {
  // a committee of three that leaves out validator 0 (the proposer), so the chain keeps a proposer once they are jailed
  const lt = terms({ dispute: disputeTermsFor(SPEC, { window: 3, move: 3, bond: BOND, demandFee: 30n }) });
  let salt = '';
  for (let i = 0; ; i++) {
    salt = `lying-committee-${i}`;
    const probe = chain(salt);
    const pid = submit(probe, lt);
    const job = commitAndWaitChallenge(probe, pid, acceptAndTrain(probe, pid));
    if (!job.committee.some((m) => same(m.address, probe.validators[0]!.address))) break;
    assert.ok(i < 20);
  }
  const c = chain(salt);
  const id = submit(c, lt);
  const work = acceptAndTrain(c, id);
  commitAndWaitChallenge(c, id, work);
  c.block([c.tx(c.solver, work.open(c.job(id)))]);
  let job = c.job(id);
  const liars = members(c, job);
  const lie = wrongReplay(job, work);
  const own = (m: Acct) => memberHashes(job, m.address, lie);
  c.block(liars.map((m) => c.tx(m, { kind: 'job-attest', jobId: id, digest: attestationDigest(id, m.address, lie.h0, own(m)) })));
  c.until(id, (j) => j.status === JobStatus.Revealing);
  c.block([c.tx(c.solver, work.reveal(c.job(id)))]);
  job = c.job(id);
  assert.equal(job.verdict, 'mismatch', 'all of the committee\'s stake says the honest solver is wrong');

  const stakes = liars.map((m) => c.state.getValidator(m.address)!.stake);
  c.block(liars.map((m) => c.tx(c.solver, { kind: 'dispute-open', jobId: id, target: 'attestation', segment: 0, member: m.address, hashes: [] })));
  assert.equal(c.rejection(c.solver, { kind: 'dispute-open', jobId: id, target: 'attestation', segment: 0, member: liars[0]!.address, hashes: [] }), 'DISPUTE_DUPLICATE');
  job = c.job(id);
  // each member must show what it hashed: the preimage of its digest
  // (over its own segments only: a preimage over every sampled segment has the wrong length)
  const preimage = (m: Acct) => [lie.h0, ...own(m).flat()];
  const p0 = preimage(liars[0]!);
  assert.equal(c.rejection(liars[0]!, { kind: 'dispute-respond', jobId: id, dispute: 0, hashes: [...p0.slice(0, -1), work.trace.stepHashes[0]!], siblings: [] }), 'DISPUTE_PREIMAGE_INVALID');
  if (memberSegments(job, liars[0]!.address).length < job.segments.length) {
    assert.equal(c.rejection(liars[0]!, { kind: 'dispute-respond', jobId: id, dispute: 0, hashes: [lie.h0, ...lie.segments.flat()], siblings: [] }), 'DISPUTE_PREIMAGE_INVALID');
  }
  c.block(liars.map((m, i) => c.tx(m, { kind: 'dispute-respond', jobId: id, dispute: i, hashes: preimage(m), siblings: [] })));
  job = c.job(id);
  const firsts = liars.map((m) => memberSegments(job, m.address)[0]! * K);
  job.disputes.forEach((d, i) => {
    assert.equal(d.kind, DisputeKind.Attestation);
    assert.equal(d.stage, DisputeStage.Referee);
    assert.equal(d.step, firsts[i], 'they part at the first step of the member\'s first segment');
  });
  for (let i = 0; i < liars.length; i++) supplyState(c, c.solver, c.job(id), i, work.stateAt(firsts[i]!));
  job = c.job(id);
  assert.ok(job.disputes.every((d) => d.winner === DisputeWinner.Solver && d.reason === 'referee'));
  const slashes = stakes.map((s) => (s * 500n) / 10_000n);
  liars.forEach((m, i) => {
    const v = c.state.getValidator(m.address)!;
    assert.equal(v.jailed, true, `${m.name} is jailed`);
    assert.equal(v.stake, stakes[i]! - slashes[i]!, `${m.name} loses 5% of its stake`);
  });
  c.until(id, hasEnded);
  job = c.job(id);
  assert.equal(job.status, JobStatus.Finalized, 'judged again without the members proven wrong: paid');
  assert.equal(job.outcome, 'paid');
  const shares = slashes.reduce((a, s) => a + s / 2n, 0n);
  // fees: accept, commit, open, reveal, n dispute opens (one block), n × (state, batch)
  assert.equal(c.balanceNet(c.solver), BALANCE - (4n + 3n * BigInt(liars.length)) * FEE + 10_000n + shares, 'paid, bonds back, half of each slash');
  for (const m of liars) assert.equal(c.balanceNet(m), BALANCE - 2n * FEE, `${m.name}: attest and respond fees, no reward (its loss is in its stake)`);
});

test('a solver that withholds its reveal after a failed sample still pays the catchers', () => {
  const c = chain('withheld');
  const supply = c.supply();
  const id = submit(c);
  const work = acceptAndTrain(c, id, validateSpec({ ...SPEC, optimizer: { type: 'sgd', learningRate: 0.1 } }));
  commitAndWaitChallenge(c, id, work);
  openAndAttest(c, id, work, (j) => members(c, j));
  const last = c.until(id, hasEnded).at(-1)!;
  const job = c.job(id);
  assert.equal(job.outcome, 'no-reveal');
  const ms = members(c, job);
  assert.equal(job.attestations.length, ms.length);
  // half the bond (2500) split among the members whose replay disagreed, the reward at 200 per seat; the rest burned
  const share = 2_500n / BigInt(ms.length);
  for (const v of c.validators) assert.equal(c.balanceNet(v), ms.includes(v) ? BALANCE - FEE + share + 200n * BigInt(seatCount(job, v.address)) : BALANCE, v.name);
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE - 1_000n, 'the bounty comes back; the reward went to the catchers (all five seats)');
  const burned = 5_000n - share * BigInt(ms.length);
  assert.equal(c.supply(), supply - burned);
  assert.deepEqual(last.blockEvents[0], { kind: EventKind.JobSlash, address: c.solver.address, counterparty: null, amount: burned });
});

/** The solver's DaChunk for chunk 0 of checkpoint i. */
function daChunk(job: Job, work: SolverWork, i: number) {
  const cps = work.trace.checkpoints;
  const leaves = cps.map((cp) => leafHash(checkpointLeaf(cp.step, cp.chunkRoot, cp.stepHash)));
  const { chunk, proof } = chunkProof(cps[i]!.bytes, 0);
  return {
    kind: 'da-chunk' as const, jobId: job.id, checkpoint: i, chunkRoot: cps[i]!.chunkRoot, stepHash: cps[i]!.stepHash,
    checkpointSiblings: merkleProof(leaves, i).siblings, chunk: 0, bytes: chunk, chunkSiblings: proof.siblings,
  };
}

test('UNAVAILABLE from a member whose network is cut does not slash a solver that serves its data on chain; a solver that does not is slashed', () => {
  // a chain whose draw has a member the others can do without (else its UNAVAILABLE would cost the quorum and the job a redraw)
  let salt = '';
  for (let i = 0; ; i++) {
    salt = `unavailable-${i}`;
    const probe = chain(salt);
    const pid = submit(probe, terms({ windows: { ...terms().windows, attest: 6 } }));
    if (spareMember(probe, commitAndWaitChallenge(probe, pid, acceptAndTrain(probe, pid)))) break;
    assert.ok(i < 20);
  }
  const c = chain(salt);
  const id = submit(c, terms({ windows: { ...terms().windows, attest: 6 } }));
  const work = acceptAndTrain(c, id);
  commitAndWaitChallenge(c, id, work);
  c.block([c.tx(c.solver, work.open(c.job(id)))]);
  let job = c.job(id);
  // the cut member holds seats the others can do without (else the committee would miss its quorum and be redrawn)
  const cut = spareMember(c, job);
  assert.ok(cut, 'a member whose UNAVAILABLE leaves a quorum');
  const others = members(c, job).filter((v) => v !== cut);
  const cp = job.segments.find((j) => j > 0) ?? 1;
  // the cut member cannot reach the solver's DA peer: it demands the chunk on chain
  assert.equal(c.rejection(cut!, { kind: 'da-demand', jobId: id, checkpoint: cp, chunk: 1 }), 'DEMAND_INVALID', 'a checkpoint of this small model is one chunk');
  c.block([c.tx(cut!, { kind: 'da-demand', jobId: id, checkpoint: cp, chunk: 0 })]);
  const answer = daChunk(job, work, cp);
  assert.equal(c.rejection(c.solver, { ...answer, bytes: answer.bytes.slice(1) }), 'JOB_PROOF_INVALID');
  const served = c.block([c.tx(c.solver, answer)]);
  assert.deepEqual(served.receipts[0]!.events[0], { kind: EventKind.DisputeAward, address: c.solver.address, counterparty: cut!.address, amount: 30n }, 'the demander pays for a chunk that arrives');
  job = c.job(id);
  assert.ok(same(job.demands[0]!.answer, served.txHashes[0]!), 'the demand records the transaction that carries the chunk');
  // one member still posts UNAVAILABLE (it gave up), the others replay
  const r = { h0: stepHash(id, work.stateAt(0)), segments: job.segments.map((j) => work.trace.stepHashes.slice(j * K + 1, Math.min((j + 1) * K, SPEC.steps) + 1)) };
  c.block([
    c.tx(cut!, { kind: 'job-attest', jobId: id, digest: UNAVAILABLE_DIGEST }),
    ...others.map((m) => c.tx(m, { kind: 'job-attest', jobId: id, digest: digestFor(job, m.address, r) })),
  ]);
  c.until(id, (j) => j.status === JobStatus.Revealing);
  c.block([c.tx(c.solver, work.reveal(c.job(id)))]);
  c.until(id, hasEnded);
  assert.equal(c.job(id).outcome, 'paid', 'UNAVAILABLE counts for neither side');
  assert.equal(c.balanceNet(c.solver), BALANCE - 5n * FEE + 10_000n + 30n);

  // the same demand unanswered: the solver is slashed when its deadline passes
  const c2 = chain('unanswered');
  const id2 = submit(c2, terms({ windows: { ...terms().windows, attest: 6 } }));
  const work2 = acceptAndTrain(c2, id2);
  commitAndWaitChallenge(c2, id2, work2);
  c2.block([c2.tx(c2.solver, work2.open(c2.job(id2)))]);
  const demander = members(c2, c2.job(id2))[0]!;
  c2.block([c2.tx(demander, { kind: 'da-demand', jobId: id2, checkpoint: 1, chunk: 0 })]);
  c2.until(id2, hasEnded);
  const j2 = c2.job(id2);
  assert.equal(j2.outcome, 'no-data');
  assert.equal(j2.endHeight, j2.demands[0]!.deadline);
  assert.equal(c2.balanceNet(demander), BALANCE - FEE + 2_500n, 'fee refunded, half the bond');
});

/** A spec that becomes non-finite within a few steps: SGD with a huge learning rate. */
const DIVERGING = validateSpec({ ...SPEC, optimizer: { type: 'sgd', learningRate: 5 }, steps: 30, checkpointInterval: 3 });

/** The solver's JobDiverge for a run of `spec`: h_0..h_t and checkpoints at min(i·k, t), t the last finite step. */
function divergedRun(job: Job): { t: number; states: TrainState[]; payload: Extract<Parameters<TestChain['tx']>[1], { kind: 'job-diverge' }> } {
  const tr = createTrainer(DIVERGING, DATA, job.seed!);
  const states: TrainState[] = [];
  try {
    for (const out of trainStates(tr)) states.push(out.state);
    assert.fail('the spec was meant to diverge');
  } catch (e) {
    assert.ok(e instanceof NonFiniteStateError, String(e));
  }
  const t = states.length - 1;
  const hashes = states.map((s) => stepHash(job.id, s));
  const k = DIVERGING.checkpointInterval;
  const cps = [];
  for (let i = 0; i * k < t + k; i++) cps.push(makeCheckpoint(job.id, states[Math.min(i * k, t)]!));
  return {
    t, states,
    payload: { kind: 'job-diverge', jobId: job.id, step: t, traceRoot: traceRoot(hashes), checkpointsRoot: checkpointsRoot(cps), finalChunkRoot: cps.at(-1)!.chunkRoot, finalStepHash: hashes[t]! },
  };
}

test('a job that diverges at step t ends diverged: bond returned, bounty refunded minus a fee for the work; a false claim is slashed', () => {
  const dt = terms({ spec: specBytes(DIVERGING), dispute: disputeTermsFor(DIVERGING, { window: 2, move: 3, bond: BOND, demandFee: 30n }) });
  const c = chain('diverge');
  const supply = c.supply();
  const id = submit(c, dt);
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: DA_PEER, daAddrs: DA_ADDRS })]);
  c.until(id, (j) => j.status === JobStatus.Training);
  const run = divergedRun(c.job(id));
  assert.ok(run.t >= 1 && run.t < DIVERGING.steps, `diverged at ${run.t}`);
  c.block([c.tx(c.solver, run.payload)]);
  let job = c.job(id);
  assert.equal(job.status, JobStatus.Diverging);
  assert.ok(same(job.disputes[0]!.solverNext, NON_FINITE_CLAIM));
  supplyState(c, c.solver, job, 0, run.states[run.t]!);
  job = c.job(id);
  assert.equal(job.status, JobStatus.Provisional, 'the referee saw step t become non-finite');
  assert.equal(job.verdict, 'diverged');
  c.until(id, hasEnded);
  job = c.job(id);
  assert.equal(job.status, JobStatus.Diverged);
  assert.equal(job.outcome, 'diverged');
  const fee = (10_000n * BigInt(run.t)) / (2n * 30n);
  assert.equal(c.balanceNet(c.solver), BALANCE - 4n * FEE + fee, 'accept, diverge, state and batch fees; bond back; the work fee');
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE - fee);
  assert.equal(c.supply(), supply, 'nothing is burned');

  // claiming divergence one step early: the referee finds step t-1 finite and the solver is slashed
  const c2 = chain('diverge');
  const id2 = submit(c2, dt);
  c2.block([c2.tx(c2.solver, { kind: 'job-accept', jobId: id2, daPeer: DA_PEER, daAddrs: DA_ADDRS })]);
  c2.until(id2, (j) => j.status === JobStatus.Training);
  const early = divergedRun(c2.job(id2));
  const t2 = early.t - 1;
  const hashes = early.states.slice(0, t2 + 1).map((s) => stepHash(id2, s));
  const cps = [];
  for (let i = 0; i * 3 < t2 + 3; i++) cps.push(makeCheckpoint(id2, early.states[Math.min(i * 3, t2)]!));
  c2.block([c2.tx(c2.solver, { ...early.payload, step: t2, traceRoot: traceRoot(hashes), checkpointsRoot: checkpointsRoot(cps), finalChunkRoot: cps.at(-1)!.chunkRoot, finalStepHash: hashes[t2]! })]);
  supplyState(c2, c2.solver, c2.job(id2), 0, early.states[t2]!);
  assert.equal(c2.job(id2).outcome, 'false-divergence');
  assert.equal(c2.balanceNet(c2.solver), BALANCE - 4n * FEE - 5_000n);
});

test('the chain refuses what an honest party could not answer within maxTxBytes: a whole-chunk demand it cannot post, a preimage it cannot send', () => {
  const c = chain('sizes');
  // q·k = 64·64 step hashes in a member's preimage: about 135 KB, more than this chain's 64 KiB transactions
  const wide = validateSpec({ ...SPEC, steps: 128, checkpointInterval: 64 });
  assert.equal(c.rejection(c.submitter, { kind: 'job-submit', terms: terms({ spec: specBytes(wide), q: 64, dispute: disputeTermsFor(wide) }) }), 'JOB_INVALID');
  assert.equal(c.state.activeJobs.length, 0);
  // a model whose state is 80 KB: chunk 0 is a full 64 KiB chunk, which no transaction of this chain can carry
  const big = validateSpec({ ...SPEC, layers: [{ type: 'dense', units: 2048, activation: 'relu' }, { type: 'dense', units: 1 }] });
  const bt = terms({ spec: specBytes(big), dispute: disputeTermsFor(big, { window: 2, move: 3, bond: BOND, demandFee: 30n }) });
  const id = submit(c, bt);
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: DA_PEER, daAddrs: DA_ADDRS })]);
  c.until(id, (j) => j.status === JobStatus.Training);
  const work = new SolverWork(c.job(id), big);
  commitAndWaitChallenge(c, id, work);
  c.block([c.tx(c.solver, work.open(c.job(id)))]);
  const member = members(c, c.job(id))[0]!;
  assert.equal(c.rejection(member, { kind: 'da-demand', jobId: id, checkpoint: 1, chunk: 0 }), 'DEMAND_INVALID', 'chunk 0 is 65536 bytes');
  c.block([c.tx(member, { kind: 'da-demand', jobId: id, checkpoint: 1, chunk: 1 })]);
  assert.equal(c.job(id).demands.length, 1, 'the short last chunk can be demanded');
});
