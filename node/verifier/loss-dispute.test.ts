// A committee member against a solver that lies about its losses (every hash honest, docs/jobs.md
// §1.1): the VerifierService over real libp2p and the real replay worker recomputes each step's loss,
// attests step claims that disagree with the committed curve, answers the solver's dispute with its
// preimage and puts state_t and the batch on chain; the chain's det referee recomputes loss_t and rules
// against the solver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DisputeKind, DisputeStage, DisputeWinner, disputeTermsFor, JobOutcome, JobStatus, memberSegments, segmentRange, UNAVAILABLE_DIGEST, type Job } from '../../vm/index.ts';
import { lossRoot } from '../../ml-runtime/index.ts';
import { createP2pHost } from '../p2p/index.ts';
import { DatasetRegistry, registerJobChunkServer, type SolverArtifacts } from '../jobs/index.ts';
import { lieAboutLoss } from '../solver/index.ts';
import { VerifierService } from './index.ts';
import { loadAttestationRecord } from './attestation-records.ts';
import { TestChain, CHAIN_ID, type Acct } from '../../test/helpers/job-test-chain.ts';
import { DATA, K, SPEC, SolverWork, T, terms, useDet } from '../../test/helpers/job-work.ts';
import { Outbox, installReferee, reveal, toAttesting } from '../../test/helpers/dispute-parties.ts';
import { claimDigest, replayClaims } from '../../test/helpers/loss-work.ts';
import { bytesToHex, equalBytes } from '../../primitives/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'polchain-loss-member-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TERMS = terms({
  q: 16, committeeSize: 5, windows: { accept: 3, commit: 5, challengeDelay: 2, open: 3, attest: 30, reveal: 4 },
  dispute: disputeTermsFor(SPEC, { window: 6, move: 4, bond: 700n, demandFee: 30n }),
});
const committeeOf = (c: TestChain, job: Job): Acct[] => c.validators.filter((v) => job.committee.some((m) => equalBytes(m.address, v.address)));

test('a solver that commits halved losses: the member\'s replay attests other claims, the referee recomputes loss_t and the solver is slashed', async (t) => {
  await useDet();
  const c = new TestChain('loss-member');
  const o = new Outbox(c);
  const ref = await installReferee(c);
  const host = await createP2pHost({ chainId: CHAIN_ID, listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 100, redialMs: 0 });
  const solverHost = await createP2pHost({ chainId: CHAIN_ID, listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 100, redialMs: 0 });
  t.after(() => host.stop());
  t.after(() => solverHost.stop());
  const served: { art?: SolverArtifacts } = {};
  await registerJobChunkServer(solverHost, () => served.art, { access: 'public' });
  const { id, art } = await toAttesting(c, o, {
    terms: TERMS, spec: SPEC, data: DATA, dir: join(tmp, 'solver'), hooks: [lieAboutLoss(0.5)], withLosses: true,
    daPeer: solverHost.peerId, daAddrs: solverHost.multiaddrs().filter((a) => a.startsWith('/ip4/127.0.0.1/')),
  });
  served.art = art;
  let job = c.job(id);
  const honest = new SolverWork(job);
  assert.deepEqual(art.commitment().traceRoot, honest.trace.traceRoot, 'every hash is the honest run\'s');
  assert.deepEqual(job.commitment!.lossRoot, lossRoot(honest.trace.losses.map((l) => Math.fround(l * 0.5)), T, K), 'the committed curve is halved');

  const v = committeeOf(c, job)[0]!;
  const workDir = join(tmp, 'member');
  const svc = new VerifierService({
    state: c.state, validatorAddress: v.address, validatorSeed: v.seed, host, logger: pino({ level: 'silent' }), datasets: new DatasetRegistry(), workDir,
    submit: (raw) => o.push(raw, v.address), nextNonce: (a) => o.nonce(a), isPending: (h) => o.pending(h),
    getTx: (h) => o.committed.get(bytesToHex(h)), blockIntervalMs: 100,
  });
  t.after(() => svc.stop());
  const run = async (done: () => boolean) => {
    for (let n = 0; !done(); n++) {
      assert.ok(n < 80, 'the chain did not reach the wanted state in time');
      svc.onBlock(o.block());
      await sleep(250);
    }
  };
  svc.start();
  await run(() => c.job(id).attestations.length > 0);
  const mine = c.job(id).attestations[0]!;
  assert.notDeepEqual(mine.digest, UNAVAILABLE_DIGEST);
  const claims = replayClaims(job, honest);
  assert.deepEqual(mine.digest, claimDigest(job, v.address, claims).digest, 'the member\'s replay recomputed the true losses');
  for (const m of committeeOf(c, job).filter((x) => x !== v)) o.send(m, { kind: 'job-attest', jobId: id, digest: claimDigest(job, m.address, claims).digest });
  o.block();
  while (c.job(id).status === JobStatus.Attesting) o.block();
  await reveal(c, o, id, art);
  o.block();
  assert.deepEqual([c.job(id).status, c.job(id).verdict], [JobStatus.Provisional, JobOutcome.Mismatch], 'the committed losses are not the replayed ones');

  o.send(c.solver, { kind: 'dispute-open', jobId: id, target: 'attestation', segment: 0, member: v.address, hashes: [] });
  o.block();
  await run(() => c.job(id).disputes[0]!.stage !== DisputeStage.Respond);
  job = c.job(id);
  const d = job.disputes[0]!;
  assert.equal(d.kind, DisputeKind.Attestation);
  assert.equal(d.stage, DisputeStage.Referee);
  const rec = (await loadAttestationRecord(workDir, id, 1))!;
  assert.deepEqual(d.claim, [rec.h0, ...rec.segmentHashes.flat()], 'the member\'s preimage: step claims');
  assert.equal(d.step, segmentRange(job, memberSegments(job, v.address)[0]!).from, 'every loss is halved: the first step of its first segment');
  await run(() => c.job(id).status !== JobStatus.Provisional);
  const end = c.job(id);
  assert.deepEqual([end.status, end.outcome], [JobStatus.Slashed, JobOutcome.Fraud]);
  assert.deepEqual([end.disputes[0]!.winner, end.disputes[0]!.reason], [DisputeWinner.Other, 'referee']);
  assert.equal(ref.calls.length, 2, 'the referee ran the step on the chain and its replica');
});
