// How often a coalition with 1/3 of the stake controls a committee (docs/committee.md §8), over 240
// jobs on the real vm: 9 validators of equal stake, 3 of them the coalition, the minimum committee
// of 5 seats. Seats are drawn by stake with replacement, so the coalition's seat count is
// Binomial(5, 1/3) and it holds ≥ 4 seats (reaches the seat quorum alone) with p = 11/243. The count
// must lie in the 99% acceptance region of Binomial(240, p) and p in the exact 99% interval of the
// count. A draw without replacement (the pre-v5 rule) could never give 3 coalition validators 4 seats,
// and a draw that ignored stake would not give 1/3 of the seats: both fail here.
//
// The second test measures what withholding buys (§8): the proposer of block D − 1 withholds it and
// the next round's proposer signs instead. That is one more independent draw, so a coalition that
// always holds that slot captures with 1 − (1 − p)² (withholding block D itself changes nothing: vm/jobs/committee-inputs tests that on whole blocks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { beaconAfter, drawSeats, termFloors, type Job } from '../vm/index.ts';
import { parseSpec, validateSpec, loadDataset } from '../ml-runtime/index.ts';
import { JobSim } from './helpers/job-sim/index.ts';
import { acceptanceRegion, clopperPearson } from './helpers/binomial.ts';
import { equalBytes, sha256, utf8 } from '../primitives/index.ts';

const JOBS = 240;
const SEATS = 5;
const Q = 16;
const P_CAPTURE = 11 / 243; // P(Binomial(5, 1/3) ≥ 4)

function drawnJobs(): { sim: JobSim; jobs: Job[]; coalition: Uint8Array[] } {
  const base = parseSpec(readFileSync(new URL('../ml-runtime/specs/regression.json', import.meta.url), 'utf8'));
  const spec = validateSpec({ ...base, steps: 40, checkpointInterval: 2, batchSize: 8 });
  const ds = loadDataset('synthetic-regression').train;
  const sim = new JobSim({ validators: 9, salt: 'committee-capture', replica: false });
  const floors = termFloors(spec, { q: Q, committeeSize: SEATS, bounty: 1_000n });
  const terms = sim.terms(spec, ds, {
    q: Q, committeeSize: SEATS, bounty: 1_000n, solverStake: floors.solverStake, attestReward: floors.attestReward,
    windows: { ...floors.windows, accept: 200 },
  });
  const subs = Array.from({ length: JOBS }, () => sim.submitTx(terms));
  sim.next(subs.map((s) => s.tx));
  // accepted 10 per block and committed as soon as the seed is known: draws come from ~24 beacons
  const committed = new Set<number>();
  for (let b = 0; committed.size < JOBS; b++) {
    const txs: Uint8Array[] = [];
    for (const s of subs.slice(b * 10, b * 10 + 10)) {
      txs.push(sim.tx(sim.solvers[0]!, { kind: 'job-accept', jobId: s.jobId, daPeer: 'sim', daAddrs: [] }));
    }
    for (const [i, s] of subs.entries()) {
      if (committed.has(i) || sim.job(s.jobId).status !== 3) continue; // training: the seed is fixed
      committed.add(i);
      const h = (tag: string) => sha256(utf8(`${tag} ${i}`));
      txs.push(sim.tx(sim.solvers[0]!, { kind: 'trace-commit', jobId: s.jobId, traceRoot: h('trace'), checkpointsRoot: h('cp'), finalChunkRoot: h('final'), finalStepHash: h('hT') }));
    }
    sim.next(txs);
  }
  for (let i = 0; i < 3; i++) sim.next(); // the last commits reach their challenge height
  const jobs = subs.map((s) => sim.job(s.jobId));
  return { sim, jobs, coalition: sim.validators.slice(0, 3).map((v) => v.address) };
}

const seatsOf = (seats: readonly Uint8Array[], coalition: readonly Uint8Array[]) => seats.filter((a) => coalition.some((c) => equalBytes(a, c))).length;

const drawn = drawnJobs();

test(`a 1/3-stake coalition holds ≥ 4 of 5 seats in a fraction of ${JOBS} committees that matches 11/243`, () => {
  const { sim, jobs, coalition } = drawn;
  let captured = 0;
  let coalitionSeats = 0;
  const beacons = new Set<string>();
  for (const job of jobs) {
    assert.equal(job.pool.length, 9, 'the pool is every validator (the solver is not one)');
    assert.equal(job.seats.length, SEATS);
    // the documented draw: seats from the beacon before the drawing block and the pool fixed at TraceCommit
    const rand = sim.beacons.get(job.challengeHeight - 1n)!;
    beacons.add(Buffer.from(rand).toString('hex'));
    assert.deepEqual(job.seats, drawSeats(job.id, rand, 0, job.pool, SEATS).seats);
    const x = seatsOf(job.seats, coalition);
    coalitionSeats += x;
    if (x >= 4) captured++;
  }
  assert.ok(beacons.size >= 20, `draws from ${beacons.size} beacons`);
  const [lo, hi] = acceptanceRegion(JOBS, P_CAPTURE, 0.99);
  assert.ok(captured >= lo && captured <= hi, `captured ${captured} of ${JOBS}, 99% region for p = ${P_CAPTURE.toFixed(4)} is [${lo}, ${hi}]`);
  const [l, u] = clopperPearson(captured, JOBS, 0.99);
  assert.ok(l <= P_CAPTURE && P_CAPTURE <= u, `99% interval [${l.toFixed(4)}, ${u.toFixed(4)}] excludes ${P_CAPTURE}`);
  // seats follow stake: the coalition's share of all 1,200 seats is Binomial(1200, 1/3)
  const [slo, shi] = acceptanceRegion(JOBS * SEATS, 1 / 3, 0.99);
  assert.ok(coalitionSeats >= slo && coalitionSeats <= shi, `coalition seats ${coalitionSeats} of ${JOBS * SEATS}, 99% region [${slo}, ${shi}]`);
  console.log(`# captured ${captured}/${JOBS} = ${(captured / JOBS).toFixed(4)} (p = ${P_CAPTURE.toFixed(4)}, 99% interval [${l.toFixed(4)}, ${u.toFixed(4)}]); coalition seats ${coalitionSeats}/${JOBS * SEATS}`);
});

test('withholding block D − 1 buys one independent redraw: a coalition holding that slot captures with 1 − (1 − p)²', () => {
  const { sim, jobs, coalition } = drawn;
  const P_WITHHOLD = 1 - (1 - P_CAPTURE) ** 2;
  // the signature the next round's proposer would have put in block D − 1 (any other 96 bytes: unique signatures differ)
  const otherSig = (h: bigint) => sha256(utf8(`round 1 proposer of ${h}`)).slice(0, 32);
  const sig96 = (h: bigint) => new Uint8Array([...otherSig(h), ...otherSig(h + 1n), ...otherSig(h + 2n)]);
  let captured = 0;
  let changed = 0;
  for (const job of jobs) {
    const D = job.challengeHeight;
    const first = seatsOf(job.seats, coalition);
    const alt = beaconAfter(sim.beacons.get(D - 2n)!, sig96(D - 1n));
    const again = drawSeats(job.id, alt, 0, job.pool, SEATS).seats;
    if (!again.every((a, i) => equalBytes(a, job.seats[i]!))) changed++;
    if (first >= 4 || seatsOf(again, coalition) >= 4) captured++;
  }
  assert.ok(changed > JOBS * 0.9, `a withheld D − 1 re-rolls: ${changed} of ${JOBS} committees changed`);
  const [lo, hi] = acceptanceRegion(JOBS, P_WITHHOLD, 0.99);
  assert.ok(captured >= lo && captured <= hi, `with withholding captured ${captured} of ${JOBS}, 99% region for ${P_WITHHOLD.toFixed(4)} is [${lo}, ${hi}]`);
  console.log(`# withholding D − 1 whenever the first draw misses: captured ${captured}/${JOBS} = ${(captured / JOBS).toFixed(4)} (1 − (1 − p)² = ${P_WITHHOLD.toFixed(4)})`);
});
