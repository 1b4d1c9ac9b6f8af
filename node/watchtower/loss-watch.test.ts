// The watchtower against loss lies (docs/jobs.md §1.1, docs/disputes.md §3.3): a real solver's run with
// a committed loss curve served over real libp2p, a real vm chain with the det referee, replay in the
// worker thread. A solver whose hashes are all right but whose committed losses of an unsampled
// segment are halved (cheat lie-loss:0.5:2) passes its committee; the watchtower recomputes the
// losses, disputes with step claims, and the referee slashes the solver. A watchtower that lies about
// a loss loses its bond to the honest solver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetReferee, lossBits, lossesOfBits, stepClaim } from '../../ml-runtime/index.ts';
import { DisputeWinner, EventKind, JobStatus } from '../../vm/index.ts';
import { Watchtower, formatEvent, type WatchEvent } from './index.ts';
import { FEE } from '../../test/helpers/job-test-chain.ts';
import { TestWatchChain } from '../../test/helpers/watch-chain.ts';
import { LIE_LOSS, WIDE_SPEC, answers, mkHost, provisionalJob, startWatch, solverAnswers, unsampledSegment } from '../../test/helpers/watch-work.ts';
import { equalBytes } from '../../primitives/index.ts';

test('losses lied about where the sample missed are caught by the watchtower, disputed with step claims, refereed, and the solver slashed', { timeout: 120_000 }, async (t) => {
  const { c, id, art } = await provisionalJob(t, { cheat: LIE_LOSS, spec: WIDE_SPEC });
  assert.ok(art.lossRoot, 'the solver committed a loss root');
  assert.ok(!c.job(id).segments.includes(LIE_LOSS.segment), 'precondition: the sample missed the lying segment');
  assert.equal(c.job(id).verdict, 'paid', 'the committee could not see the lie');
  const { wc, wt, events } = await startWatch(t, c);
  const before = c.balance(c.other);
  const shares: bigint[] = [];
  for (let blocks = 0; c.job(id).status === JobStatus.Provisional; blocks++) {
    assert.ok(blocks < 20, 'the dispute resolves within 20 blocks');
    await wt.poll();
    const b = wc.block(await solverAnswers(c, id, art));
    for (const e of b.blockEvents) if (e.kind === EventKind.JobSlashShare && equalBytes(e.address, c.other.address)) shares.push(e.amount);
  }
  await wt.poll();

  const from = LIE_LOSS.segment * WIDE_SPEC.checkpointInterval;
  const checked = events.filter((e) => e.type === 'checked').map((e) => (e as Extract<WatchEvent, { type: 'checked' }>).check);
  assert.deepEqual(checked.filter((x) => x.verdict !== 'match').map((x) => x.segment), [LIE_LOSS.segment]);
  const bad = checked.find((x) => x.verdict === 'mismatch')!;
  assert.deepEqual(bad.solverTrace, bad.replayed, 'every hash of the solver is right');
  const mine = lossesOfBits(bad.replayedLosses!);
  assert.deepEqual(lossesOfBits(bad.solverLosses!), mine.map((l) => Math.fround(l * 0.5)), 'the committed losses are the replay\'s halved');
  assert.equal(bad.firstDiff, from + 1, 'the first differing step claim is claim_{from+1}');
  assert.equal(formatEvent({ type: 'checked', jobId: '0xab', check: bad }),
    `job ab… segment ${LIE_LOSS.segment} (steps ${from}..${from + 3}): MISMATCH from step ${from + 1}: every hash matches, but the loss of step ${from} is ${mine[0]} in the replay and ${Math.fround(mine[0]! * 0.5)} committed`);

  const job = c.job(id);
  assert.equal(job.status, JobStatus.Slashed);
  assert.equal(job.outcome, 'fraud');
  assert.equal(job.disputes.length, 1);
  const d = job.disputes[0]!;
  assert.equal(d.segment, LIE_LOSS.segment);
  assert.equal(d.step, from, 'located at the first step whose loss was lied about');
  assert.equal(d.reason, 'referee');
  assert.equal(d.winner, DisputeWinner.Other);
  assert.ok(equalBytes(d.refereeHash, d.otherNext) && equalBytes(d.otherNext, bad.claim[1]!), 'the referee\'s claim_{t+1} is the watchtower\'s');
  assert.equal(wt.stats.disputesWon, 1);
  // money exactly as for a faked hash (watchtower.test.ts): half the solver's bond, the dispute bond back
  const share = job.terms.solverStake / 2n;
  assert.deepEqual(shares, [share]);
  assert.equal(c.balance(c.other) - before, share - BigInt(wc.sent.length));
});

test('a watchtower that lies about a loss of an honest loss-committing solver loses its bond at the referee', { timeout: 120_000 }, async (t) => {
  const { c, id, art } = await provisionalJob(t, { losses: true, spec: WIDE_SPEC });
  assert.ok(art.lossRoot);
  c.withReferee(createDetReferee());
  const wc = new TestWatchChain(c, c.other);
  const wt = new Watchtower({ chain: wc, host: await mkHost(t), fraction: 0 });
  await wt.start({ loop: false });
  const job = (await wc.job(id))!;
  assert.ok(job.commitment?.lossRoot && equalBytes(job.commitment.lossRoot, art.lossRoot), 'the watch view carries the loss root');
  const j = unsampledSegment(c.job(id));
  const check = await wt.checkSegment(job, j);
  assert.equal(check.verdict, 'match', 'hashes and losses both reproduce');
  // the lie: claim_{from+2} bound to twice the loss the replay computed
  const lie = [...check.claim];
  lie[2] = stepClaim(check.replayed[2]!, lossBits(lossesOfBits(check.replayedLosses!)[1]! * 2));
  const solverBefore = c.balance(c.solver);
  const answersBefore = answers.sent;
  const before = c.balance(c.other);
  const bond = c.job(id).terms.dispute.bond;
  const a = await wt.dispute(job, j, lie);
  for (let i = 0; !a.done; i++) {
    assert.ok(i < 12, 'decided within 12 blocks');
    wc.block(await solverAnswers(c, id, art));
    await wt.advanceDisputes();
  }
  const d = c.job(id).disputes[0]!;
  assert.equal(d.step, j * WIDE_SPEC.checkpointInterval + 1, 'located at the loss the watchtower lied about');
  assert.deepEqual(a.done, { won: false, reason: 'referee' });
  assert.equal(d.winner, DisputeWinner.Solver);
  assert.equal(wt.stats.disputesLost, 1);
  assert.equal(c.balance(c.other), before - bond - BigInt(wc.sent.length));
  c.until(id, (x) => x.status !== JobStatus.Provisional);
  const end = c.job(id);
  assert.equal(end.status, JobStatus.Finalized);
  assert.equal(answers.sent - answersBefore, 1);
  assert.equal(c.balance(c.solver) - solverBefore + FEE, bond + end.terms.bounty + end.terms.solverStake, 'bounty, bond back and the watchtower\'s bond; one answer\'s fee');
});
