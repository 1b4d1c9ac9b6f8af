// Segment disputes of loss-committed jobs on the real vm with real training and the det referee
// (docs/disputes.md §3.3, docs/jobs.md §1.1): a challenger's list carries step claims after h_from,
// the solver answers with its loss leaf, and the referee's step counts as claim(h_{t+1}, loss_t), so a
// loss lie the committee's sample missed is disputable and slashed exactly like a wrong hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisputeStage, DisputeWinner, JobStatus, decodeTx, encodeTx, signTx } from '../index.ts';
import { createDetReferee, lossLeaves } from '../../ml-runtime/index.ts';
import { TestChain, BALANCE, CHAIN_ID, FEE } from '../../test/helpers/job-test-chain.ts';
import { hasEnded } from '../../test/helpers/job-flow.ts';
import { K, T, useDet } from '../../test/helpers/job-work.ts';
import { supplyState } from '../../test/helpers/dispute-work.ts';
import { lossJobToReveal, respondWithLoss, revealWithLoss, unsampledChain, watchClaims } from '../../test/helpers/loss-work.ts';
import { equalBytes } from '../../primitives/index.ts';

await useDet();
const referee = createDetReferee();
const BOND = 700n;

function chain(salt = ''): TestChain {
  return new TestChain(salt).withReferee(referee);
}

test('a loss lie in a segment the sample missed is caught by a segment dispute and the solver is slashed', () => {
  const { salt, X } = unsampledChain(chain, 'loss-seg');
  const t = X * K + 1;
  const c = chain(salt);
  const supply = c.supply();
  const { id, work, losses } = lossJobToReveal(c, chain, () => new Map([[t, 0.001]]));
  assert.ok(!c.job(id).segments.includes(X));
  c.block([c.tx(c.solver, revealWithLoss(c.job(id), work, losses))]);
  let job = c.job(id);
  assert.equal(job.status, JobStatus.Provisional);
  assert.equal(job.verdict, 'paid', 'the committee never replayed segment X');

  const w = watchClaims(job, work, X);
  assert.deepEqual(w.hashes, work.trace.stepHashes.slice(X * K, X * K + w.hashes.length), 'every hash of the solver is honest');
  c.block([c.tx(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: X, member: null, hashes: w.claim })]);
  job = c.job(id);
  assert.equal(job.disputes[0]!.stage, DisputeStage.Respond);

  const answer = respondWithLoss(job, work, losses, X);
  const { losses: _l, lossSiblings: _s, ...hashesOnly } = answer;
  assert.equal(c.rejection(c.solver, hashesOnly), 'DISPUTE_INVALID', 'a loss-committed job\'s segment answer needs its loss leaf');
  assert.equal(c.rejection(c.solver, { ...answer, losses: lossLeaves(work.trace.losses, T, K)[X]! }), 'JOB_PROOF_INVALID', 'a leaf other than the committed one');
  const raw = encodeTx(signTx({ chainId: CHAIN_ID, nonce: 0n, fee: FEE, payload: answer }, c.solver.seed));
  assert.equal(raw[1], 2, 'a respond with a loss leaf is tx version 2');
  assert.deepEqual(decodeTx(raw, 1 << 20).body.payload, answer);
  assert.equal(encodeTx(signTx({ chainId: CHAIN_ID, nonce: 0n, fee: FEE, payload: hashesOnly }, c.solver.seed))[1], 1, 'without one, the version-1 bytes of before');
  c.block([c.tx(c.solver, answer)]);
  job = c.job(id);
  const d = job.disputes[0]!;
  assert.equal(d.stage, DisputeStage.Referee);
  assert.equal(d.step, t, 'located at the step whose loss differs, though every hash agrees');
  assert.ok(equalBytes(d.agreed, work.trace.stepHashes[t]!), 'the agreed state is the plain h_t');

  supplyState(c, c.other, job, 0, work.stateAt(t));
  job = c.job(id);
  assert.equal(job.status, JobStatus.Slashed);
  assert.equal(job.outcome, 'fraud');
  assert.equal(job.disputes[0]!.winner, DisputeWinner.Other);
  assert.equal(job.disputes[0]!.reason, 'referee');
  assert.ok(equalBytes(job.disputes[0]!.refereeHash, w.claim[t - X * K + 1]!), 'the referee computed the watchtower\'s claim');
  // exactly as for a wrong hash (vm/jobs/disputes.test.ts): bond back and half the solver's stake
  assert.equal(c.balanceNet(c.other), BALANCE - 3n * FEE + 2_500n, 'open, state and batch fees; its bond back and half the solver\'s bond');
  assert.equal(c.balanceNet(c.solver), BALANCE - 5n * FEE - 5_000n, 'accept, commit, open, reveal, respond; its bond lost');
  assert.equal(c.balanceNet(c.submitter), BALANCE - FEE, 'bounty and reward come back');
  assert.equal(c.supply(), supply - 2_500n);
});

test('an honest loss-committing solver wins against a watchtower that lies about a loss', () => {
  const { salt, X } = unsampledChain(chain, 'loss-seg-honest');
  const t = X * K + 2;
  const c = chain(salt);
  const { id, work, losses } = lossJobToReveal(c, chain);
  c.block([c.tx(c.solver, revealWithLoss(c.job(id), work, losses))]);
  let job = c.job(id);
  assert.equal(job.verdict, 'paid');
  const w = watchClaims(job, work, X, new Map([[t, 0.5]]));
  c.block([c.tx(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: X, member: null, hashes: w.claim })]);
  c.block([c.tx(c.solver, respondWithLoss(c.job(id), work, losses, X))]);
  job = c.job(id);
  assert.equal(job.disputes[0]!.step, t, 'located at the loss the watchtower lied about');
  supplyState(c, c.solver, job, 0, work.stateAt(t));
  c.until(id, hasEnded);
  job = c.job(id);
  assert.equal(job.disputes[0]!.winner, DisputeWinner.Solver, 'the referee\'s loss_t is the solver\'s');
  assert.equal(job.status, JobStatus.Finalized);
  assert.equal(job.outcome, 'paid');
  // accept, commit, open, reveal, respond, state, batch: 7 fees
  assert.equal(c.balanceNet(c.solver), BALANCE - 7n * FEE + 10_000n + BOND, 'bounty, bond back, and the watchtower\'s bond');
  assert.equal(c.balanceNet(c.other), BALANCE - FEE - BOND);
});
