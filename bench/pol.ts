// Proof-of-learning benchmark: one honest job end to end, in process, on the real vm (4 validators,
// blocks built and re-applied on a replica) and the real ml-runtime (det backend): an MNIST MLP
// (mlp-mnist.json adapted, see SETUP below) trained by the solver, a committee of 5 seats (chain
// protocol v5, docs/committee.md) that splits the sampled segments among its seats. Measures the solver's training CPU (process.cpuUsage around the whole traced
// run: steps, per-step hashing, checkpoint encoding and chunk roots) and every committee member's
// verification CPU (seed-derived state_0 and h0, fetching and proving the opened checkpoint chunks,
// decoding, replay, digest), and prints both against the training baseline measured in this run.
// Then the dispute numbers of issue 10 (bench/pol-disputes.ts: referee block CPU for the MNIST MLP
// and a CNN, blocks from dispute to decision, bytes on chain). Last line: one JSON object.
//
// Why k = 2 and a long T: the committee replays each of the ~q distinct sampled segments once (r = 1),
// k steps each, and every member derives state_0, so
//   verify / train ≈ ρ · distinct(q, n) · k / T + members · t_init / t_train      (n = T / k segments)
// where before v5 every member replayed every segment (committee × that first term).
// while detection of a fraction f of faked segments is 1 - (1 - f)^q, independent of T.
// Memory: SGD keeps no optimiser slots, and the solver keeps only every KEEP_EVERY-th state plus
// each checkpoint's chunk root and hash (72 bytes); after the challenge it re-derives the ≤ q + 2
// checkpoints it must open from the nearest kept state (reported separately, not in the baseline).
//
// Usage: npm run bench:pol [-- --steps N] [-- --quick]
import { readFileSync } from 'node:fs';
import { JobStatus, JobOutcome, JOB_WINDOW_NAMES, memberSegments, seatCount, termFloors } from '../vm/index.ts';
import { segmentCount, validateSpec, parseSpec, loadDataset, selectBackend, createTrainer, evaluate, encodedStateLength, initialState } from '../ml-runtime/index.ts';
import { JobSim, Solver, plan, SIM_WINDOWS } from '../test/helpers/job-sim/index.ts';
import { bytesToHex } from '../primitives/index.ts';
import type { LayeredSpec } from '../ml-runtime/index.ts';
import { disputeSection } from './pol-disputes.ts';
import { binomSf } from '../test/helpers/binomial.ts';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const quick = argv.includes('--quick');

// SETUP (stated choices)
const HIDDEN = 64;
const T = Number(flag('--steps') ?? (quick ? 600 : 10000));
const K = 2;
const Q = 44; // the least q with 1 - 0.9^q ≥ 0.99
const COMMITTEE = 5; // seats: the protocol minimum
const KEEP_EVERY = 50;
const LR = 0.1;
const BATCH = 64;

await selectBackend('det');
const base = parseSpec(readFileSync(new URL('../ml-runtime/specs/mlp-mnist.json', import.meta.url), 'utf8'));
const spec = validateSpec({
  ...base,
  layers: [{ type: 'dense', units: HIDDEN, activation: 'relu' }, (base as LayeredSpec).layers[1]!],
  optimizer: { type: 'sgd', learningRate: LR },
  batchSize: BATCH, steps: T, checkpointInterval: K,
});
const mnist = loadDataset('mnist');

const sim = new JobSim({ salt: 'bench-pol' });
// the sim's short windows, raised to the chain's floors for this spec (docs/jobs.md §1)
const floors = termFloors(spec, { q: Q, committeeSize: COMMITTEE, bounty: 1_000_000n });
const windows = { ...SIM_WINDOWS };
for (const n of JOB_WINDOW_NAMES) windows[n] = Math.max(windows[n], floors.windows[n]);
const terms = sim.terms(spec, mnist.train, {
  q: Q, committeeSize: COMMITTEE, bounty: 1_000_000n, solverStake: 100_000n, attestReward: 30_000n, windows,
});
const { tx, jobId } = sim.submitTx(terms);
sim.next([tx]);

const solver = new Solver(sim.solvers[0]!);
solver.keepEvery = KEEP_EVERY;
let t0 = 0;
let lastPrint = 0;
solver.onStep = (t, total) => {
  const now = performance.now();
  if (t === 1) t0 = now;
  if (now - lastPrint < 1000 && t !== total) return;
  lastPrint = now;
  const rate = t > 1 ? ((t - 1) * 1000) / (now - t0) : 0;
  const eta = rate > 0 ? (total - t) / rate : 0;
  process.stderr.write(`\rtraining ${t}/${total} steps  ${rate.toFixed(0)} steps/s  ETA ${eta.toFixed(0)} s   ${t === total ? '\n' : ''}`);
};
const p = plan(jobId, solver);
const wall0 = performance.now();
await sim.drive([p]);
const wallS = (performance.now() - wall0) / 1000;

const job = sim.job(jobId);
if (job.status !== JobStatus.Finalized || job.outcome !== JobOutcome.Paid) throw new Error(`the honest job ended ${job.status} ${job.outcome}`);
const run = solver.run(jobId);
const n = segmentCount(T, K);
const distinct = job.segments.length;
const trainMs = run.trainCpuMs;
const verifyMs = p.verifyCpuMs;
const members = job.committee.map((m) => ({
  address: bytesToHex(m.address), ms: p.verifyByMember.get(bytesToHex(m.address)) ?? 0, seats: seatCount(job, m.address), segments: memberSegments(job, m.address).length,
}));
if (members.some((m) => m.ms === 0) || job.attestations.length !== job.committee.length) throw new Error('every committee member must have replayed and attested');
const replayedSegments = members.reduce((a, m) => a + m.segments, 0);
const tr = createTrainer(spec, mnist.train, job.seed!);
const acc = evaluate(tr, run.finalState!, mnist.test).accuracy!;
const stateBytes = encodedStateLength(initialState(tr));

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r5 = (x: number) => Math.round(x * 100000) / 100000;
const ratio = verifyMs / trainMs;
const detection = 1 - 0.9 ** Q;
const predicted = (1.5 * replayedSegments * K) / T; // ρ ≈ 1.5 (pol-economics §2), without the per-member state_0
const preV5 = (job.committee.length * distinct * K * 1.5) / T; // every member replaying every sampled segment
// a 1/3-stake coalition holds ≥ 2/3 of the seats: P(Binomial(c, 1/3) ≥ ceil(2c/3)), docs/committee.md §8
const capture = binomSf(Math.ceil((2 * COMMITTEE) / 3), COMMITTEE, 1 / 3);
const row = (name: string, ms: number, note = '') => console.log(`${name.padEnd(44)}${ms.toFixed(0).padStart(10)} ms ${(ms / trainMs).toFixed(4).padStart(9)}  ${note}`);

console.log('');
console.log(`MNIST MLP 784-${HIDDEN}-10, SGD lr ${LR}, batch ${BATCH}; T = ${T}, k = ${K} (${n} segments), q = ${Q} (${distinct} distinct), committee ${COMMITTEE} seats held by ${job.committee.length} of 4 validators`);
console.log(`${'phase (CPU time)'.padEnd(44)}${'cpu'.padStart(13)} ${'x train'.padStart(9)}`);
row('solver: training baseline (steps + hashing)', trainMs, `${(trainMs / T).toFixed(3)} ms/step`);
row('committee: verification, all members', verifyMs, `${p.replayedSteps} replayed steps`);
for (const [i, m] of members.entries()) row(`  member ${i + 1} (${m.address.slice(0, 8)}), ${m.seats} seat(s)`, m.ms, `${m.segments} segments`);
row('solver: re-deriving opened checkpoints', run.rederiveCpuMs, `from states kept every ${KEEP_EVERY} steps`);
row('vm: building + re-applying all blocks', sim.blockCpuMs, `${sim.state.height} blocks`);
console.log(`predicted verify/train ≈ ρ·replayed segments·k/T = 1.5·${replayedSegments}·${K}/${T} = ${predicted.toFixed(4)} + state_0 per member; measured ${ratio.toFixed(4)}`);
console.log(`before v5 every member replayed all ${distinct} segments: ≈ ${preV5.toFixed(4)} (${(preV5 / ratio).toFixed(1)}x this run)`);
console.log(`a 1/3-stake coalition holds ≥ 2/3 of ${COMMITTEE} seats with P = ${capture.toFixed(4)} (docs/committee.md §8)`);
console.log(`detection of a 10% fake at q = ${Q}: 1 - 0.9^${Q} = ${detection.toFixed(4)}; final test accuracy ${(acc * 100).toFixed(2)}%; state ${stateBytes} bytes; max RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB; wall ${wallS.toFixed(1)} s`);
const disputes = disputeSection(mnist.train, quick); // after the job above: its numbers are untouched by this section
for (const l of disputes.lines) console.log(l);
console.log(JSON.stringify({
  verify_cpu_ratio: r5(ratio), detection_f10: r5(detection), q: Q, k: K, T, committee: COMMITTEE, committee_members: job.committee.length, segments: n, distinct_segments: distinct,
  replayed_segments: replayedSegments, pre_v5_predicted_ratio: r5(preV5), coalition_third_capture_p: r5(capture),
  train_cpu_ms: r3(trainMs), verify_cpu_ms: r3(verifyMs), verify_cpu_ms_per_member: members.map((m) => r3(m.ms)), rederive_cpu_ms: r3(run.rederiveCpuMs),
  vm_cpu_ms: r3(sim.blockCpuMs), predicted_ratio: r5(predicted), replayed_steps: p.replayedSteps, hidden: HIDDEN, optimizer: 'sgd', lr: LR, batch: BATCH,
  keep_every: KEEP_EVERY, state_bytes: stateBytes, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), test_accuracy: r5(acc),
  blocks: Number(sim.state.height), wall_s: r3(wallS),
  ...disputes.json,
}));
