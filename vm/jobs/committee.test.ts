// Issue 11 on the real vm: a committee nobody in the drawing block can steer, and silence that never
// pays. Next to each test: the change that removes its defence and makes it fail (each was run: drawing
// from o.beacon, from the live validator list, a quorum that always holds, no penalty).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind, JobOutcome, JobStatus, JOB_FLOORS, livenessPenalty, memberSegments, seatCount, type Job } from '../index.ts';
import { TestChain, acct, stakeOf, BALANCE, type Acct } from '../../test/helpers/job-test-chain.ts';
import { acceptAndTrain, submit } from '../../test/helpers/job-flow.ts';
import { digestFor, replay, terms, useDet } from '../../test/helpers/job-work.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

await useDet();

const hex = bytesToHex;
const key = (j: Job) => JSON.stringify({ seats: j.seats.map(hex), committee: j.committee.map((m) => [hex(m.address), String(m.stake)]), segments: j.segments });

/** A chain with `n` extra validators of 100_000 stake each (funded by `other`), so a job's pool is large. */
function bigChain(n: number, salt = ''): { c: TestChain; extra: Acct[] } {
  const c = new TestChain(salt);
  const extra = Array.from({ length: n }, (_, i) => acct(`extra ${i}`));
  c.block(extra.map((a) => c.tx(c.other, { kind: 'transfer', to: a.address, amount: 1_000_000n })));
  c.block(extra.map((a) => c.tx(a, stakeOf(a, 100_000n))));
  return { c, extra };
}

/** Submits, accepts and commits a job with fake roots (the draw needs no trace); returns its id with the chain at height D - 1. */
function committedFake(c: TestChain): Uint8Array {
  const id = submit(c);
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: '', daAddrs: [] })]);
  c.until(id, (j) => j.status === JobStatus.Training);
  const h = sha256(Uint8Array.of(9));
  c.block([c.tx(c.solver, { kind: 'trace-commit', jobId: id, traceRoot: h, checkpointsRoot: h, finalChunkRoot: h, finalStepHash: h })]);
  c.until(id, (j) => c.height + 1n === j.challengeHeight);
  return id;
}

// Defence removed: drawing from o.validatorList() at D (instead of job.pool) makes the first test fail (the
// whale takes most seats), and drawing from o.beacon (instead of o.base.beacon) makes the second fail.
test('stake added in the block that draws the committee has no effect on it (the pool is the TraceCommit snapshot)', () => {
  const runs = ['none', 'in block D'].map((variant) => {
    const { c } = bigChain(4);
    const whale = acct('whale');
    c.block([c.tx(c.other, { kind: 'transfer', to: whale.address, amount: 500_000_000n })]);
    const id = committedFake(c);
    const stake = c.tx(whale, stakeOf(whale, 400_000_000n));
    c.block(variant === 'in block D' ? [stake] : []);
    const j = c.job(id);
    assert.equal(j.status, JobStatus.Challenged);
    if (variant === 'in block D') assert.equal(c.state.getValidator(whale.address)!.stake, 400_000_000n, 'the stake landed in block D');
    assert.ok(!j.pool.some((m) => hex(m.address) === hex(whale.address)), 'the pool was fixed at the TraceCommit');
    return key(j);
  });
  assert.equal(runs[1], runs[0]);
});

test('the proposer or round of block D (its beacon) does not change what is drawn', () => {
  const draw = (sig: string, proposer: number) => {
    const { c } = bigChain(4);
    const id = committedFake(c);
    const parentBeacon = hex(c.state.beacon);
    (c as unknown as { salt: string }).salt = sig; // block D's beacon signature only
    Object.defineProperty(c, 'proposer', { get: () => c.validators[proposer]! });
    c.block();
    return { j: c.job(id), beacon: hex(c.state.beacon), parentBeacon };
  };
  const a = draw('', 0);
  const b = draw('withheld: another proposer signs block D', 1);
  assert.equal(a.parentBeacon, b.parentBeacon);
  assert.notEqual(a.beacon, b.beacon, 'block D has another beacon');
  assert.equal(key(a.j), key(b.j), 'same seats, committee and segments');
  assert.equal(a.j.seats.length, terms().committeeSize);
});

test('protocol floors: q and committee size below them are refused with their codes', () => {
  const c = new TestChain();
  assert.equal(c.rejection(c.submitter, { kind: 'job-submit', terms: terms({ q: JOB_FLOORS.minQ - 1 }) }), 'JOB_Q_TOO_LOW');
  assert.equal(c.rejection(c.submitter, { kind: 'job-submit', terms: terms({ committeeSize: JOB_FLOORS.minCommitteeSize - 1 }) }), 'JOB_COMMITTEE_TOO_SMALL');
  submit(c, terms({ q: JOB_FLOORS.minQ, committeeSize: JOB_FLOORS.minCommitteeSize }));
});

/** Opens the job for real (honest training), then lets committees go silent `silentDraws` times. */
function silentJob(silentDraws: number) {
  const { c, extra } = bigChain(16);
  const all = [...c.validators, ...extra];
  const supply = c.supply();
  const id = submit(c);
  const work = acceptAndTrain(c, id);
  c.block([c.tx(c.solver, work.commit())]);
  c.until(id, (j) => j.status === JobStatus.Challenged);
  c.block([c.tx(c.solver, work.open(c.job(id)))]);
  const penalties: Array<{ address: string; amount: bigint }> = [];
  const expected: Array<{ address: string; amount: bigint }> = [];
  const silentSets: string[][] = [];
  for (let d = 0; d < silentDraws; d++) {
    const j = c.job(id);
    assert.equal(j.status, JobStatus.Attesting);
    assert.equal(j.draws, d + 1);
    const stakes = new Map(j.committee.map((m) => [hex(m.address), c.state.getValidator(m.address)!.stake]));
    for (const m of j.committee) expected.push({ address: hex(m.address), amount: livenessPenalty(j) * BigInt(seatCount(j, m.address)) });
    silentSets.push(j.committee.map((m) => hex(m.address)));
    const blocks = c.until(id, (x) => x.status !== JobStatus.Attesting);
    for (const b of blocks) for (const e of b.blockEvents) if (e.kind === EventKind.LivenessPenalty) penalties.push({ address: hex(e.address), amount: e.amount });
    for (const m of j.committee) {
      assert.equal(c.state.getValidator(m.address)!.stake, stakes.get(hex(m.address))! - livenessPenalty(j) * BigInt(seatCount(j, m.address)), 'burned from the stake');
    }
    if (c.job(id).status === JobStatus.Redrawing) c.until(id, (x) => x.status !== JobStatus.Redrawing);
  }
  return { c, id, work, all, supply, penalties, expected, silentSets };
}

// Defence removed: with penaliseSilent removed the penalty assertions fail; with the quorum check replaced by
// the old unconditional Attesting -> Revealing the job is revealed and judged instead of redrawn.
test('a committee that stays silent leads to a redraw and exact penalties, never to payment', () => {
  const { c, id, work, all, supply, penalties, expected, silentSets } = silentJob(1);
  assert.deepEqual(penalties, expected, `2·ceil(1000 / 5) = ${2n * 200n} per seat`);
  assert.equal(livenessPenalty(c.job(id)), 400n);
  const j = c.job(id);
  assert.equal(j.status, JobStatus.Attesting);
  assert.equal(j.draws, 2);
  assert.deepEqual(j.silent.map(hex), [...silentSets[0]!].sort());
  assert.ok(!j.committee.some((m) => silentSets[0]!.includes(hex(m.address))), 'nobody found silent is drawn again');
  assert.equal(j.attestations.length, 0);
  // the second committee replays its segments and the job is paid: only its members get the reward
  const r = replay(j, work);
  c.block(all.filter((v) => j.committee.some((m) => hex(m.address) === hex(v.address))).map((v) => c.tx(v, { kind: 'job-attest', jobId: id, digest: digestFor(j, v.address, r) })));
  assert.equal(c.job(id).status, JobStatus.Revealing);
  c.block([c.tx(c.solver, work.reveal(c.job(id)))]);
  const last = c.until(id, (x) => x.status === JobStatus.Finalized).at(-1)!;
  const rewards = last.blockEvents.filter((e) => e.kind === EventKind.JobReward);
  assert.deepEqual(rewards.map((e) => [hex(e.address), e.amount]), j.committee.map((m) => [hex(m.address), 200n * BigInt(seatCount(j, m.address))]), '1000 / 5 = 200 per seat');
  assert.ok(!rewards.some((e) => silentSets[0]!.includes(hex(e.address))), 'silence is never paid');
  const burned = expected.reduce((a, x) => a + x.amount, 0n);
  assert.equal(c.supply(), supply - burned, 'exactly the penalties left the supply');
  // every sampled segment was replayed by some member
  const covered = new Set(j.committee.flatMap((m) => memberSegments(j, m.address)));
  assert.deepEqual([...covered].sort((a, b) => a - b), j.segments);
});

test('three silent committees end the job no-quorum: bond and escrow refunded exactly, nobody paid', () => {
  const { c, id, supply, penalties, expected } = silentJob(JOB_FLOORS.maxCommittees);
  const j = c.job(id);
  assert.equal(j.status, JobStatus.Expired);
  assert.equal(j.outcome, JobOutcome.NoQuorum);
  assert.equal(j.draws, 3);
  assert.deepEqual(penalties, expected);
  assert.equal(c.state.activeJobs.length, 0);
  assert.equal(c.balanceNet(c.solver), BALANCE - 3n, 'bond back: it paid only the accept, commit and open fees');
  assert.equal(c.balanceNet(c.submitter), BALANCE - 1n, 'bounty and reward back');
  assert.equal(c.supply(), supply - expected.reduce((a, x) => a + x.amount, 0n));
});
