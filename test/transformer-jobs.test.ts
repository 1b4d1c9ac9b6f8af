// Transformer jobs and users' datasets end to end with real processes: a validator node (`polchain
// start`, whose verifier is every job's committee) holding a user's text files and CSV that `polchain
// dataset add` stored, and one `polchain solver` process fetching those from it (--dataset-peer).
// Jobs submitted with `polchain job submit`: a char-level names transformer, a transformer on a text
// file and its fine-tune (--parent) on another text file, and an MLP on the CSV. Each is trained,
// replayed by the committee and paid, amounts checked to the unit; `polchain eval` reads the names
// and text models' samples through their vocabularies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { RpcClient } from '../rpc/index.ts';
import { devAccount } from '../genesis/index.ts';
import { canonicalSpecJson, checkpointSteps, decodeState, layoutOfSpec, loadDataset, parseSpec, unigramBaseline } from '../ml-runtime/index.ts';
import { SolverArtifacts } from '../node/jobs/index.ts';
import { ROOT, runCli, startNode, type NodeProcess } from './helpers/node-process.ts';
import { encodeAddress, hexToBytes } from '../primitives/index.ts';
import { cli } from './helpers/cli-capture.ts';

const BIN = join(ROOT, 'bin/polchain.mjs');
const SEATS = 5;
const BOUNTY = 1000n;
const SOLVER = devAccount(1);
const SUBMITTER = devAccount(0);

let dir: string;
let node: NodeProcess;
let rpc: RpcClient;
let solver: ChildProcess;
let solverOut = '';
const files: Record<string, string> = {};

const balance = async (a: Uint8Array) => BigInt((await rpc.call('account_get', [encodeAddress(a)])).balance);
const nonce = async (a: Uint8Array) => BigInt((await rpc.call('account_get', [encodeAddress(a)])).nonce);

/** names-transformer.json made tiny (one block, width 16), `steps` steps in segments of 4. */
function transformerSpec(vocab: number, steps: number, learningRate = 0.01): string {
  const base = JSON.parse(readFileSync(join(ROOT, 'ml-runtime/specs/names-transformer.json'), 'utf8'));
  return canonicalSpecJson(parseSpec(JSON.stringify({
    ...base, model: { ...base.model, vocab, layers: 1, heads: 2, width: 16 }, optimizer: { ...base.optimizer, learningRate }, batchSize: 8, steps, checkpointInterval: 4,
  })));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polchain-tfjobs-'));
  const data = join(dir, 'node');
  assert.equal((await runCli(['init', '--data-dir', data, '--dev-accounts', '3'])).code, 0);
  const text = (lines: string[]) => lines.map((l, i) => `${i}. ${l}\n`).join('').repeat(3);
  await writeFile(join(dir, 'a.txt'), text(['the quick brown fox', 'jumps over the lazy dog', 'pack my box with five dozen jugs']));
  await writeFile(join(dir, 'b.txt'), text(['une crème brûlée, s\'il vous plaît', 'deux cafés au lait', 'trois éclairs']));
  const rows = Array.from({ length: 90 }, (_, i) => { const c = i % 3; return `${c + (i % 7) / 10},${2 - c + (i % 5) / 10},${(i % 4) / 3},${c * 0.5},${['red', 'green', 'blue'][c]}`; });
  await writeFile(join(dir, 'colours.csv'), `a,b,c,d,colour\n${rows.join('\n')}\n`);
  for (const [file, name, fmt, extra] of [['a.txt', 'pangrams', 'text', ['--context', '16']], ['b.txt', 'menu', 'text', ['--context', '16']], ['colours.csv', 'colours', 'csv', []]] as const) {
    const r = await runCli(['dataset', 'add', join(dir, file), '--format', fmt, '--name', name, '--data-dir', data, ...extra]);
    assert.equal(r.code, 0, r.stderr);
  }
  files.names = join(dir, 'names-tiny.json');
  files.text = join(dir, 'text-tiny.json');
  files.tune = join(dir, 'text-tune.json');
  files.csv = join(dir, 'colours.json');
  await writeFile(files.names, transformerSpec(27, 8));
  await writeFile(files.text, transformerSpec(256, 8));
  await writeFile(files.tune, transformerSpec(256, 8, 0.003));
  const iris = JSON.parse(readFileSync(join(ROOT, 'ml-runtime/specs/iris.json'), 'utf8'));
  await writeFile(files.csv, JSON.stringify({ ...iris, steps: 8, checkpointInterval: 4 }));

  node = await startNode(data, ['--p2p-listen', '/ip4/127.0.0.1/tcp/0', '--block-interval-ms', '100']);
  rpc = new RpcClient(node.url);
  const listening = node.logs().split('\n').map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((j) => j.msg === 'p2p: listening');
  assert.ok(listening, 'the node logged its libp2p address');
  const addr = (listening.addrs as string[]).find((a) => a.startsWith('/ip4/127.0.0.1/'))!;
  const peer = addr.includes('/p2p/') ? addr : `${addr}/p2p/${listening.peerId}`;
  solver = spawn(process.execPath, [BIN, 'solver', '--rpc', node.url, '--dev-account', '1', '--data-dir', join(dir, 'solver'), '--dataset-peer', peer], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  solver.stdout!.on('data', (d) => (solverOut += d));
  solver.stderr!.on('data', () => {});
});

after(async () => {
  if (solver && solver.exitCode === null) {
    const exited = once(solver, 'exit');
    solver.kill('SIGTERM');
    await exited;
  }
  await rpc?.close();
  await node?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `polchain ARGS` in this process (the CLI's own code, without a process start per call), capturing its output. */
/**
 * Submits with the CLI, waits for the job to end and checks the money: the solver earned the bounty
 * less one fee per transaction it sent; the submitter paid bounty, reward and fee and got back the
 * reward of the seats no matching member held (the one validator holds all five and matched: 5 × ⌊R/5⌋ paid).
 */
async function runJob(spec: string, dataset: string, extra: string[] = []): Promise<{ id: string; job: any }> {
  const solverBefore = await balance(SOLVER.address);
  const solverTxs = await nonce(SOLVER.address);
  const subBefore = await balance(SUBMITTER.address);
  const sub = await cli(['job', 'submit', '--spec', spec, '--dataset', dataset, '--data-dir', join(dir, 'node'), '--bounty', String(BOUNTY), '--q', '16',
    '--committee', String(SEATS), '--windows', '200,600,2,60,60,60', '--dev-account', '0', '--rpc', node.url, '--wait', ...extra]);
  assert.equal(sub.code, 0, sub.err);
  const id = JSON.parse(sub.out.trim().split('\n').pop()!).jobId as string;
  let job: any;
  for (let i = 0; i < 1800; i++) {
    job = await rpc.call('job_get', [id]);
    if (['finalized', 'slashed', 'expired'].includes(job.status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(job.status, 'finalized', `job ${id}: ${JSON.stringify(job.status)}\n${solverOut}`);
  assert.equal(job.outcome, 'paid');
  assert.equal(job.solver, encodeAddress(SOLVER.address));
  const att = await rpc.call('job_getAttestations', [id]);
  const matched = att.members.filter((m: any) => m.matched === true);
  assert.equal(matched.length, 1, JSON.stringify(att));
  assert.equal(job.seats.length, SEATS);
  assert.ok(job.seats.every((s: string) => s === matched[0].address), 'the one validator holds every seat');
  const reward = BigInt(job.terms.attestReward);
  const fees = (await nonce(SOLVER.address)) - solverTxs;
  assert.ok(fees >= 3n, `the solver sent its accept, commit and reveal transactions (${fees})`);
  assert.equal((await balance(SOLVER.address)) - solverBefore, BOUNTY - fees, 'bounty less a fee of 1 per transaction; the stake came back');
  assert.equal(subBefore - (await balance(SUBMITTER.address)), BOUNTY + 1n + (reward / BigInt(SEATS)) * BigInt(SEATS), 'bounty, fee and the reward of 5 matching seats');
  return { id, job };
}

async function evalJob(id: string, extra: string[] = []): Promise<any> {
  const r = await cli(['eval', '--from', join(dir, 'solver', id.replace(/^0x/, '')), '--samples', '4', '--json', ...extra]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

test('a names transformer job from the CLI: trained by `polchain solver`, replayed by the committee, paid; eval prints loss, baseline and names', { timeout: 120_000 }, async () => {
  const { id, job } = await runJob(files.names!, 'names');
  assert.equal(JSON.parse(job.terms.specJson).model.type, 'transformer', job.terms.specJson);
  assert.deepEqual(job.terms.spec.outputShape, [16, 27]);
  const ev = await evalJob(id);
  assert.equal(ev.dataset, 'names');
  assert.equal(ev.unigramBaseline, unigramBaseline(loadDataset('names')));
  assert.ok(ev.loss > 0 && Number.isFinite(ev.loss));
  assert.equal(ev.samples.length, 4);
  assert.ok(ev.samples.every((s: string) => /^[a-z]*$/.test(s)), `names letters, no --vocab: ${JSON.stringify(ev.samples)}`);
});

let parentId: string;

test('a transformer job on a user\'s text file (dataset add, fetched by the solver from the submitter\'s node) trains, verifies and is paid', { timeout: 120_000 }, async () => {
  parentId = (await runJob(files.text!, 'pangrams')).id;
  const ev = await evalJob(parentId, ['--data-dir', join(dir, 'node')]);
  assert.equal(ev.dataset, 'pangrams');
  assert.equal(ev.kind, 'stored');
  assert.ok(ev.samples.length === 4 && ev.samples.every((s: unknown) => typeof s === 'string'), JSON.stringify(ev.samples));
});

test('fine-tuning the proven text transformer on another user\'s text file (--parent): trained from its weights, verified, paid', { timeout: 120_000 }, async () => {
  assert.ok(parentId, 'the parent job ran');
  const { id, job } = await runJob(files.tune!, 'menu', ['--parent', parentId]);
  assert.equal(job.terms.parent, parentId);
  // the child's state_0 holds the parent's final weights
  const parentSpec = parseSpec(readFileSync(files.text!, 'utf8'));
  const childSpec = parseSpec(readFileSync(files.tune!, 'utf8'));
  const pa = await SolverArtifacts.open(join(dir, 'solver'), hexToBytes(parentId.slice(2)));
  const ca = await SolverArtifacts.open(join(dir, 'solver'), hexToBytes(id.slice(2)));
  const last = decodeState(await pa.checkpointBytes(checkpointSteps(parentSpec.steps, parentSpec.checkpointInterval).length - 1), layoutOfSpec(parentSpec));
  const first = decodeState(await ca.checkpointBytes(0), layoutOfSpec(childSpec));
  first.params.forEach((p, i) => assert.deepEqual(p, last.params[i], `param tensor ${i}`));
  const ev = await evalJob(id, ['--data-dir', join(dir, 'node')]);
  assert.equal(ev.dataset, 'menu');
});

test('a job on a user\'s CSV (dataset add) trains, verifies and is paid', { timeout: 120_000 }, async () => {
  const { job } = await runJob(files.csv!, 'colours');
  assert.equal(job.terms.datasetSize, 90);
});

test('the shipped names-transformer.json is a job the chain accepts with job submit\'s default terms (after the solver stopped, so nobody trains it here)', { timeout: 60_000 }, async () => {
  const exited = once(solver, 'exit');
  solver.kill('SIGTERM');
  assert.equal((await exited)[0], 0, 'the solver stops cleanly');
  const sub = await cli(['job', 'submit', '--spec', join(ROOT, 'ml-runtime/specs/names-transformer.json'), '--dataset', 'names', '--bounty', '1000', '--dev-account', '2', '--rpc', node.url, '--wait']);
  assert.equal(sub.code, 0, sub.err);
  const id = JSON.parse(sub.out.trim().split('\n').pop()!).jobId as string;
  const job = await rpc.call('job_get', [id]);
  assert.equal(job.status, 'open');
  assert.deepEqual([job.terms.spec.steps, job.terms.spec.checkpointInterval, job.terms.spec.segmentCount], [1500, 50, 30]);
  assert.ok(job.terms.windows.commit >= 245, `the commit window meets the floor (${job.terms.windows.commit})`);
});
