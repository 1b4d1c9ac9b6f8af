// Detection statistics of segment sampling (DESIGN.md §3: a solver that fakes a fraction f of the
// segments escapes with probability (1 - f)^q). 200 cheating jobs and 40 honest ones run through the
// real vm job lifecycle on one chain (each with its own job id, seed and challenge beacon); the
// cheater fakes exactly round(f·n) of n = 30 segments, a committee of 5 seats drawn from 4 validators
// really replays the sampled segments split among its seats (each sampled segment by one seat, r = 1),
// and the chain's verdict is counted. The observed detection count must be
// consistent with p = 1 - (1 - 0.1)^30 = 0.9576 (exact 99% Clopper-Pearson interval), and no honest
// job may ever be flagged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { JobStatus, JobOutcome, JOB_FLOORS, memberSegments, sampleSegments, termFloors } from '../vm/index.ts';
import { parseSpec, validateSpec, loadDataset, selectBackend } from '../ml-runtime/index.ts';
import { JobSim, Solver, plan, Prng, expectedDigest, SIM_WINDOWS, type JobPlan } from './helpers/job-sim/index.ts';
import { equalBytes } from '../primitives/index.ts';

await selectBackend('det');

import { acceptanceRegion, binomCdf, binomSf, clopperPearson } from './helpers/binomial.ts';

test('the binomial statistics match published values', () => {
  // Clopper-Pearson 95%: 0/10 -> [0, 0.3085]; 5/10 -> [0.1871, 0.8129]; 10/10 -> [0.6915, 1]
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 5e-4, `${a} vs ${b}`);
  let [l, u] = clopperPearson(0, 10, 0.95); near(l, 0); near(u, 0.3085);
  [l, u] = clopperPearson(5, 10, 0.95); near(l, 0.1871); near(u, 0.8129);
  [l, u] = clopperPearson(10, 10, 0.95); near(l, 0.6915); near(u, 1);
  // 99%: 190/200 -> [0.8960, 0.9812] (beta quantiles, as R binom.test(190, 200, conf.level = 0.99))
  [l, u] = clopperPearson(190, 200, 0.99); near(l, 0.8960); near(u, 0.9812);
  near(binomCdf(3, 10, 0.5), 176 / 1024);
  near(binomSf(8, 10, 0.5), 56 / 1024);
  const [lo, hi] = acceptanceRegion(200, 0.9576, 0.99);
  assert.ok(binomCdf(lo - 1, 200, 0.9576) <= 0.005 && binomCdf(lo, 200, 0.9576) > 0.005);
  assert.ok(binomSf(hi + 1, 200, 0.9576) <= 0.005 && binomSf(hi, 200, 0.9576) > 0.005);
});

// ---------------------------------------------------------------------------------------------

const F = 0.1;
const Q = 30;
const SEATS = JOB_FLOORS.minCommitteeSize;
const K = 2;
const N_SEG = 30;
const T = N_SEG * K;
const CHEATS = 200;
const HONEST = 40;

test(`detection rate over ${CHEATS} cheating jobs (f = ${F}, q = ${Q}, n = ${N_SEG}) matches 1-(1-f)^q; ${HONEST} honest jobs are never flagged`, async (t) => {
  const base = parseSpec(readFileSync(new URL('../ml-runtime/specs/regression.json', import.meta.url), 'utf8'));
  const spec = validateSpec({ ...base, steps: T, checkpointInterval: K, batchSize: 8 });
  const ds = loadDataset('synthetic-regression').train;
  const sim = new JobSim({ salt: 'detection-stats', replica: false });
  // a long accept window: solvers take the jobs 10 per block, so seeds and challenges come from ~24 different beacons
  const floors = termFloors(spec, { q: Q, committeeSize: SEATS, bounty: 1_000n });
  const terms = sim.terms(spec, ds, { q: Q, committeeSize: SEATS, bounty: 1_000n, solverStake: floors.solverStake, attestReward: floors.attestReward, windows: { ...SIM_WINDOWS, accept: 100 } });
  const subs = Array.from({ length: CHEATS + HONEST }, () => sim.submitTx(terms));
  sim.next(subs.map((s) => s.tx));
  const cheater = new Solver(sim.solvers[1]!);
  const honest = new Solver(sim.solvers[0]!);
  const fakedCount = Math.round(F * N_SEG);
  const cheats: Array<{ p: JobPlan; faked: number[] }> = subs.slice(0, CHEATS).map((s, i) => {
    const faked = new Prng(s.jobId).choose(fakedCount, N_SEG);
    return { p: plan(s.jobId, cheater, { kind: 'skip', segments: faked }, { notBefore: BigInt(1 + Math.floor(i / 10)) }), faked };
  });
  const honests = subs.slice(CHEATS).map((s, i) => plan(s.jobId, honest, { kind: 'honest' }, { notBefore: BigInt(1 + Math.floor(i / 2)) }));
  await sim.drive([...cheats.map((c) => c.p), ...honests]);

  // every job's challenge is the vm's documented draw from the beacon before the challenge height
  // (the parent beacon of block D = challengeHeight, which nothing in block D can change)
  const drawBeacon = (h: bigint) => sim.beacons.get(h - 1n)!;
  let distinctSum = 0;
  for (const p of [...cheats.map((c) => c.p), ...honests]) {
    const job = sim.job(p.jobId);
    assert.deepEqual(job.segments, sampleSegments(job.id, drawBeacon(job.challengeHeight), Q, N_SEG));
    assert.equal(job.seats.length, SEATS);
    distinctSum += job.segments.length;
  }
  const beacons = new Set(cheats.map((c) => Buffer.from(drawBeacon(sim.job(c.p.jobId).challengeHeight)).toString('hex')));
  assert.ok(beacons.size >= 20, `challenges drawn from ${beacons.size} beacons`);

  // verdicts: slashed exactly when a faked segment was sampled, and then only because replay differed:
  // each member's digest disagrees exactly when one of its own segments is faked
  let detected = 0;
  for (const { p, faked } of cheats) {
    const job = sim.job(p.jobId);
    assert.equal(cheater.run(job.id).faked.length, fakedCount);
    const sampledFake = job.segments.some((j) => faked.includes(j));
    assert.equal(job.status, sampledFake ? JobStatus.Slashed : JobStatus.Finalized);
    assert.equal(job.outcome, sampledFake ? JobOutcome.Mismatch : JobOutcome.Paid);
    assert.equal(job.attestations.length, job.committee.length, 'every member replayed and attested');
    for (const a of job.attestations) {
      const mine = memberSegments(job, a.address);
      assert.ok(mine.length > 0);
      assert.equal(equalBytes(a.digest, expectedDigest(cheater.run(job.id), job, a.address)), !mine.some((j) => faked.includes(j)));
    }
    if (sampledFake) detected++;
  }
  for (const p of honests) {
    const job = sim.job(p.jobId);
    assert.equal(job.status, JobStatus.Finalized, 'an honest job is never flagged');
    assert.equal(job.outcome, JobOutcome.Paid);
  }

  const p = 1 - (1 - F) ** Q;
  const [lo, hi] = clopperPearson(detected, CHEATS, 0.99);
  const [alo, ahi] = acceptanceRegion(CHEATS, p, 0.99);
  const rate = detected / CHEATS;
  t.diagnostic(`detected ${detected}/${CHEATS} = ${rate.toFixed(4)}; expected p = ${p.toFixed(4)}; 99% Clopper-Pearson [${lo.toFixed(4)}, ${hi.toFixed(4)}]; 99% acceptance region of Bin(${CHEATS}, p): [${alo}, ${ahi}]`);
  assert.ok(lo <= p && p <= hi, `p = ${p} outside the 99% interval [${lo}, ${hi}] of ${detected}/${CHEATS}`);
  assert.ok(detected >= alo && detected <= ahi, `${detected} outside [${alo}, ${ahi}]`);
  // the test has power: a sampler that always caught the cheat (200/200) or one with q = 15 would fail it
  assert.ok(ahi < CHEATS && acceptanceRegion(CHEATS, 1 - (1 - F) ** 15, 0.99)[1] < alo);

  // the number of distinct segments per job matches q draws with replacement from n (occupancy law)
  const jobs = CHEATS + HONEST;
  const e = N_SEG * (1 - (1 - 1 / N_SEG) ** Q);
  const v = N_SEG * (N_SEG - 1) * (1 - 2 / N_SEG) ** Q + N_SEG * (1 - 1 / N_SEG) ** Q - N_SEG ** 2 * (1 - 1 / N_SEG) ** (2 * Q);
  const mean = distinctSum / jobs;
  t.diagnostic(`distinct sampled segments per job: mean ${mean.toFixed(3)}, expected ${e.toFixed(3)} (sd ${Math.sqrt(v).toFixed(3)})`);
  assert.ok(Math.abs(mean - e) < 5 * Math.sqrt(v / jobs), `mean distinct ${mean} vs ${e}`);
});
