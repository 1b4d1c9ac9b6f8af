// A job in its dispute window for watchtower tests: a real solver's run (honest or with a cheat)
// recorded as artifacts on disk and served over real libp2p, committed, opened, attested by every
// committee member's real replay of its own segments and revealed on a TestChain. Also the solver's
// answer to disputes.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalSpecJson, checkpointCount, createDetReferee, createTrainer, decodeState, initialState, lossBits, replaySegment, requiredOpenings, requiredRanges, runTraceSync, segmentBounds, segmentClaims, segmentCount, stepHash, validateSpec, type ModelSpec,
} from '../../ml-runtime/index.ts';
import { attestationDigest, disputeTermsFor, jobSpec, memberSegments, DisputeStage, JobStatus, type Job, type JobTerms } from '../../vm/index.ts';
import { createP2pHost, type P2pHost } from '../../node/p2p/index.ts';
import { SolverArtifacts, daFactsOfJob, registerJobChunkServer, type ChunkAccess } from '../../node/jobs/index.ts';
import { cheatHooks, fakedSegment, type CheatMode } from '../../node/solver/index.ts';
import { Watchtower, type WatchEvent } from '../../node/watchtower/index.ts';
import { TestWatchChain } from './watch-chain.ts';
import { TestChain, type Acct } from './job-test-chain.ts';
import { DATA, SPEC, specBytes, terms, useDet } from './job-work.ts';
import { concatBytes, equalBytes } from '../../primitives/index.ts';

/**
 * SPEC trained for T = 60 steps (k = 3): 20 segments, so that q = 16 draws with replacement leave some
 * unsampled (each with probability (19/20)^16 ≈ 0.44) for a watchtower to replay. Segment j holds
 * steps 3j..3j+3 as in SPEC.
 */
export const WIDE_SPEC: ModelSpec = validateSpec({ ...SPEC, steps: 60 });

/** A solver that skips the update of step 7 (in segment 2) and commits to the result, hoping the sample misses segment 2. */
export const FAKE = { kind: 'fake-unsampled', segment: 2 } as const;

/** A solver that trains honestly but commits segment 2's losses halved (every hash right), hoping the sample misses segment 2. */
export const LIE_LOSS = { kind: 'lie-loss', factor: 0.5, segment: 2 } as const;

type WatchCheat = typeof FAKE | typeof LIE_LOSS;
/** The segment a cheat's lie lies in. */
export const cheatSegment = (spec: ModelSpec, c: WatchCheat): number => (c.kind === 'fake-unsampled' ? fakedSegment(spec, c.segment) : c.segment);

/** The watch job's terms for `spec`: the floors of q, committee and reward met (terms()), a stake far above ceil(bounty / q). */
export function watchTerms(spec: ModelSpec, over: Partial<JobTerms> = {}): JobTerms {
  // solverStake 10,000 (ceil(10,000 / 16) = 625 is the floor): a slash share of 5,000
  return terms({ spec: specBytes(spec), dispute: disputeTermsFor(spec, { window: 2, move: 3, bond: 700n, demandFee: 30n }), solverStake: 10_000n, ...over });
}

/** The first segment > 0 of `job`, not in `except`, that its sample missed (what a watchtower, or a false challenger, can take up). */
export function unsampledSegment(job: Job, except: readonly number[] = []): number {
  const { steps, checkpointInterval } = jobSpec(job.terms);
  const n = segmentCount(steps, checkpointInterval);
  const j = Array.from({ length: n }, (_, i) => i).find((i) => i > 0 && !job.segments.includes(i) && !except.includes(i));
  assert.ok(j !== undefined, `precondition: the sample ${JSON.stringify(job.segments)} of ${n} segments missed one > 0 other than ${JSON.stringify(except)}`);
  return j;
}

export async function mkHost(t: TestContext): Promise<P2pHost> {
  const h = await createP2pHost({ chainId: 'polchain-jobs-test', listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 100, redialMs: 0 });
  t.after(() => h.stop());
  return h;
}

export const loopback = (h: P2pHost) => h.multiaddrs().find((m) => m.startsWith('/ip4/127.0.0.1/tcp/'))!;

export interface Setup {
  c: TestChain;
  id: Uint8Array;
  art: SolverArtifacts;
  solverHost: P2pHost;
  /** the job's spec (SPEC unless the test asked for another) */
  spec: ModelSpec;
}

/**
 * Submit, accept (announcing the solver host), train (honestly or with a cheat) into artifacts on
 * disk, commit, open, attest with every committee member's real replay, reveal: the job ends up
 * provisional with the committee's verdict.
 *
 * A cheat must survive its committee, as it would by luck: the sample is drawn after the commit, so
 * the run is tried on TestChain salts watch-0, watch-1, ... (each a different beacon) until the
 * sample misses the faked segment; without a cheat the salt is `o.salt` or watch-0.
 */
export async function provisionalJob(t: TestContext, o: { cheat?: WatchCheat; losses?: boolean; salt?: string; spec?: ModelSpec; terms?: Partial<JobTerms>; access?: 'public' | 'chain' } = {}): Promise<Setup> {
  await useDet();
  const spec = o.spec ?? SPEC;
  const dir = mkdtempSync(join(tmpdir(), 'polchain-watch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const solverHost = await mkHost(t);
  let run: Awaited<ReturnType<typeof committed>> | undefined;
  for (let i = 0; !run; i++) {
    assert.ok(i < 20, 'a salt whose sample misses the faked segment within 20 tries');
    const tried = await committed(o.salt ?? `watch-${i}`, join(dir, String(i)), spec, solverHost, o);
    if (!o.cheat || !tried.c.job(tried.id).segments.includes(cheatSegment(spec, o.cheat))) run = tried;
    else assert.equal(o.salt, undefined, `the sample of salt ${o.salt} hits the faked segment`);
  }
  const { c, id, art } = run;
  // 'chain': the solver's access rule over the TestChain's state, as a real solver's over its node's
  const access: ChunkAccess = o.access === 'chain' ? { facts: (jobId) => { const j = c.state.getJob(jobId); return j && daFactsOfJob(j, c.height); } } : 'public';
  await registerJobChunkServer(solverHost, (jobId) => (equalBytes(jobId, id) ? art : undefined), { access });
  const segments = c.job(id).segments;
  c.block([c.tx(c.solver, { kind: 'job-open', jobId: id, openings: art.openings(requiredOpenings(spec.steps, spec.checkpointInterval, segments)) })]);
  const job = c.job(id);
  c.block(committeeOf(c, job).map((m) => c.tx(m, { kind: 'job-attest', jobId: id, digest: replayDigest(spec, job, art, m.address) })));
  c.until(id, (j) => j.status === JobStatus.Revealing);
  c.block([c.tx(c.solver, { kind: 'job-reveal', jobId: id, items: await art.revealItems(requiredRanges(spec.steps, spec.checkpointInterval, segments)) })]);
  assert.equal(c.job(id).status, JobStatus.Provisional, 'the reveal gives a provisional verdict');
  return { c, id, art, solverHost, spec };
}

/** A job on a fresh TestChain with `salt`, submitted, accepted, trained into artifacts in `dir` and committed: its sample drawn. */
async function committed(salt: string, dir: string, spec: ModelSpec, solverHost: P2pHost, o: { cheat?: WatchCheat; losses?: boolean; terms?: Partial<JobTerms> }) {
  const c = new TestChain(salt);
  const id = c.block([c.tx(c.submitter, { kind: 'job-submit', terms: watchTerms(spec, o.terms) })]).txHashes[0]!;
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: solverHost.peerId, daAddrs: [loopback(solverHost)] })]);
  c.until(id, (j) => j.status === JobStatus.Training);
  const seed = c.job(id).seed!;
  const w = SolverArtifacts.create(dir, { jobId: id, specJson: canonicalSpecJson(spec), datasetRoot: c.job(id).terms.datasetRoot, seed });
  const run = runTraceSync(createTrainer(spec, DATA, seed), id, { sink: w, hooks: cheatHooks(spec, DATA, seed, o.cheat as CheatMode | undefined) });
  // a loss-committing solver (docs/jobs.md §1.1): its record commits the losses it reports
  if (o.losses || o.cheat?.kind === 'lie-loss') w.setLosses(run.losses);
  const art = await w.finish();
  await loadBytes(spec, art);
  c.block([c.tx(c.solver, { kind: 'trace-commit', jobId: id, ...art.commitment() })]);
  c.until(id, (j) => j.status === JobStatus.Challenged);
  return { c, id, art };
}

export function committeeOf(c: TestChain, job: Job): Acct[] {
  return c.validators.filter((v) => job.committee.some((m) => equalBytes(m.address, v.address)));
}

/** A member's honest attestation: its own segments (memberSegments) replayed from the solver's checkpoints (step claims for a loss-committed job). */
function replayDigest(spec: ModelSpec, job: Job, art: SolverArtifacts, member: Uint8Array): Uint8Array {
  const tr = createTrainer(spec, DATA, job.seed!);
  const s0 = initialState(tr);
  const segs = memberSegments(job, member).map((j) => {
    const start = j === 0 ? s0 : decodeState(artBytes.get(art)![j]!, tr.layout);
    const { from, to } = segmentBounds(spec.steps, spec.checkpointInterval, j);
    const bits: Uint8Array[] = [];
    const hs = replaySegment(spec, DATA, job.id, job.seed!, start, from, to, (_t, loss) => { bits.push(lossBits(loss)); }).slice(1);
    return art.lossRoot ? segmentClaims(hs, concatBytes(...bits)) : hs;
  });
  return attestationDigest(job.id, member, stepHash(job.id, s0), segs);
}
// checkpoint states read once per artifacts (the digest needs them synchronously)
const artBytes = new Map<SolverArtifacts, Uint8Array[]>();
async function loadBytes(spec: ModelSpec, art: SolverArtifacts): Promise<void> {
  const n = checkpointCount(spec.steps, spec.checkpointInterval);
  artBytes.set(art, await Promise.all(Array.from({ length: n }, (_, i) => art.checkpointBytes(i))));
}

/** How many answers solverAnswers signed (each costs the solver one fee). */
export const answers = { sent: 0 };

/** The solver's answer to disputes against it: its committed segment hashes with their range proof (and its loss leaf, for a loss-committed job). */
export async function solverAnswers(c: TestChain, id: Uint8Array, art: SolverArtifacts): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const [i, d] of c.job(id).disputes.entries()) {
    if (d.stage !== DisputeStage.Respond) continue;
    const { steps, checkpointInterval } = jobSpec(c.job(id).terms);
    const [item] = await art.revealItems([segmentBounds(steps, checkpointInterval, d.segment)]);
    const loss = item!.losses?.length ? { losses: item!.losses, lossSiblings: item!.lossSiblings ?? [] } : {};
    out.push(c.tx(c.solver, { kind: 'dispute-respond', jobId: id, dispute: i, hashes: item!.hashes, siblings: item!.siblings, ...loss }));
    answers.sent++;
  }
  return out;
}

/**
 * A watchtower for `c.other` that replays every unsampled segment, on the chain with the det referee
 * installed (node.ts installs the same on every validator's state), started without its loop; its
 * events are collected in `events`.
 */
export async function startWatch(t: TestContext, c: TestChain): Promise<{ wc: TestWatchChain; wt: Watchtower; events: WatchEvent[] }> {
  c.withReferee(createDetReferee());
  const wc = new TestWatchChain(c, c.other);
  const events: WatchEvent[] = [];
  const wt = new Watchtower({ chain: wc, host: await mkHost(t), fraction: 1, onEvent: (e) => events.push(e), statusIntervalMs: 0 });
  await wt.start({ loop: false });
  return { wc, wt, events };
}
