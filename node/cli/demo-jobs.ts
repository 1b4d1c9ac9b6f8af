// The proof-of-learning half of `polchain demo` (docs/jobs.md): a submitter posts an MNIST MLP job
// over JSON-RPC, an honest in-process Solver accepts, trains and commits it, the committee (the
// VerifierService inside each validator node) replays the sampled segments and attests, and the
// job is finalized and the solver paid. Then a solver that skips steps takes a second job and is
// slashed, the bounty going back to the submitter. Chain-side phases are read over JSON-RPC (the
// `jobs` WebSocket topic wakes a job_get poll), solver-side ones come from the Solver's events.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { disputeTermsFor, encodeTx, signTx, termFloors, type JobTerms, type JobWindows } from '../../vm/index.ts';
import { devAccount } from '../../genesis/index.ts';
import { segmentCount, createTrainer, datasetRoot, decodeState, evaluate, loadDataset } from '../../ml-runtime/index.ts';
import { RpcClient } from '../../rpc/index.ts';
import { SolverArtifacts } from '../jobs/index.ts';
import { Solver, formatEvent, parseCheat, shortId, type CheatMode, type JobResult, type SolverEvent } from '../solver/index.ts';
import { loadJobSpec } from './commands/job.ts';
import { payoutLines } from './commands/job-status-format.ts';
import { Progress } from '../util/index.ts';
import { JobWatcher, SOLVER_COL, seatsIn, shortHex, sleep } from './demo-job-watcher.ts';
import { bytesToHex, encodeAddress, hexToBytes, errorMessage } from '../../primitives/index.ts';


/** Checkpoint interval k and sampled segments q of the demo jobs: each committee member replays q·k steps. */
export const DEMO_K = 8;
export const DEMO_Q = 16; // the protocol minimum (JOB_FLOORS.minQ)
export const DEMO_DEFAULT_STEPS = 400;
/**
 * Phase windows in blocks (the in-process network makes a block every ~0.3-0.6 s). The attest
 * window closes early once every member has attested, so a long one costs nothing when the
 * committee is quick; it must be long enough for a member holding most of the seats to fetch its
 * checkpoints and replay its segments on a loaded machine (four verifiers and the solvers share the
 * cores): one that runs out of fetch budget attests UNAVAILABLE, and without a quorum of seats the
 * job is redrawn (docs/committee.md §6). 24 blocks was too short on a shared 2-core machine.
 */
export const DEMO_WINDOWS: JobWindows = { accept: 200, commit: 600, challengeDelay: 2, open: 60, attest: 60, reveal: 60 };
/** Dispute terms of the demo jobs: a short window (blocks) so that jobs finalize within the demo, a move window for each side. */
export const DEMO_DISPUTE = { window: 8, move: 20, bond: 200n, demandFee: 5n };
const BOUNTY = 1000n;
/** The demo's attest reward: 60 per seat of 5, above the protocol floor for the MNIST MLP at q = 16 (245; demoJobs takes the floor if it is ever higher). */
const ATTEST_REWARD = 300n;
const SOLVER_STAKE = 500n;
const FEE = 1n;
/** A job that has not ended after this long fails the demo. */
const JOB_TIMEOUT_MS = 100_000;

const SUBMITTER = 6;
const HONEST_SOLVER = 7;
const CHEATING_SOLVER = 8;

/** The spec of the demo jobs: an MLP 784-32-10 on MNIST (the bundled 8,000 training digits). */
export function demoSpec(steps: number) {
  return {
    format: 'polchain/model-spec/v1',
    inputShape: [784],
    layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
    loss: 'categorical_crossentropy',
    optimizer: { type: 'adam', learningRate: 0.003, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    batchSize: 32,
    steps,
    checkpointInterval: DEMO_K,
  };
}

/** Why `--steps` is not a valid T for the demo jobs, or null. */
export function demoStepsProblem(steps: number): string | null {
  if (!Number.isInteger(steps) || steps < 2 * DEMO_K || steps > 4000) return `--steps must be an integer in [${2 * DEMO_K}, 4000], got ${steps}`;
  if (steps % DEMO_K === 1) return `--steps ${steps}: T mod k (${DEMO_K}) must not be 1 (docs/jobs.md §1)`;
  return null;
}

export interface DemoJobsOptions {
  rpcUrl: string;
  /** where the spec file and the solvers' data dirs go */
  dir: string;
  /** T of each job */
  steps: number;
  /** the committee size asked for (at most the number of validators) */
  committee: number;
  /** bech32 address -> readable name (validators) */
  names: Map<string, string>;
  logger: Logger;
  say(line: string): void;
}

export interface DemoJobResult {
  jobId: string;
  status: string;
  outcome: string;
  /** committee members whose digest matched / whose real digest differed from the revealed trace, and the members of the committee */
  matched: number;
  differed: number;
  committee: number;
  /** seats held by the matching / differing members, and the seats drawn (docs/committee.md §3) */
  matchedSeats: number;
  differedSeats: number;
  seats: number;
  /** the solver's balance moved by what its earnings say (bounty - fees, or -(bond + fees)) */
  solverBalanceOk: boolean;
  /** the submitter's balance moved by exactly what docs/jobs.md §5 gives it back */
  submitterBalanceOk: boolean;
  solverResult: JobResult | null;
}

export interface DemoJobsResult {
  honest: DemoJobResult | null;
  cheat: DemoJobResult | null;
  /** test accuracy of the honest job's proven final weights (and of its initial ones), when they could be evaluated */
  accuracy: { initial: number; final: number } | null;
  /** the weights evaluated are the ones committed on chain (job_getModel's weightsRoot) */
  weightsProven: boolean;
}

interface Ctx extends DemoJobsOptions {
  rpc: RpcClient;
  terms: JobTerms;
  chainId: string;
  name(address: string): string;
}

const balanceOf = async (rpc: RpcClient, address: string) => BigInt((await rpc.call('account_get', [address])).balance);

async function runJob(ctx: Ctx, n: number, solverAccount: number, cheat: CheatMode | undefined): Promise<DemoJobResult> {
  const { rpc, say } = ctx;
  const submitter = devAccount(SUBMITTER);
  const subAddr = encodeAddress(submitter.address);
  const solverAddr = encodeAddress(devAccount(solverAccount).address);
  const subBefore = await balanceOf(rpc, subAddr);
  const solverBefore = await balanceOf(rpc, solverAddr);

  const { pendingNonce } = await rpc.call('account_get', [subAddr]);
  const raw = encodeTx(signTx({ chainId: ctx.chainId, nonce: BigInt(pendingNonce), fee: FEE, payload: { kind: 'job-submit', terms: ctx.terms } }, submitter.seed));
  const { hash: id } = await rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
  say(`   submitter    posts job ${id} (JobSubmit over JSON-RPC)`);

  const watcher = new JobWatcher(rpc, id, ctx.name, say, ctx.logger);
  // set from the solver's events (a holder, so that the finally below sees the assignment)
  const progress: { bar: Progress | null } = { bar: null };
  const onEvent = (e: SolverEvent) => {
    if (e.type === 'training') progress.bar = new Progress({ total: e.steps, label: '   training', unit: 'steps' });
    if (e.type === 'progress') {
      progress.bar ??= new Progress({ total: e.steps, label: '   training', unit: 'steps' });
      progress.bar.update(e.step, e.loss === null ? {} : { loss: e.loss.toFixed(3) });
      return;
    }
    if (e.type === 'trained') progress.bar?.finish();
    // the chain side prints the challenge with its committee; jobs meant for the other solver are not news
    if (e.type === 'challenged' || (e.type === 'skipped' && e.reason === 'excluded by the job filter')) return;
    if (e.type === 'started') return say(`${SOLVER_COL}${ctx.name(e.address)} starts, serving checkpoints over libp2p as ${shortHex(e.peerId)}`);
    const line = formatEvent(e);
    if (line !== null) say(`${SOLVER_COL}${line}`);
  };
  const solver = new Solver({
    rpcUrl: ctx.rpcUrl, seed: devAccount(solverAccount).seed, dataDir: join(ctx.dir, `solver-${n}`), logger: ctx.logger.child({ module: `solver-${n}` }),
    once: true, pollIntervalMs: 250, progressIntervalMs: 200, jobFilter: (v) => '0x' + v.idHex === id, onEvent, ...(cheat ? { cheat } : {}),
  });
  let results: JobResult[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await watcher.start();
    await solver.start();
    const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), JOB_TIMEOUT_MS); });
    const done = await Promise.race([solver.wait(), timeout]);
    if (done === 'timeout') say(`   !! job ${shortId(id.slice(2))} did not end within ${JOB_TIMEOUT_MS / 1000} s`);
    else results = done;
    // the solver ends when it has seen the verdict; let the watcher print it too
    const ended = await Promise.race([watcher.ended, sleep(done === 'timeout' ? 1 : 10_000).then(() => null)]);
    const job = ended?.job ?? await rpc.call('job_get', [id]);
    const att = ended?.att ?? await rpc.call('job_getAttestations', [id]).catch(() => null);
    const members = att?.members ?? [];
    const r = results.find((x) => '0x' + x.jobId === id) ?? null;
    const e = r?.earnings ?? null;
    const solverAfter = await balanceOf(rpc, solverAddr);
    const subAfter = await balanceOf(rpc, subAddr);
    // docs/jobs.md §5: what the submitter gets back of its escrow (bounty + reward), less the JobSubmit fee;
    // the reward is paid per seat, ⌊reward / seats⌋ for each seat of a member the verdict confirms
    const reward = ctx.terms.attestReward;
    const matchedMembers = members.filter((m) => m.matched === true);
    // a real digest that differs (UNAVAILABLE claims nothing; one proven wrong by a referee does not count)
    const differedMembers = members.filter((m) => m.matched === false && !m.unavailable && !m.provenWrong);
    const paidTo = (seats: number) => (job.seats.length ? (reward / BigInt(job.seats.length)) * BigInt(seats) : 0n);
    const matched = matchedMembers.length;
    const differed = differedMembers.length;
    const back = job.status === 'finalized' ? reward - paidTo(seatsIn(job, matchedMembers))
      : job.outcome === 'mismatch' ? BOUNTY + reward - paidTo(seatsIn(job, differedMembers))
        : BOUNTY + reward;
    const submitterBalanceOk = subAfter - subBefore === back - BOUNTY - reward - FEE;
    const solverBalanceOk = e !== null && solverAfter - solverBefore === e.net && e.net === (job.status === 'finalized' ? BOUNTY - e.fees : -(SOLVER_STAKE + e.fees));
    const res: DemoJobResult = {
      jobId: id, status: job.status, outcome: job.outcome ?? '', matched, differed, committee: members.length,
      matchedSeats: seatsIn(job, matchedMembers), differedSeats: seatsIn(job, differedMembers), seats: job.seats.length, solverBalanceOk, submitterBalanceOk, solverResult: r,
    };
    const tag = `job ${shortId(id.slice(2))} ${job.status} (${job.outcome ?? 'running'})`;
    if (job.status === 'finalized') {
      say(`   => ${tag} at height ${job.endHeight}: the solver earned the bounty ${BOUNTY} (net ${e ? `${e.net >= 0n ? '+' : ''}${e.net} after fees ${e.fees}` : '?'}), ${matched} of ${members.length} attestations matched (${seatsIn(job, matchedMembers)} of ${job.seats.length} seats); balances ${solverBalanceOk && submitterBalanceOk ? 'check out' : 'DO NOT check out'}`);
    } else {
      say(`   => ${tag} at height ${job.endHeight ?? '?'}: the solver lost its bond ${SOLVER_STAKE}, ${differed} of ${members.length} attesters disagreed (${seatsIn(job, differedMembers)} of ${job.seats.length} seats); bounty ${BOUNTY} ${submitterBalanceOk ? 'refunded to the submitter' : 'NOT refunded as expected'}`);
    }
    return res;
  } finally {
    clearTimeout(timer);
    progress.bar?.finish();
    await solver.stop();
    await watcher.stop();
  }
}

/** Test accuracy of the honest job's first and last checkpoints, from the solver's artifacts on disk. */
async function evaluateModel(ctx: Ctx, jobId: string): Promise<{ accuracy: { initial: number; final: number }; weightsRoot: string; proven: boolean }> {
  const art = await SolverArtifacts.open(join(ctx.dir, 'solver-1'), hexToBytes(jobId.slice(2)));
  const data = loadDataset('mnist');
  const tr = createTrainer(art.spec, data.train, art.seed);
  const acc = async (i: number) => evaluate(tr, decodeState(await art.checkpointBytes(i), tr.layout), data.test).accuracy ?? 0;
  const last = art.checkpoints.length - 1;
  const model = await ctx.rpc.call('job_getModel', [jobId]);
  return {
    accuracy: { initial: await acc(0), final: await acc(last) },
    weightsRoot: model.weightsRoot,
    proven: model.weightsRoot === '0x' + bytesToHex(art.checkpoints[last]!.chunkRoot),
  };
}

export async function demoJobs(o: DemoJobsOptions): Promise<DemoJobsResult> {
  const say = o.say;
  const rpc = new RpcClient(o.rpcUrl);
  const out: DemoJobsResult = { honest: null, cheat: null, accuracy: null, weightsProven: false };
  try {
    const specFile = join(o.dir, 'mnist-mlp.json');
    await writeFile(specFile, JSON.stringify(demoSpec(o.steps), null, 2) + '\n');
    const { spec, bytes } = await loadJobSpec(specFile);
    const train = loadDataset('mnist').train;
    const floors = termFloors(spec, { q: DEMO_Q, committeeSize: o.committee, bounty: BOUNTY });
    const terms: JobTerms = {
      spec: bytes, runtime: 'det-1', datasetRoot: datasetRoot(train), datasetSize: train.count, q: DEMO_Q, committeeSize: o.committee,
      windows: { ...DEMO_WINDOWS }, solverStake: SOLVER_STAKE, bounty: BOUNTY, attestReward: ATTEST_REWARD > floors.attestReward ? ATTEST_REWARD : floors.attestReward, parent: null,
      dispute: disputeTermsFor(spec, DEMO_DISPUTE),
    };
    const { chainId } = await rpc.call('node_status', []);
    const names = new Map(o.names);
    names.set(encodeAddress(devAccount(SUBMITTER).address), 'submitter');
    names.set(encodeAddress(devAccount(HONEST_SOLVER).address), 'honest solver');
    names.set(encodeAddress(devAccount(CHEATING_SOLVER).address), 'cheating solver');
    const name = (a: string) => (names.has(a) ? `${names.get(a)} (${a.slice(0, 10)}…)` : a);
    const ctx: Ctx = { ...o, rpc, terms, chainId, name };
    const w = DEMO_WINDOWS;
    const segments = segmentCount(spec.steps, spec.checkpointInterval);
    say(`== proof of learning: MNIST jobs on chain, trained by solvers and checked by a committee of validators`);
    say('   how it works: the solver commits a Merkle root over all T+1 step hashes; the beacon then samples q segments and the committee\'s seats (by stake);');
    say('   the solver opens the checkpoints at their starts, each member replays its seats\' share of them and attests a digest of the hashes it got, and only then');
    say('   does the solver reveal its hashes for those segments: the chain pays it if the digests match, and slashes its bond if they do not.');
    say(`   job terms: MLP 784-32-10, adam lr ${Number(spec.optimizer.learningRate.toPrecision(7))}, batch ${spec.batchSize}, T = ${spec.steps} steps, checkpoint every k = ${spec.checkpointInterval} (${segments} segments); `
      + `mnist ${train.count} digits, root ${shortHex('0x' + bytesToHex(terms.datasetRoot))}`);
    say(`   q = ${DEMO_Q} segment draws, committee of ${o.committee} seats; bounty ${BOUNTY}, attest reward ${terms.attestReward} (per seat ${terms.attestReward / BigInt(o.committee)}), solver bond ${SOLVER_STAKE}; `
      + `windows (blocks) accept ${w.accept}, commit ${w.commit}, challenge delay ${w.challengeDelay}, open ${w.open}, attest ${w.attest}, reveal ${w.reveal}`);
    say(`   spec file ${specFile}`);

    say(`== job 1: an honest solver trains it and is paid once the committee's replays agree`);
    out.honest = await runJob(ctx, 1, HONEST_SOLVER, undefined);
    if (out.honest.status === 'finalized') {
      try {
        const m = await evaluateModel(ctx, out.honest.jobId);
        out.accuracy = m.accuracy;
        out.weightsProven = m.proven;
        say(`   model: test accuracy ${(m.accuracy.initial * 100).toFixed(1)}% at step 0 -> ${(m.accuracy.final * 100).toFixed(1)}% after ${spec.steps} steps on ${loadDataset('mnist').test.count} held-out MNIST digits;`
          + ` its weights root ${shortHex(m.weightsRoot)} is the proven model on chain (job_getModel)${m.proven ? '' : ' -- MISMATCH with the solver\'s weights'}`);
      } catch (e) {
        say(`   model: cannot evaluate the final weights: ${errorMessage(e)}`);
      }
    }

    say(`== job 2: a cheating solver skips one update per segment; the committee's replays expose it and it is slashed`);
    out.cheat = await runJob(ctx, 2, CHEATING_SOLVER, parseCheat('skip-steps:1'));
    return out;
  } finally {
    await rpc.close();
  }
}
