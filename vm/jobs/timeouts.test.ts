// Every phase ends at its deadline even when nobody sends anything (docs/jobs.md §2), and the money
// goes where §5 says. Phase transactions may still land at height = deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind, JobStatus, type Job } from '../index.ts';
import { TestChain, BALANCE, FEE } from '../../test/helpers/job-test-chain.ts';
import { submit, acceptAndTrain, commitAndWaitChallenge, openAndAttest, DA_PEER } from '../../test/helpers/job-flow.ts';
import { terms, useDet } from '../../test/helpers/job-work.ts';

await useDet();

const ended = (j: Job) => j.status === JobStatus.Expired || j.status === JobStatus.Slashed || j.status === JobStatus.Finalized || j.status === JobStatus.Diverged;
const allMembers = (c: TestChain) => (j: Job) => c.validators.filter((v) => j.committee.some((m) => m.address.every((b, i) => b === v.address[i])));

test('no solver: the job expires at submitHeight + accept and the escrow goes back; an accept at the deadline still lands', () => {
  const c = new TestChain();
  const id = submit(c);
  const { deadline, submitHeight } = c.job(id);
  assert.equal(deadline, submitHeight + 3n);
  const blocks = c.until(id, ended);
  assert.equal(c.height, deadline);
  const job = c.job(id);
  assert.equal(job.status, JobStatus.Expired);
  assert.equal(job.outcome, 'no-solver');
  assert.equal(job.endHeight, deadline);
  assert.equal(job.solver, null);
  assert.deepEqual(blocks.at(-1)!.blockEvents, [{ kind: EventKind.JobRefund, address: c.submitter.address, counterparty: null, amount: 11_000n }]);
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE);
  assert.equal(c.state.activeJobs.length, 0);

  const late = submit(c);
  c.until(late, () => c.height + 1n === c.job(late).deadline);
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: late, daPeer: DA_PEER, daAddrs: [] })]);
  assert.equal(c.height, c.job(late).acceptHeight);
  assert.equal(c.job(late).status, JobStatus.Accepted, 'accepted in the deadline block, so the tick does not expire it');
});

test('no commit: the solver is slashed at seedHeight + commit; bounty and reward go back to the submitter', () => {
  const c = new TestChain();
  const supply = c.supply();
  const id = submit(c);
  acceptAndTrain(c, id);
  const { deadline, acceptHeight } = c.job(id);
  assert.equal(deadline, acceptHeight + 1n + 3n);
  const blocks = c.until(id, ended);
  const job = c.job(id);
  assert.deepEqual([job.status, job.outcome, job.endHeight], [JobStatus.Slashed, 'no-commit', deadline]);
  assert.deepEqual(blocks.at(-1)!.blockEvents.map((e) => [e.kind, e.amount]), [[EventKind.JobSlash, 5_000n], [EventKind.JobRefund, 11_000n]]);
  assert.equal(c.balanceNet(c.solver), BALANCE - FEE - 5_000n);
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE);
  assert.equal(c.supply(), supply - 5_000n);
});

test('no open: a commit at the deadline lands, then the solver is slashed when the open window closes', () => {
  const c = new TestChain();
  const id = submit(c);
  const work = acceptAndTrain(c, id);
  c.until(id, (j) => c.height + 1n === j.deadline);
  c.block([c.tx(c.solver, work.commit())]);
  assert.equal(c.job(id).status, JobStatus.Committed);
  assert.equal(c.job(id).challengeHeight, c.height + 2n);
  c.until(id, (j) => j.status === JobStatus.Challenged);
  const challenged = c.job(id);
  assert.equal(challenged.deadline, challenged.challengeHeight + 3n);
  c.until(id, ended);
  assert.deepEqual([c.job(id).status, c.job(id).outcome, c.job(id).endHeight], [JobStatus.Slashed, 'no-open', challenged.deadline]);
  assert.equal(c.balanceNet(c.solver), BALANCE - 2n * FEE - 5_000n);
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE);
});

test('no reveal: a partial reveal is not enough; the solver is slashed and the attesters get nothing', () => {
  const c = new TestChain();
  const id = submit(c);
  const work = acceptAndTrain(c, id);
  commitAndWaitChallenge(c, id, work);
  const job = openAndAttest(c, id, work, allMembers(c));
  assert.equal(job.deadline, c.height + 3n, 'the reveal window starts when the attest window closes');
  const items = work.revealItems(job);
  c.block([c.tx(c.solver, work.reveal(job, items.slice(0, -1)))]);
  assert.equal(c.job(id).status, JobStatus.Revealing);
  c.until(id, ended);
  const end = c.job(id);
  assert.deepEqual([end.status, end.outcome, end.endHeight], [JobStatus.Slashed, 'no-reveal', job.deadline]);
  for (const v of c.validators) assert.equal(c.balanceNet(v), allMembers(c)(job).includes(v) ? BALANCE - FEE : BALANCE, v.name);
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE);
  assert.equal(c.balanceNet(c.solver), BALANCE - 4n * FEE - 5_000n, 'accept, commit, open and one reveal fee; the bond is burned');
});

test('a reveal split over two transactions finalizes the job when the last part lands', () => {
  const c = new TestChain();
  const id = submit(c, terms());
  const work = acceptAndTrain(c, id);
  commitAndWaitChallenge(c, id, work);
  const job = openAndAttest(c, id, work, allMembers(c));
  const items = work.revealItems(job);
  c.block([c.tx(c.solver, work.reveal(job, items.slice(1)))]);
  assert.equal(c.job(id).status, JobStatus.Revealing);
  c.block([c.tx(c.solver, work.reveal(job, items.slice(0, 1)))]);
  assert.equal(c.job(id).status, JobStatus.Provisional);
  const last = c.until(id, ended).at(-1)!;
  assert.equal(c.job(id).status, JobStatus.Finalized);
  assert.deepEqual(c.job(id).reveals.map((r) => r.from), items.map((r) => r.from).sort((a, b) => a - b));
  assert.deepEqual(last.blockEvents.filter((e) => e.kind === EventKind.JobPayout).map((e) => e.amount), [terms().bounty], 'the bounty is paid once the last part lands');
});
