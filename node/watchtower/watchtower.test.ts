// The watchtower against a real vm chain (TestChain: blocks built and re-applied in process), a real
// solver's artifacts served over real libp2p on 127.0.0.1, and replay on the det runtime in the
// worker thread. A solver that fakes a segment the sample missed (cheat fake-unsampled) gets a
// provisional "paid" verdict from its committee; the watchtower replays the unsampled segments,
// disputes the faked one, supplies state_t and the batch, and the referee slashes the solver.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalSpecJson, createDetReferee, createTrainer, decodeState, initialState, replaySegment, requiredOpenings, requiredRanges, runTraceSync,
  segmentBounds, stepHash,
} from '../../ml-runtime/index.ts';
import {
  attestationDigest, DisputeStage, DisputeWinner, EventKind, JobStatus, type Job, type JobTerms,
} from '../../vm/index.ts';
import { createP2pHost, type P2pHost } from '../p2p/index.ts';
import { SolverArtifacts, registerJobChunkServer } from '../jobs/index.ts';
import { cheatHooks, fakedSegment, fakedStepOf } from '../solver/index.ts';
import { Watchtower, fromVmJob, nextMoves, type WatchEvent } from './index.ts';
import { FEE, TestChain, type Acct } from '../../test/helpers/job-test-chain.ts';
import { DATA, K, SPEC, T, terms, useDet } from '../../test/helpers/job-work.ts';
import { TestWatchChain } from '../../test/helpers/watch-chain.ts';
import { equalBytes } from '../../primitives/index.ts';

const FAKE = { kind: 'fake-unsampled', segment: null } as const;
// A TestChain salt whose beacon samples one segment (q = 1) other than the faked one (segment 2 of 4)
// for the job these tests submit: the cheat then survives its committee, as it would by luck.
const LUCKY_SALT = 'watch-0';

async function mkHost(t: TestContext): Promise<P2pHost> {
  const h = await createP2pHost({ chainId: 'polchain-jobs-test', listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 100, redialMs: 0 });
  t.after(() => h.stop());
  return h;
}

const loopback = (h: P2pHost) => h.multiaddrs().find((m) => m.startsWith('/ip4/127.0.0.1/tcp/'))!;

interface Setup {
  c: TestChain;
  id: Uint8Array;
  art: SolverArtifacts;
  solverHost: P2pHost;
}

/**
 * Submit, accept (announcing the solver host), train (honestly or with a cheat) into artifacts on
 * disk, commit, open, attest with every committee member's real replay, reveal: the job ends up
 * provisional with the committee's verdict.
 */
async function provisionalJob(t: TestContext, o: { cheat?: typeof FAKE; salt?: string; terms?: Partial<JobTerms> } = {}): Promise<Setup> {
  await useDet();
  const c = new TestChain(o.salt ?? LUCKY_SALT);
  const dir = mkdtempSync(join(tmpdir(), 'polchain-watch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const solverHost = await mkHost(t);
  const id = c.block([c.tx(c.submitter, { kind: 'job-submit', terms: terms({ q: 1, ...o.terms }) })]).txHashes[0]!;
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: solverHost.peerId, daAddrs: [loopback(solverHost)] })]);
  c.until(id, (j) => j.status === JobStatus.Training);
  const seed = c.job(id).seed!;
  const w = SolverArtifacts.create(dir, { jobId: id, specJson: canonicalSpecJson(SPEC), datasetRoot: c.job(id).terms.datasetRoot, seed });
  runTraceSync(createTrainer(SPEC, DATA, seed), id, { sink: w, hooks: cheatHooks(SPEC, DATA, seed, o.cheat) });
  const art = await w.finish();
  await loadBytes(art);
  await registerJobChunkServer(solverHost, (jobId) => (equalBytes(jobId, id) ? art : undefined));
  c.block([c.tx(c.solver, { kind: 'trace-commit', jobId: id, ...art.commitment() })]);
  c.until(id, (j) => j.status === JobStatus.Challenged);
  const segments = c.job(id).segments;
  c.block([c.tx(c.solver, { kind: 'job-open', jobId: id, openings: art.openings(requiredOpenings(T, K, segments)) })]);
  const job = c.job(id);
  c.block(committeeOf(c, job).map((m) => c.tx(m, { kind: 'job-attest', jobId: id, digest: replayDigest(job, art, m.address) })));
  c.until(id, (j) => j.status === JobStatus.Revealing);
  c.block([c.tx(c.solver, { kind: 'job-reveal', jobId: id, items: await art.revealItems(requiredRanges(T, K, segments)) })]);
  assert.equal(c.job(id).status, JobStatus.Provisional, 'the reveal gives a provisional verdict');
  return { c, id, art, solverHost };
}

function committeeOf(c: TestChain, job: Job): Acct[] {
  return c.validators.filter((v) => job.committee.some((m) => equalBytes(m.address, v.address)));
}

/** A member's honest attestation: the sampled segments replayed from the solver's checkpoints. */
function replayDigest(job: Job, art: SolverArtifacts, member: Uint8Array): Uint8Array {
  const tr = createTrainer(SPEC, DATA, job.seed!);
  const s0 = initialState(tr);
  const segs = job.segments.map((j) => {
    const start = j === 0 ? s0 : decodeState(artBytes.get(art)![j]!, tr.layout);
    const { from, to } = segmentBounds(T, K, j);
    return replaySegment(SPEC, DATA, job.id, job.seed!, start, from, to).slice(1);
  });
  return attestationDigest(job.id, member, stepHash(job.id, s0), segs);
}
// checkpoint states read once per artifacts (the digest needs them synchronously)
const artBytes = new Map<SolverArtifacts, Uint8Array[]>();
async function loadBytes(art: SolverArtifacts): Promise<void> {
  const n = Math.ceil(T / K) + 1;
  artBytes.set(art, await Promise.all(Array.from({ length: n }, (_, i) => art.checkpointBytes(i))));
}

/** How many answers solverAnswers signed (each costs the solver one fee). */
let answersSent = 0;

/** The solver's answer to disputes against it: its committed segment hashes with their range proof. */
async function solverAnswers(c: TestChain, id: Uint8Array, art: SolverArtifacts): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const [i, d] of c.job(id).disputes.entries()) {
    if (d.stage !== DisputeStage.Respond) continue;
    const [item] = await art.revealItems([segmentBounds(T, K, d.segment)]);
    out.push(c.tx(c.solver, { kind: 'dispute-respond', jobId: id, dispute: i, hashes: item!.hashes, siblings: item!.siblings }));
    answersSent++;
  }
  return out;
}

test('a segment faked where the sample missed is caught by the watchtower, disputed, refereed, and the solver slashed', { timeout: 120_000 }, async (t) => {
  const { c, id, art } = await provisionalJob(t, { cheat: FAKE });
  const faked = fakedSegment(SPEC, null);
  const step = fakedStepOf(SPEC, null);
  assert.equal(faked, 2);
  assert.equal(step, 7, 'state_8 is state_7 carried over: the first wrong hash is h_8');
  assert.notDeepEqual(c.job(id).segments, [faked], 'precondition: the sample missed the faked segment');
  assert.equal(c.job(id).verdict, 'paid', 'the committee could not see the fake');

  // the chain's det referee (node.ts installs the same on every validator's state)
  c.state.referee = createDetReferee();
  c.replica.referee = createDetReferee();
  const wc = new TestWatchChain(c, c.other);
  const events: WatchEvent[] = [];
  const wt = new Watchtower({ chain: wc, host: await mkHost(t), fraction: 1, onEvent: (e) => events.push(e), statusIntervalMs: 0 });
  await wt.start({ loop: false });
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
  const unsampled = [0, 1, 2, 3].filter((j) => !job.segments.includes(j));
  const jobEvent = events.find((e) => e.type === 'job') as Extract<WatchEvent, { type: 'job' }>;
  assert.deepEqual(jobEvent.segments, unsampled);
  const checked = events.filter((e) => e.type === 'checked').map((e) => (e as Extract<WatchEvent, { type: 'checked' }>).check);
  assert.ok(checked.every((x) => unsampled.includes(x.segment)) && new Set(checked.map((x) => x.segment)).size === checked.length);
  assert.deepEqual(checked.filter((x) => x.verdict !== 'match').map((x) => x.segment), [faked]);
  assert.equal(wt.stats.segmentsReplayed, checked.length);
  assert.equal(wt.stats.stepsReplayed, checked.length * K);
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
  const { c, id, art } = await provisionalJob(t);
  const wc = new TestWatchChain(c, c.other);
  const wt = new Watchtower({ chain: wc, host: await mkHost(t), fraction: 0 });
  await wt.start({ loop: false });
  const job = await wc.job(id);
  const j = [0, 1, 2, 3].find((x) => !job!.segments.includes(x))!;
  const check = await wt.checkSegment(job!, j);
  assert.equal(check.verdict, 'match');
  assert.deepEqual(check.solverTrace, check.replayed, 'the replay is the committed trace');
  const solverBefore = c.balance(c.solver);
  const answersBefore = answersSent;
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
  const fees = BigInt(answersSent - answersBefore) * FEE;
  assert.equal(answersSent - answersBefore, 1);
  assert.equal(c.balance(c.solver) - solverBefore + fees, bond + job2.terms.bounty + job2.terms.solverStake);
});
