// Whole jobs on a real chain with real training: paid, slashed for a mismatch, deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind, JobStatus, JOB_STATUS_NAMES, memberSegments, seatCount, type Job } from '../index.ts';
import { validateSpec } from '../../ml-runtime/index.ts';
import { TestChain, BALANCE, FEE } from '../../test/helpers/job-test-chain.ts';
import { runJob, committeeOf, spareMember, DA_PEER, DA_ADDRS } from '../../test/helpers/job-flow.ts';
import { SPEC, terms, useDet } from '../../test/helpers/job-work.ts';
import { bytesToHex } from '../../primitives/index.ts';

await useDet();

const same = (a: Uint8Array, b: Uint8Array) => bytesToHex(a) === bytesToHex(b);
const statuses = (c: TestChain, id: Uint8Array) =>
  c.updates.filter((u) => same(u.jobId, id)).map((u) => JOB_STATUS_NAMES[u.status] + (u.outcome ? `:${u.outcome}` : ''));
const ev = (kind: number, address: Uint8Array, amount: bigint, counterparty: Uint8Array | null = null) => ({ kind, address, counterparty, amount });

let honestRoots: string[] = [];

const membersOf = committeeOf;


test('an honest job is finalized and paid exactly per seat; a member that did not attest gets nothing and pays its penalty', () => {
  const c = new TestChain();
  const supply = c.supply();
  let lazy = null as ReturnType<typeof spareMember>;
  const { id, work, last, revealed } = runJob(c, { attesters: (j) => { lazy = spareMember(c, j); return membersOf(c, j).filter((v) => v !== lazy); } });
  const job: Job = c.job(id);
  assert.deepEqual(revealed.blockEvents, [], 'nothing is paid at the provisional verdict');
  assert.equal(job.status, JobStatus.Finalized);
  assert.equal(job.outcome, 'paid');
  assert.equal(job.endHeight, c.height);
  assert.equal(c.state.activeJobs.length, 0, 'an ended job leaves the active index');
  assert.equal(job.seats.length, 5);
  assert.equal(job.pool.length, 4, 'every validator is in the pool (the solver is not a validator)');
  assert.deepEqual(job.committee.map((m) => m.stake), job.committee.map((m) => job.pool.find((p) => same(p.address, m.address))!.stake));
  assert.equal(bytesToHex(job.commitment!.finalChunkRoot), bytesToHex(work.trace.checkpoints.at(-1)!.chunkRoot), 'the proven model is recorded');
  assert.equal(job.daPeer, DA_PEER);
  assert.deepEqual(job.daAddrs, DA_ADDRS);
  assert.deepEqual(statuses(c, id), ['open', 'accepted', 'training', 'committed', 'challenged', 'attesting', 'revealing', 'provisional', 'finalized:paid']);
  assert.equal(job.verdict, 'paid');
  assert.equal(job.endHeight, job.windowEnd, 'paid when the dispute window closes, not at the reveal');
  // 1000 / 5 seats = 200 per seat to each attester; the silent member's seats go back to the submitter
  const attesters = membersOf(c, job).filter((v) => v !== lazy);
  const paid = attesters.reduce((a, v) => a + 200n * BigInt(seatCount(job, v.address)), 0n);
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE - 10_000n - paid);
  assert.equal(c.balanceNet(c.solver), BALANCE - 4n * FEE + 10_000n, 'bounty paid, bond returned; accept, commit, open, reveal fees');
  for (const v of c.validators) {
    const mine = attesters.includes(v) ? BALANCE - FEE + 200n * BigInt(seatCount(job, v.address)) : BALANCE;
    assert.equal(c.balanceNet(v), mine, v.name);
  }
  const penalty = lazy === null ? 0n : 400n * BigInt(seatCount(job, (lazy as { address: Uint8Array }).address));
  assert.equal(c.supply(), supply - penalty, 'only a silent member\'s penalty is burned');
  const rewarded = attesters.map((v) => v.address).sort((a, b) => bytesToHex(a).localeCompare(bytesToHex(b)));
  assert.deepEqual(last.blockEvents, [
    ev(EventKind.JobPayout, c.solver.address, 10_000n, c.submitter.address),
    ev(EventKind.JobRefund, c.solver.address, 5_000n),
    ...rewarded.map((a) => ev(EventKind.JobReward, a, 200n * BigInt(seatCount(job, a)))),
    ...(1000n - paid > 0n ? [ev(EventKind.JobRefund, c.submitter.address, 1000n - paid)] : []),
  ]);
  assert.deepEqual(last.jobUpdates, [{ jobId: id, status: JobStatus.Finalized, outcome: 'paid' }]);
  honestRoots = c.roots;
});

test('escrow and bond are receipt events of the transactions that take them', () => {
  const c2 = new TestChain();
  const b = c2.block([c2.tx(c2.submitter, { kind: 'job-submit', terms: terms() })]);
  assert.deepEqual(b.receipts[0]!.events, [
    ev(EventKind.JobEscrow, c2.submitter.address, 11_000n),
    ev(EventKind.Fee, c2.submitter.address, FEE, c2.proposer.address),
  ]);
  const a = c2.block([c2.tx(c2.solver, { kind: 'job-accept', jobId: b.txHashes[0]!, daPeer: '', daAddrs: [] })]);
  assert.deepEqual(a.receipts[0]!.events, [ev(EventKind.JobBond, c2.solver.address, 5_000n), ev(EventKind.Fee, c2.solver.address, FEE, c2.proposer.address)]);
  assert.equal(c2.balance(c2.solver), BALANCE - FEE - 5_000n);
});

test('two independent runs of the same job reach identical state roots at every height', () => {
  assert.ok(honestRoots.length > 10);
  const c = new TestChain();
  runJob(c, { attesters: (j) => { const lazy = spareMember(c, j); return membersOf(c, j).filter((v) => v !== lazy); } });
  assert.deepEqual(c.roots, honestRoots);
  const other = new TestChain('another beacon');
  runJob(other);
  assert.notEqual(other.roots.at(-1), honestRoots.at(-1), 'a different beacon gives a different seed and challenge');
});

test('a solver that trained with another learning rate is slashed; the members that caught it share the reward per seat and half the bond', () => {
  const c = new TestChain();
  const supply = c.supply();
  const wrong = validateSpec({ ...SPEC, optimizer: { type: 'sgd', learningRate: 0.1 } });
  const { id, last } = runJob(c, { trainSpec: wrong });
  const job = c.job(id);
  assert.equal(job.status, JobStatus.Slashed);
  assert.equal(job.outcome, 'mismatch');
  const members = membersOf(c, job);
  assert.equal(job.attestations.length, members.length);
  const n = BigInt(members.length);
  const share = 2_500n / n;
  assert.equal(c.balanceNet(c.solver), BALANCE - 4n * FEE - 5_000n, 'the bond is lost');
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE - 1_000n, 'the bounty comes back; all five seats caught it');
  for (const v of members) assert.equal(c.balanceNet(v), BALANCE - FEE + 200n * BigInt(seatCount(job, v.address)) + share, v.name);
  assert.equal(c.supply(), supply - (5_000n - share * n), 'the rest of the bond is burned');
  assert.deepEqual(last.blockEvents[0], ev(EventKind.JobSlash, c.solver.address, 5_000n - share * n));
  const sorted = members.map((v) => v.address).sort((a, b) => bytesToHex(a).localeCompare(bytesToHex(b)));
  assert.deepEqual(last.blockEvents.slice(1, 1 + members.length), sorted.map((a) => ev(EventKind.JobSlashShare, a, share, c.solver.address)));
  assert.deepEqual(statuses(c, id).slice(-2), ['provisional', 'slashed:mismatch']);
});

test('the attest window closes in the block where the last member attests, and runs to its deadline otherwise', () => {
  const c = new TestChain();
  const members = membersOf;
  // all members attest in one block: revealing starts at that very height
  const all = runJob(c, { terms: terms({ windows: { ...terms().windows, attest: 40 } }), attesters: (j) => members(c, j) });
  const a = c.job(all.id);
  assert.equal(a.status, JobStatus.Finalized);
  const opened = c.updates.findIndex((u) => same(u.jobId, all.id) && u.status === JobStatus.Attesting);
  assert.equal(c.updates[opened + 1]!.status, JobStatus.Revealing);
  assert.ok(a.attestations.every((x) => x.height === a.attestations[0]!.height));
  assert.ok(a.endHeight - a.attestations[0]!.height < 40n, 'did not wait for the 40-block window');
  // one member silent: the phase lasts the whole window
  const c2 = new TestChain();
  const some = runJob(c2, { terms: terms({ windows: { ...terms().windows, attest: 40 } }), attesters: (j) => { const lazy = spareMember(c2, j); assert.ok(lazy, 'a member whose silence keeps the quorum'); return members(c2, j).filter((v) => v !== lazy); } });
  const b = c2.job(some.id);
  assert.equal(b.status, JobStatus.Finalized);
  const openedAt = b.attestations[0]!.height - 1n;
  assert.ok(b.endHeight >= openedAt + 40n, `revealing began only after the deadline (end ${b.endHeight}, opened ${openedAt})`);
});
