// A job in its dispute window for watchtower tests: a real solver's run (honest or with a cheat)
// recorded as artifacts on disk and served over real libp2p, committed, opened, attested by every
// committee member's real replay and revealed on a TestChain. Also the solver's answer to disputes.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalSpecJson, createTrainer, decodeState, initialState, replaySegment, requiredOpenings, requiredRanges, runTraceSync, segmentBounds, stepHash,
} from '../../ml-runtime/index.ts';
import { attestationDigest, memberSegments, DisputeStage, JobStatus, type Job, type JobTerms } from '../../vm/index.ts';
import { createP2pHost, type P2pHost } from '../../node/p2p/index.ts';
import { SolverArtifacts, daFactsOfJob, registerJobChunkServer, type ChunkAccess } from '../../node/jobs/index.ts';
import { cheatHooks } from '../../node/solver/index.ts';
import { TestChain, type Acct } from './job-test-chain.ts';
import { DATA, K, SPEC, T, terms, useDet } from './job-work.ts';
import { equalBytes } from '../../primitives/index.ts';

export const FAKE = { kind: 'fake-unsampled', segment: null } as const;
// A TestChain salt whose beacon samples one segment (q = 1) other than the faked one (segment 2 of 4)
// for the job these tests submit: the cheat then survives its committee, as it would by luck.
export const LUCKY_SALT = 'watch-0';

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
}

/**
 * Submit, accept (announcing the solver host), train (honestly or with a cheat) into artifacts on
 * disk, commit, open, attest with every committee member's real replay, reveal: the job ends up
 * provisional with the committee's verdict.
 */
export async function provisionalJob(t: TestContext, o: { cheat?: typeof FAKE; salt?: string; terms?: Partial<JobTerms>; access?: 'public' | 'chain' } = {}): Promise<Setup> {
  await useDet();
  const c = new TestChain(o.salt ?? LUCKY_SALT);
  const dir = mkdtempSync(join(tmpdir(), 'polchain-watch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const solverHost = await mkHost(t);
  const id = c.block([c.tx(c.submitter, { kind: 'job-submit', terms: terms({ q: 1, solverStake: 10_000n, ...o.terms }) /* q = 1: the stake floor ceil(bounty / q) is the whole bounty */ })]).txHashes[0]!;
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: solverHost.peerId, daAddrs: [loopback(solverHost)] })]);
  c.until(id, (j) => j.status === JobStatus.Training);
  const seed = c.job(id).seed!;
  const w = SolverArtifacts.create(dir, { jobId: id, specJson: canonicalSpecJson(SPEC), datasetRoot: c.job(id).terms.datasetRoot, seed });
  runTraceSync(createTrainer(SPEC, DATA, seed), id, { sink: w, hooks: cheatHooks(SPEC, DATA, seed, o.cheat) });
  const art = await w.finish();
  await loadBytes(art);
  // 'chain': the solver's access rule over the TestChain's state, as a real solver's over its node's
  const access: ChunkAccess = o.access === 'chain' ? { facts: (jobId) => { const j = c.state.getJob(jobId); return j && daFactsOfJob(j, c.height); } } : 'public';
  await registerJobChunkServer(solverHost, (jobId) => (equalBytes(jobId, id) ? art : undefined), { access });
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

export function committeeOf(c: TestChain, job: Job): Acct[] {
  return c.validators.filter((v) => job.committee.some((m) => equalBytes(m.address, v.address)));
}

/** A member's honest attestation: the sampled segments replayed from the solver's checkpoints. */
function replayDigest(job: Job, art: SolverArtifacts, member: Uint8Array): Uint8Array {
  const tr = createTrainer(SPEC, DATA, job.seed!);
  const s0 = initialState(tr);
  const segs = memberSegments(job, member).map((j) => {
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
export const answers = { sent: 0 };

/** The solver's answer to disputes against it: its committed segment hashes with their range proof. */
export async function solverAnswers(c: TestChain, id: Uint8Array, art: SolverArtifacts): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const [i, d] of c.job(id).disputes.entries()) {
    if (d.stage !== DisputeStage.Respond) continue;
    const [item] = await art.revealItems([segmentBounds(T, K, d.segment)]);
    out.push(c.tx(c.solver, { kind: 'dispute-respond', jobId: id, dispute: i, hashes: item!.hashes, siblings: item!.siblings }));
    answers.sent++;
  }
  return out;
}
