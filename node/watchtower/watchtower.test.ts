// The watchtower against a real vm chain (TestChain: blocks built and re-applied in process), a real
// solver's artifacts served over real libp2p on 127.0.0.1, and replay on the det runtime in the
// worker thread. A solver that fakes a segment the sample missed (cheat fake-unsampled) gets a
// provisional "paid" verdict from its committee; the watchtower replays the unsampled segments,
// disputes the faked one, supplies state_t and the batch, and the referee slashes the solver.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DisputeWinner, EventKind, JobStatus } from '../../vm/index.ts';
import { fakedSegment, fakedStepOf } from '../solver/index.ts';
import { Watchtower, fromVmJob, nextMoves, type WatchEvent } from './index.ts';
import { FEE } from '../../test/helpers/job-test-chain.ts';
import { TestWatchChain } from '../../test/helpers/watch-chain.ts';
import { FAKE, WIDE_SPEC, answers, mkHost, provisionalJob, startWatch, solverAnswers, unsampledSegment } from '../../test/helpers/watch-work.ts';
import { equalBytes } from '../../primitives/index.ts';

test('a segment faked where the sample missed is caught by the watchtower, disputed, refereed, and the solver slashed', { timeout: 120_000 }, async (t) => {
  const { c, id, art } = await provisionalJob(t, { cheat: FAKE, spec: WIDE_SPEC });
  const faked = fakedSegment(WIDE_SPEC, FAKE.segment);
  const step = fakedStepOf(WIDE_SPEC, FAKE.segment);
  assert.equal(faked, 2);
  assert.equal(step, 7, 'state_8 is state_7 carried over: the first wrong hash is h_8');
  assert.ok(!c.job(id).segments.includes(faked), 'precondition: the sample missed the faked segment');
  assert.equal(c.job(id).verdict, 'paid', 'the committee could not see the fake');

  const { wc, wt, events } = await startWatch(t, c);
  const before = c.balance(c.other);
  const stages: string[] = [];
  let blocks = 0;
  const shareEvents: bigint[] = [];
  while (c.job(id).status === JobStatus.Provisional) {
    assert.ok(blocks++ < 20, 'the dispute resolves within 20 blocks');
    await wt.poll();
    const job = c.job(id);
    const mine = job.disputes.findIndex((d) => equalBytes(d.by, c.other.address));
    if (mine >= 0) {
      // the challenger's state machine on the chain's real view, at every stage it passes through
      const view = fromVmJob(job);
      const moves = nextMoves(view, view.disputes[mine]!, c.other.address);
      stages.push(`${view.disputes[mine]!.stage}:${moves.map((m) => m.kind).join('+')}`);
    }
    const b = wc.block(await solverAnswers(c, id, art));
    for (const e of b.blockEvents) if (e.kind === EventKind.JobSlashShare && equalBytes(e.address, c.other.address)) shareEvents.push(e.amount);
  }
  await wt.poll(); // its next round sees the decision

  const job = c.job(id);
  assert.equal(job.status, JobStatus.Slashed);
  assert.equal(job.outcome, 'fraud');
  assert.equal(job.disputes.length, 1);
  const d = job.disputes[0]!;
  assert.equal(d.segment, faked);
  assert.equal(d.step, step, 'located at the faked step');
  assert.equal(d.reason, 'referee');
  assert.equal(d.winner, DisputeWinner.Other);
  assert.ok(equalBytes(d.refereeHash, d.otherNext), "the referee's h_8 is the watchtower's, not the solver's");
  // the stages it went through (after each round of its moves): its dispute on chain waiting for the
  // solver's answer, then located at step 7 with its state_7 and the batch already sent, then decided
  assert.deepEqual(stages, ['respond:wait', 'referee:supply-state+supply-samples'], stages.join(' '));

  // what it replayed: unsampled segments only (fraction 1 chose all of them), one per round, until
  // the job ended; the faked one among them, the others matching
  const unsampled = Array.from({ length: WIDE_SPEC.steps / WIDE_SPEC.checkpointInterval }, (_, j) => j).filter((j) => !job.segments.includes(j));
  const jobEvent = events.find((e) => e.type === 'job') as Extract<WatchEvent, { type: 'job' }>;
  assert.deepEqual(jobEvent.segments, unsampled);
  const checked = events.filter((e) => e.type === 'checked').map((e) => (e as Extract<WatchEvent, { type: 'checked' }>).check);
  assert.ok(checked.every((x) => unsampled.includes(x.segment)) && new Set(checked.map((x) => x.segment)).size === checked.length);
  assert.deepEqual(checked.filter((x) => x.verdict !== 'match').map((x) => x.segment), [faked]);
  assert.equal(wt.stats.segmentsReplayed, checked.length);
  assert.equal(wt.stats.stepsReplayed, checked.length * WIDE_SPEC.checkpointInterval);
  assert.equal(wt.stats.mismatches, 1);
  assert.equal(wt.stats.disputesOpened, 1);
  assert.equal(wt.stats.disputesWon, 1);
  assert.equal(wt.stats.disputesLost, 0);
  const bad = checked.find((x) => x.verdict === 'mismatch')!;
  assert.equal(bad.segment, faked);
  assert.equal(bad.firstDiff, step + 1, "the solver's trace (fetched and proven over DA) differs first at h_8");

  // money: half the solver's bond shared by the challenger (no member caught it), the dispute bond back
  const share = job.terms.solverStake / 2n;
  assert.deepEqual(shareEvents, [share]);
  const fees = BigInt(wc.sent.length);
  assert.equal(c.balance(c.other) - before, share - fees);
  await wt.statusNow();
  assert.equal(wt.stats.feesPaid, fees);
  const line = await wt.statusNow();
  assert.match(line, new RegExp(`disputes 1 opened, 1 won, 0 lost, 0 open; slash shares \\+${share}, bonds lost -0, fees -${fees}, net ${share - fees}`));
});

test('a false challenge (the honest segment disputed anyway) loses the bond to the solver and the job is paid', { timeout: 120_000 }, async (t) => {
  const { c, id, art } = await provisionalJob(t, { spec: WIDE_SPEC });
  const wc = new TestWatchChain(c, c.other);
  const wt = new Watchtower({ chain: wc, host: await mkHost(t), fraction: 0 });
  await wt.start({ loop: false });
  const job = await wc.job(id);
  const j = unsampledSegment(c.job(id));
  const check = await wt.checkSegment(job!, j);
  assert.equal(check.verdict, 'match');
  assert.deepEqual(check.solverTrace, check.replayed, 'the replay is the committed trace');
  const solverBefore = c.balance(c.solver);
  const answersBefore = answers.sent;
  const before = c.balance(c.other);
  const bond = c.job(id).terms.dispute.bond;
  const a = await wt.dispute(job!, j, check.replayed);
  for (let i = 0; !a.done; i++) {
    assert.ok(i < 10, 'decided within 10 blocks');
    wc.block(await solverAnswers(c, id, art));
    await wt.advanceDisputes();
  }
  assert.deepEqual(a.done, { won: false, reason: 'no-difference' });
  assert.equal(wt.stats.disputesLost, 1);
  assert.equal(wt.stats.bondsLost, bond);
  assert.equal(c.balance(c.other), before - bond - BigInt(wc.sent.length));
  // the honest solver keeps its job and gains the bond
  c.until(id, (x) => x.status !== JobStatus.Provisional);
  assert.equal(c.job(id).status, JobStatus.Finalized);
  const job2 = c.job(id);
  const fees = BigInt(answers.sent - answersBefore) * FEE;
  assert.equal(answers.sent - answersBefore, 1);
  assert.equal(c.balance(c.solver) - solverBefore + fees, bond + job2.terms.bounty + job2.terms.solverStake);
});

test('a solver that serves nothing: typed problems, retried with backoff, the segment given up; nothing sent, poll never throws', { timeout: 120_000 }, async (t) => {
  const { c, id, solverHost } = await provisionalJob(t, { spec: WIDE_SPEC });
  await solverHost.stop();
  const wc = new TestWatchChain(c, c.other);
  const events: WatchEvent[] = [];
  let clock = 0;
  // exactly three of the unsampled segments: ceil(2.5 / u · u) = 3 (the sample, so u, is the beacon's)
  const u = WIDE_SPEC.steps / WIDE_SPEC.checkpointInterval - c.job(id).segments.length;
  assert.ok(u >= 3, `precondition: at least three unsampled segments, got ${u}`);
  const wt = new Watchtower({ chain: wc, host: await mkHost(t), fraction: 2.5 / u, maxAttempts: 2, backoffMs: 1000, now: () => clock, onEvent: (e) => events.push(e) });
  await wt.start({ loop: false });
  const problems = () => events.filter((e): e is Extract<WatchEvent, { type: 'problem' }> => e.type === 'problem');
  await wt.poll();
  assert.equal(problems().length, 1);
  assert.equal(problems()[0]!.code, 'WATCH_DATA_UNAVAILABLE');
  assert.equal(problems()[0]!.jobId, `0x${Buffer.from(id).toString('hex')}`);
  assert.equal(problems()[0]!.retryInMs, 1000);
  // the failed segment waits for its backoff; the next round takes another segment
  await wt.poll();
  assert.equal(problems().length, 2);
  clock += 1000;
  await wt.poll(); // first segment, second attempt: given up (maxAttempts 2)
  assert.equal(problems().length, 3);
  assert.equal(problems()[2]!.retryInMs, 2000, 'the delay doubles');
  await wt.poll(); // second segment, second attempt
  await wt.poll(); // third segment, first attempt
  clock += 2000;
  await wt.poll(); // third segment, given up: the job is done with
  assert.equal(wt.stats.errors, 6);
  assert.equal(wt.stats.jobsChecked, 1);
  assert.equal(wt.stats.segmentsReplayed, 0);
  await wt.poll();
  assert.equal(wt.stats.errors, 6, 'a job given up on is not taken again');
  assert.equal(wc.sent.length, 0, 'no replay, no dispute, nothing spent');
  assert.ok(problems().every((p) => p.code === 'WATCH_DATA_UNAVAILABLE' && /DA_UNREACHABLE: cannot connect to DA peer/.test(p.message)), problems().map((p) => p.message).join('\n'));
});
