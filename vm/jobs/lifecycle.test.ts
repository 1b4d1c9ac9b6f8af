// Whole jobs on a real chain with real training: paid, slashed for a mismatch, deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind, JobStatus, JOB_STATUS_NAMES, type Job } from '../index.ts';
import { validateSpec } from '../../ml-runtime/index.ts';
import { TestChain, BALANCE, FEE } from '../../test/helpers/job-test-chain.ts';
import { runJob, DA_PEER, DA_ADDRS } from '../../test/helpers/job-flow.ts';
import { SPEC, terms, useDet } from '../../test/helpers/job-work.ts';
import { bytesToHex } from '../../primitives/index.ts';

await useDet();

const same = (a: Uint8Array, b: Uint8Array) => bytesToHex(a) === bytesToHex(b);
const statuses = (c: TestChain, id: Uint8Array) =>
  c.updates.filter((u) => same(u.jobId, id)).map((u) => JOB_STATUS_NAMES[u.status] + (u.outcome ? `:${u.outcome}` : ''));
const ev = (kind: number, address: Uint8Array, amount: bigint, counterparty: Uint8Array | null = null) => ({ kind, address, counterparty, amount });

let honestRoots: string[] = [];

test('an honest job is finalized and paid exactly; a member that did not attest gets nothing', () => {
  const c = new TestChain();
  const supply = c.supply();
  const lazy = c.validators[2]!;
  const { id, work, last, revealed } = runJob(c, { attesters: (j) => c.validators.filter((v) => v !== lazy && j.committee.some((m) => same(m.address, v.address))) });
  const job: Job = c.job(id);
  assert.deepEqual(revealed.blockEvents, [], 'nothing is paid at the provisional verdict');

  assert.equal(job.status, JobStatus.Finalized);
  assert.equal(job.outcome, 'paid');
  assert.equal(job.endHeight, c.height);
  assert.equal(c.state.activeJobs.length, 0, 'an ended job leaves the active index');
  assert.equal(job.committee.length, 4, 'every validator is a candidate (the solver is not a validator)');
  assert.deepEqual(job.committee.map((m) => m.stake), [...job.committee].map((m) => c.state.getValidator(m.address)!.stake));
  assert.equal(job.attestations.length, 3);
  assert.ok(job.segments.length >= 1 && job.segments.length <= 3 && job.segments.every((j) => j >= 0 && j < 4));
  assert.equal(bytesToHex(job.commitment!.finalChunkRoot), bytesToHex(work.trace.checkpoints.at(-1)!.chunkRoot), 'the proven model is recorded');
  assert.equal(job.daPeer, DA_PEER);
  assert.deepEqual(job.daAddrs, DA_ADDRS);
  assert.deepEqual(statuses(c, id), ['open', 'accepted', 'training', 'committed', 'challenged', 'attesting', 'revealing', 'provisional', 'finalized:paid']);
  assert.equal(job.verdict, 'paid');
  assert.equal(job.endHeight, job.windowEnd, 'paid when the dispute window closes, not at the reveal');

  // 1000 split among 3 matching attesters: 333 each, 1 back to the submitter
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE - 10_000n - 1_000n + 1n);
  assert.equal(c.balanceNet(c.solver), BALANCE - 4n * FEE + 10_000n, 'bounty paid, bond returned; accept, commit, open, reveal fees');
  for (const v of c.validators) {
    assert.equal(c.balanceNet(v), v === lazy ? BALANCE : BALANCE - FEE + 333n, `${v.name}`);
  }
  assert.equal(c.supply(), supply, 'nothing is burned when a job is paid');

  const rewarded = c.validators.filter((v) => v !== lazy).map((v) => v.address).sort((a, b) => bytesToHex(a).localeCompare(bytesToHex(b)));
  assert.deepEqual(last.blockEvents, [
    ev(EventKind.JobPayout, c.solver.address, 10_000n, c.submitter.address),
    ev(EventKind.JobRefund, c.solver.address, 5_000n),
    ...rewarded.map((a) => ev(EventKind.JobReward, a, 333n)),
    ev(EventKind.JobRefund, c.submitter.address, 1n),
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
  const lazy = c.validators[2]!;
  runJob(c, { attesters: (j) => c.validators.filter((v) => v !== lazy && j.committee.some((m) => same(m.address, v.address))) });
  assert.deepEqual(c.roots, honestRoots);
  const other = new TestChain('another beacon');
  runJob(other);
  assert.notEqual(other.roots.at(-1), honestRoots.at(-1), 'a different beacon gives a different seed and challenge');
});

test('a solver that trained with another learning rate is slashed; the members that caught it share the reward and half the bond', () => {
  const c = new TestChain();
  const supply = c.supply();
  const wrong = validateSpec({ ...SPEC, optimizer: { type: 'sgd', learningRate: 0.1 } });
  const { id, last } = runJob(c, { trainSpec: wrong });
  const job = c.job(id);
  assert.equal(job.status, JobStatus.Slashed);
  assert.equal(job.outcome, 'mismatch');
  assert.equal(job.attestations.length, 4);
  assert.equal(c.balanceNet(c.solver), BALANCE - 4n * FEE - 5_000n, 'the bond is lost');
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE - 1_000n, 'the bounty comes back');
  // the reward (1000) and half the bond (2500) are split among the four members who caught it
  for (const v of c.validators) assert.equal(c.balanceNet(v), BALANCE - FEE + 250n + 625n, v.name);
  assert.equal(c.supply(), supply - 2_500n, 'the other half of the bond is burned');
  assert.deepEqual(last.blockEvents[0], ev(EventKind.JobSlash, c.solver.address, 2_500n));
  const sorted = [...c.validators].map((v) => v.address).sort((a, b) => bytesToHex(a).localeCompare(bytesToHex(b)));
  assert.deepEqual(last.blockEvents.slice(1, 5), sorted.map((a) => ev(EventKind.JobSlashShare, a, 625n, c.solver.address)));
  assert.deepEqual(statuses(c, id).slice(-2), ['provisional', 'slashed:mismatch']);
});

test('the attest window closes in the block where the last member attests, and runs to its deadline otherwise', () => {
  const c = new TestChain();
  const members = (ch: TestChain, j: Job) => ch.validators.filter((v) => j.committee.some((m) => same(m.address, v.address)));
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
  const some = runJob(c2, { terms: terms({ windows: { ...terms().windows, attest: 40 } }), attesters: (j) => members(c2, j).slice(1) });
  const b = c2.job(some.id);
  assert.equal(b.status, JobStatus.Finalized);
  const openedAt = b.attestations[0]!.height - 1n;
  assert.ok(b.endHeight >= openedAt + 40n, `revealing began only after the deadline (end ${b.endHeight}, opened ${openedAt})`);
});
