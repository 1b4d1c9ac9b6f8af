// `polchain demo-dispute`: the dispute game end to end on a devnet of four validator processes. A
// solver process fakes one step in a segment the sample is unlikely to draw; the committee sees
// nothing and the job is provisionally paid; a `polchain watch` process replays the unsampled
// segments, disputes the fake, and the referee decides it in a block every validator applies with
// the same state root.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { disputeTermsFor, encodeTx, JOB_FLOORS, signTx, termFloors, type JobTerms } from '../../../vm/index.ts';
import { devAccount } from '../../../genesis/index.ts';
import { canonicalSpecJson, datasetRoot, loadDataset, validateSpec, segmentCount } from '../../../ml-runtime/index.ts';
import { RpcClient } from '../../../rpc/index.ts';
import { NodeError } from '../../util/index.ts';
import { parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { createDevnet, startDevnetProcesses } from './devnet.ts';
import { bytesToHex, encodeAddress, sha256 } from '../../../primitives/index.ts';

const usage = 'polchain demo-dispute [--keep] [--log-level LEVEL]\n'
  + '  --keep       keep the devnet dir (node logs, solver artifacts) instead of removing it';
const BIN = fileURLToPath(new URL('../../../bin/polchain.mjs', import.meta.url));
const say = (s: string) => process.stdout.write(s + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const N = 4;
const SUBMITTER = 1;
/**
 * The cheating solver's dev account on each attempt: a job whose sample drew the fake is left to end on
 * its own (the watchtower skips it: its verdict is mismatch), and a solver process that restarted on
 * the same account would resume it instead of taking the next job.
 */
const CHEATS = [6, 8, 9, 2, 3];
const WATCHER = 7;
/**
 * MLP 784-32-10 on MNIST, 200 steps, a checkpoint every 4: 50 segments, of which the protocol's
 * q = 16 draws sample at most 16 (docs/committee.md), so most are left to watchtowers.
 */
const SPEC = validateSpec({
  format: 'polchain/model-spec/v1', inputShape: [784],
  layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  loss: 'categorical_crossentropy', optimizer: { type: 'adam', learningRate: 0.003, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  batchSize: 32, steps: 200, checkpointInterval: 4,
});
const SEGMENTS = segmentCount(SPEC.steps, SPEC.checkpointInterval);
/** The segment the cheating solver fakes (one step inside it); q = 16 draws sample it with probability 1 - (49/50)^16 ≈ 28%. */
const FAKED = SEGMENTS - 2;
const Q = JOB_FLOORS.minQ;
const SEATS = JOB_FLOORS.minCommitteeSize;
/** Jobs until one whose sample missed the fake: all drawing it has probability 0.28^5 ≈ 0.2%. */
const ATTEMPTS = CHEATS.length;
const JOB_TIMEOUT_MS = 240_000;
const ENDED = ['finalized', 'slashed', 'expired', 'diverged'];

interface JobJsonLite {
  status: string; outcome: string | null; segments: number[]; verdict?: string | null; windowEnd?: string | null;
  disputes?: Array<{ index: number; kind: string; by: string; stage: string; step: number | null; winner: string | null; reason: string | null; endHeight: string | null }>;
}

function child(args: string[], name: string, log: string[]): ChildProcess {
  const c = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POLCHAIN_LOG_FORMAT: 'json' } });
  const take = (d: Buffer) => { for (const line of String(d).split('\n')) if (line.trim()) log.push(`${name}: ${line}`); };
  c.stdout!.on('data', take);
  c.stderr!.on('data', take);
  return c;
}

async function stop(c: ChildProcess | null): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const done = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await Promise.race([done, sleep(10_000).then(() => c.kill('SIGKILL'))]);
}

export const command: CliCommand = {
  name: 'demo-dispute',
  summary: 'a devnet of 4 validator processes where polchain watch disputes a faked segment and the chain referees it',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, { keep: { type: 'boolean' }, 'log-level': { type: 'string' } }, usage);
    if (values.help) return (say(usage), 0);
    const dir = await mkdtemp(join(tmpdir(), 'polchain-dispute-'));
    const logs: string[] = [];
    const solvers: ChildProcess[] = [];
    let watcher: ChildProcess | null = null;
    let net: Awaited<ReturnType<typeof startDevnetProcesses>> | null = null;
    const t0 = Date.now();
    try {
      // below the other devnet commands' and tests' ranges (20000-50000) and the kernel's ephemeral ports
      const p2pBase = 10000 + randomInt(9000);
      await createDevnet(dir, N, p2pBase, p2pBase + 100, 150);
      net = await startDevnetProcesses(dir, N, (values['log-level'] as string | undefined) ?? 'info');
      const urls = net.urls;
      say(`== polchain demo-dispute: ${N} validator processes (BFT over libp2p on 127.0.0.1), devnet dir ${dir}`);
      urls.forEach((u, i) => say(`   validator ${i}: rpc ${u}`));
      const rpc = new RpcClient(urls[0]!);
      const { chainId } = await rpc.call('node_status', []);
      const train = loadDataset('mnist').train;
      const spec = new TextEncoder().encode(canonicalSpecJson(SPEC));
      const floors = termFloors(SPEC, { q: Q, committeeSize: SEATS, bounty: 500n });
      const terms: JobTerms = {
        spec, runtime: 'det-1', datasetRoot: datasetRoot(train), datasetSize: train.count, q: Q, committeeSize: SEATS,
        windows: { accept: 200, commit: 600, challengeDelay: 2, open: 60, attest: 60, reveal: 60 },
        // the reward is above the floor for this spec (the floor wins if it is ever higher)
        solverStake: 500n, bounty: 500n, attestReward: floors.attestReward > 300n ? floors.attestReward : 300n, parent: null,
        // the window leaves the watchtower time to fetch and replay the ~34 unsampled segments
        dispute: disputeTermsFor(SPEC, { window: 120, move: 60, bond: 200n, demandFee: 5n }),
      };
      say(`   job terms: MLP 784-32-10 on MNIST, T = ${SPEC.steps}, k = ${SPEC.checkpointInterval} (${SEGMENTS} segments), q = ${Q} segment draws, committee of ${SEATS} seats;`);
      say(`   bounty 500, bond 500 (the floor is ceil(bounty / q) = ${floors.solverStake}), attest reward ${terms.attestReward}; dispute window ${terms.dispute.window} blocks, ${terms.dispute.move} blocks per move, dispute bond ${terms.dispute.bond}`);

      let jobId = '';
      let job: JobJsonLite | null = null;
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const nonce = BigInt((await rpc.call('account_get', [encodeAddress(devAccount(SUBMITTER).address)])).nonce);
        const raw = encodeTx(signTx({ chainId, nonce, fee: 1n, payload: { kind: 'job-submit', terms } }, devAccount(SUBMITTER).seed));
        await rpc.call('tx_submit', ['0x' + bytesToHex(raw)]);
        jobId = '0x' + bytesToHex(sha256(raw));
        say(`== job ${attempt}: ${jobId.slice(0, 18)}…; a cheating solver process takes it and fakes one step in segment ${FAKED}`);
        solvers.push(child(['solver', '--rpc', urls[1]!, '--dev-account', String(CHEATS[attempt - 1]), '--once', '--data-dir', join(dir, `solver-${attempt}`),
          '--test-cheat', `fake-unsampled:${FAKED}`], 'solver', logs));
        job = await waitJob(rpc, jobId, (j) => j.status === 'provisional' || ENDED.includes(j.status), JOB_TIMEOUT_MS);
        say(`   sampled segment(s) [${job.segments.join(', ')}]; the committee replays them: provisional verdict ${job.verdict ?? job.status}`);
        if (!job.segments.includes(FAKED) && job.status === 'provisional') break;
        // the caught job ends slashed after its dispute window; its solver process stays to the end (--once)
        say(`   the sample drew the faked segment: the committee itself catches this one; another job, another cheating solver`);
        job = null;
      }
      if (!job) throw new NodeError('DEMO_FAILED', `the sample drew the faked segment ${ATTEMPTS} times in a row`);

      say(`== polchain watch (dev account ${WATCHER}) replays every unsampled segment over DA and disputes what differs`);
      const watcherAddr = encodeAddress(devAccount(WATCHER).address);
      const acct0 = await rpc.call('account_get', [watcherAddr]);
      const before = BigInt(acct0.balance);
      watcher = child(['watch', '--rpc', urls[2]!, '--dev-account', String(WATCHER), '--fraction', '1'], 'watch', logs);
      let seen = '';
      const ended = await waitJob(rpc, jobId, (j) => {
        const d = j.disputes?.[0];
        const line = d ? `   dispute ${d.index} (${d.kind}) by ${d.by.slice(0, 12)}…: ${d.stage}${d.step !== null ? `, step ${d.step}` : ''}${d.winner ? `, won by the ${d.winner === 'solver' ? 'solver' : 'challenger'} (${d.reason})` : ''}` : '';
        if (line && line !== seen) { say(line); seen = line; }
        return ENDED.includes(j.status);
      }, JOB_TIMEOUT_MS);
      const d = ended.disputes?.[0];
      if (ended.outcome !== 'fraud' || !d || d.reason !== 'referee' || d.endHeight === null) {
        throw new NodeError('DEMO_FAILED', `expected the referee to prove fraud; the job ended ${ended.status} (${ended.outcome}) with dispute ${JSON.stringify(d ?? null)}`);
      }
      const height = d.endHeight;
      say(`== the referee re-executed step ${d.step} in block ${height}: the solver's h_${Number(d.step) + 1} was wrong; job ${ended.status} (${ended.outcome})`);
      const blocks = await Promise.all(urls.map((u) => blockWhenThere(new RpcClient(u), height, 30_000)));
      const roots = blocks.map((b) => String((b as { header?: { stateRoot?: string }; stateRoot?: string }).header?.stateRoot ?? (b as { stateRoot?: string }).stateRoot));
      roots.forEach((r, i) => say(`   validator ${i}: block ${height} state root ${r}`));
      if (new Set(roots).size !== 1) throw new NodeError('DEMO_FAILED', `the validators disagree on block ${height}'s state root`);
      const acct1 = await rpc.call('account_get', [watcherAddr]);
      const after = BigInt(acct1.balance);
      // how many transactions it sent (a fee of 1 each): a loaded machine can need a second availability demand
      const sent = Number(BigInt(acct1.nonce) - BigInt(acct0.nonce));
      say(`   the watchtower's balance: ${before} -> ${after} (${after >= before ? '+' : ''}${after - before}: its bond back and half the solver's bond, less the fees of the ${sent} transaction(s) it sent and the demandFee of each availability demand that got it the solver's checkpoints)`);
      say(`== demo-dispute passed: the fake the sample missed was disputed by polchain watch and decided by the referee in block ${height}, applied by all ${N} validators with state root ${roots[0]!.slice(0, 18)}… (${Math.round((Date.now() - t0) / 1000)} s)`);
      return 0;
    } catch (e) {
      if (logs.length) process.stderr.write(`last lines of the solver and watch processes:\n${logs.slice(-30).join('\n')}\n`);
      throw e;
    } finally {
      await stop(watcher);
      await Promise.all(solvers.map((x) => stop(x)));
      await net?.stopAll();
      if (!values.keep) await rm(dir, { recursive: true, force: true });
      else say(`   kept ${dir}`);
    }
  },
};

/** Block `height` from a validator that may still be a block or two behind the one that reported the job ended. */
async function blockWhenThere(rpc: RpcClient, height: string, timeoutMs: number): Promise<unknown> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await rpc.call('chain_getBlock', [height]);
    } catch (e) {
      if ((e as { code?: number }).code !== -32001 || Date.now() > until) throw e;
    }
    await sleep(200);
  }
}

async function waitJob(rpc: RpcClient, id: string, done: (j: JobJsonLite) => boolean, timeoutMs: number): Promise<JobJsonLite> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let j: JobJsonLite | null = null;
    try {
      j = (await rpc.call('job_get', [id])) as unknown as JobJsonLite;
    } catch (e) {
      // NOT_FOUND while its JobSubmit waits in the mempool for the network's first blocks
      if ((e as { code?: number }).code !== -32001) throw e;
    }
    if (j && done(j)) return j;
    if (Date.now() > until) throw new NodeError('DEMO_FAILED', `job ${id} is still ${j?.status ?? 'not on chain'} after ${timeoutMs / 1000} s`);
    await sleep(300);
  }
}
