// `polchain job`: bad flags fail with one clear USAGE line and exit code 2 (before any RPC), and
// submit / status / list work against a real node process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { devAccount } from '../genesis/index.ts';
import { datasetRoot, loadDataset, parseSpec } from '../ml-runtime/index.ts';
import { disputeTermsFor, termFloors } from '../vm/index.ts';
import { createRpcServer } from '../rpc/index.ts';
import { jobMethods } from '../node/rpc-methods/index.ts';
import { runCli, startNode, ROOT } from './helpers/node-process.ts';
import { JobSim, Solver, plan } from './helpers/job-sim/index.ts';
import { spareMember } from './helpers/quorum-spare.ts';
import { bytesToHex, encodeAddress } from '../primitives/index.ts';
import { cli } from './helpers/cli-capture.ts';

const IRIS = join(ROOT, 'ml-runtime/specs/iris.json'); // T = 60, k = 20

/** Runs the CLI in this process (fast), capturing what it prints. */
test('job: bad flags are one USAGE line and exit code 2', { timeout: 30_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-jobcli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const spec = JSON.parse(readFileSync(IRIS, 'utf8'));
  const k1 = join(dir, 'k1.json');
  await writeFile(k1, JSON.stringify({ ...spec, checkpointInterval: 1 }));
  const k80 = join(dir, 'k80.json');
  await writeFile(k80, JSON.stringify({ ...spec, checkpointInterval: 80, steps: 200 }));
  const tk1 = join(dir, 'tk1.json');
  await writeFile(tk1, JSON.stringify({ ...spec, checkpointInterval: 4, steps: 41 }));
  const longT = join(dir, 'long.json');
  await writeFile(longT, JSON.stringify({ ...spec, steps: 70_000 }));
  const broken = join(dir, 'broken.json');
  await writeFile(broken, '{"format": "polchain/model-spec/v1",');
  const ok = ['--spec', IRIS, '--dataset', 'iris', '--bounty', '100', '--dev-account', '0', '--rpc', 'http://127.0.0.1:1/'];
  const cases: Array<[string[], RegExp]> = [
    [['job'], /job needs a subcommand/],
    [['job', 'frob'], /unknown job subcommand "frob"/],
    [['job', 'submit', '--dataset', 'iris', '--bounty', '1', '--dev-account', '0'], /--spec is required/],
    [['job', 'submit', '--spec', IRIS, '--bounty', '1', '--dev-account', '0'], /--dataset is required/],
    [['job', 'submit', '--spec', IRIS, '--dataset', 'iris', '--dev-account', '0'], /--bounty is required/],
    [['job', 'submit', ...ok, '--bogus'], /unknown flag --bogus/],
    [['job', 'submit', ...ok.slice(0, 4), '--bounty', '0', '--dev-account', '0'], /--bounty must be positive/],
    [['job', 'submit', ...ok.slice(0, 4), '--bounty', '-5', '--dev-account', '0'], /--bounty/],
    [['job', 'submit', ...ok.slice(0, 4), '--bounty', '5'], /a signing key is required/],
    [['job', 'submit', ...ok, '--key-seed', '00'.repeat(32)], /give only one of --key-seed, --dev-account/],
    [['job', 'submit', ...ok.slice(0, 6), '--key-seed', 'xyz'], /--key-seed must be 32 bytes of hex/],
    [['job', 'submit', ...ok.slice(0, 6), '--key', join(dir, 'missing.json')], /--key: cannot read keystore file .*ENOENT/],
    [['job', 'submit', '--spec', join(dir, 'nope.json'), ...ok.slice(2)], /--spec: cannot read .*ENOENT/],
    [['job', 'submit', '--spec', broken, ...ok.slice(2)], /spec is not valid JSON/],
    [['job', 'submit', '--spec', k1, ...ok.slice(2)], /checkpointInterval k = 1 must be in \[2, 64\]/],
    [['job', 'submit', '--spec', k80, ...ok.slice(2)], /checkpointInterval k = 80 must be in \[2, 64\]/],
    [['job', 'submit', '--spec', tk1, ...ok.slice(2)], /T mod k = 1/],
    [['job', 'submit', '--spec', longT, ...ok.slice(2)], /steps T = 70000 exceeds the chain's limit of 65536/],
    [['job', 'submit', '--spec', IRIS, '--dataset', 'cifar', ...ok.slice(4)], /--dataset "cifar": no bundled dataset \(mnist, iris, synthetic-classification, synthetic-regression, names\) and no dataset stored in/],
    [['job', 'submit', ...ok, '--windows', '1,2,3'], /--windows must be six positive integers/],
    [['job', 'submit', ...ok, '--windows', '5,5,1,5,5,5'], /challengeDelay must be at least 2/],
    [['job', 'submit', ...ok, '--windows', '5,5,2,5,5,10001'], /reveal = 10001 exceeds 10000/],
    [['job', 'submit', ...ok, '--q', '65'], /--q must be an integer in \[16, 64\]/],
    [['job', 'submit', ...ok, '--committee', '0'], /--committee must be an integer in \[5, 16\]/],
    [['job', 'submit', ...ok, '--parent', '0x12'], /--parent must be 32 bytes/],
    [['job', 'submit', ...ok, '--runtime', 'tf-9'], /--runtime must be one of det-1/],
    [['job', 'status'], /job status needs exactly one job ID/],
    [['job', 'status', '0x1234'], /job ID must be 32 bytes of hex/],
    [['job', 'list', '--limit', '500'], /--limit must be an integer in \[1, 100\]/],
    [['job', 'list', '--status', 'done'], /--status must be one of open, accepted, .*, expired, provisional, diverged, diverging, redrawing, got "done"/],
    [['job', 'list', 'extra'], /unexpected arguments: extra/],
    [['job', 'submit', ...ok, '--dispute-bond', '0'], /--dispute-bond must be positive/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')} -> ${r.err}`);
    const first = r.err.split('\n')[0]!;
    assert.match(first, /^polchain job: USAGE: /, args.join(' '));
    assert.match(first, re, args.join(' '));
  }
  // The same through a real process: exit status 2 and the message on stderr.
  const p = await runCli(['job', 'submit', '--spec', k1, ...ok.slice(2)]);
  assert.equal(p.code, 2);
  assert.match(p.stderr, /^polchain job: USAGE: .*checkpointInterval k = 1/);
  assert.equal(p.stdout, '');
});

test('job submit, status and list against a real node', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-jobcli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const init = await runCli(['init', '--data-dir', dir, '--dev-accounts', '3']);
  assert.equal(init.code, 0, init.stderr);
  const node = await startNode(dir, ['--block-interval-ms', '100']);
  t.after(() => node.kill());
  const rpc = ['--rpc', node.url];

  const sub = await runCli(['job', 'submit', '--spec', IRIS, '--dataset', 'iris', '--bounty', '1000', '--reward', '60', '--stake', '400', '--q', '16',
    '--committee', '5', '--windows', '700,50,2,10,10,10', '--dispute-window', '7', '--move-window', '4', '--dispute-bond', '55', '--demand-fee', '3',
    '--dev-account', '0', '--wait', ...rpc]);
  assert.equal(sub.code, 0, sub.stderr);
  const a = JSON.parse(sub.stdout);
  assert.match(a.jobId, /^0x[0-9a-f]{64}$/);
  assert.equal(a.txHash, a.jobId, 'the job id is the JobSubmit hash');
  assert.equal(a.status, 'open');
  assert.equal(BigInt(a.deadline), BigInt(a.height) + 700n);
  // A second job signed with a raw seed, without --wait.
  const seedHex = bytesToHex(devAccount(1).seed);
  const sub2 = await cli(['job', 'submit', '--spec', IRIS, '--dataset', 'iris', '--bounty', '250', '--key-seed', seedHex, ...rpc]);
  assert.equal(sub2.code, 0, sub2.err);
  const b = JSON.parse(sub2.out);
  assert.equal(b.nonce, '0');

  const st = await runCli(['job', 'status', a.jobId, ...rpc]);
  assert.equal(st.code, 0, st.stderr);
  assert.match(st.stdout, new RegExp(`^job ${a.jobId}\\n`));
  assert.match(st.stdout, /status {6}open; accept deadline at height \d+ \(latest \d+, \d+ blocks left\)/);
  assert.match(st.stdout, new RegExp(`submitter {3}${encodeAddress(devAccount(0).address)} at height ${a.height}`));
  assert.match(st.stdout, /T=60 k=20 batch=16 momentum\(learningRate=0\.05, momentum=0\.9\)/);
  assert.match(st.stdout, new RegExp(`dataset {5}0x${bytesToHex(datasetRoot(loadDataset('iris').train))} \\(120 samples\\), runtime det-1`));
  assert.match(st.stdout, /amounts {5}bounty 1000, attest reward 60, solver stake 400/);
  assert.match(st.stdout, /q=16, committee 5, windows accept 700, commit 50, challengeDelay 2, open 10, attest 10, reveal 10/);
  assert.match(st.stdout, /solver {6}-/);
  const js = await cli(['job', 'status', a.jobId, '--json', ...rpc]);
  assert.equal(js.code, 0, js.err);
  const full = JSON.parse(js.out);
  assert.equal(full.id, a.jobId);
  assert.equal(full.terms.solverStake, '400');
  assert.deepEqual(full.terms.windows, { accept: 700, commit: 50, challengeDelay: 2, open: 10, attest: 10, reveal: 10 });
  assert.deepEqual(full.attestations.members, []);
  const limits = disputeTermsFor(parseSpec(readFileSync(IRIS, 'utf8')));
  assert.deepEqual(full.terms.dispute, { window: 7, move: 4, bond: '55', demandFee: '3', maxStateBytes: limits.maxStateBytes, maxStepCost: limits.maxStepCost });
  assert.deepEqual([full.verdict, full.windowEnd, full.disputes, full.demands], [null, null, [], []]);
  assert.match(st.stdout, /disputable {2}window 7, move 4, bond 55, demand fee 3; referee limits \d+ state bytes, \d+ multiply-adds/);
  const b2 = await cli(['job', 'status', b.jobId, '--json', ...rpc]);
  const bt = JSON.parse(b2.out).terms.dispute;
  assert.deepEqual([bt.window, bt.move, bt.bond, bt.demandFee], [20, 10, '100', '1'], 'the defaults of disputeTermsFor');
  // without --reward, --stake or --windows the CLI fills in values that meet the chain's floors
  const bTerms = JSON.parse(b2.out).terms;
  const floors = termFloors(parseSpec(readFileSync(IRIS, 'utf8')), { q: bTerms.q, committeeSize: bTerms.committeeSize, bounty: 250n });
  assert.ok(floors.attestReward > 0n);
  assert.equal(bTerms.attestReward, String(floors.attestReward), 'the default reward is the floor');
  assert.equal(bTerms.solverStake, '250', 'the default stake is the bounty');
  for (const n of ['accept', 'commit', 'open', 'attest', 'reveal'] as const) assert.ok(bTerms.windows[n] >= floors.windows[n], n);
  const none = await cli(['job', 'disputes', ...rpc]);
  assert.deepEqual([none.code, none.out], [0, 'no disputes'], 'no job is in its dispute window');
  const noneOfA = await cli(['job', 'disputes', a.jobId, ...rpc]);
  assert.match(noneOfA.out, new RegExp(`^job ${a.jobId}: open, no verdict yet\nno disputes$`));

  const ls = await cli(['job', 'list', '--json', ...rpc]);
  assert.equal(ls.code, 0, ls.err);
  assert.deepEqual(JSON.parse(ls.out).jobs.map((j: any) => j.id), [a.jobId, b.jobId].sort());
  const page = await cli(['job', 'list', '--limit', '1', ...rpc]);
  assert.equal(page.out.split('\n').length, 2);
  assert.match(page.out, /\(more: --cursor 0x[0-9a-f]{64}\)$/);
  const every = await cli(['job', 'list', '--limit', '1', '--all', '--status', 'open', ...rpc]);
  assert.deepEqual(every.out.split('\n').map((l) => l.split(' ')[0]), [a.jobId, b.jobId].sort());
  const noJobs = await cli(['job', 'list', '--status', 'finalized', ...rpc]);
  assert.equal(noJobs.out, 'no jobs');
  const badSubmitter = await cli(['job', 'list', '--submitter', 'pol1xyz', ...rpc]);
  assert.equal(badSubmitter.code, 1, 'the node rejects the address');
  assert.match(badSubmitter.err, /polchain job: INVALID_PARAMS: .*submitter.*\(JSON-RPC -32602\)/);
  const unknown = await cli(['job', 'status', '0x' + '42'.repeat(32), ...rpc]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /polchain job: NOT_FOUND: no job 0x(42){32} at height \d+ .*\(JSON-RPC -32001\)/);
  assert.equal(await node.stop(), 0);
});

test('job status shows committee verdicts and payouts of ended jobs (real vm, in-process sim)', { timeout: 30_000 }, async (t) => {
  const sim = new JobSim({ replica: false });
  const spec = parseSpec(readFileSync(IRIS, 'utf8'));
  const ds = loadDataset('iris').train;
  const honest = sim.submitTx(sim.terms(spec, ds, { q: 16, committeeSize: 5 }));
  const cheat = sim.submitTx(sim.terms(spec, ds, { q: 16, committeeSize: 5 }));
  sim.next([honest.tx, cheat.tx]);
  // one member UNAVAILABLE without a demand: silent, which v5 charges; one the quorum can spare, so the job is paid
  let spare: Uint8Array | undefined;
  const lazy = () => (spare ??= spareMember(sim.job(honest.jobId)));
  await sim.drive([
    plan(honest.jobId, new Solver(sim.solvers[0]!), { kind: 'honest' }, { members: (m) => (bytesToHex(m) === bytesToHex(lazy()) ? 'unavailable' : 'replay') }),
    plan(cheat.jobId, new Solver(sim.solvers[1]!), { kind: 'random-hashes' }),
  ]);
  const server = await createRpcServer({ methods: jobMethods({ jobs: sim.state, pending: () => false, height: () => sim.state.height }), port: 0 });
  t.after(() => server.close());
  const job = sim.job(honest.jobId);
  const members = job.committee.map((m) => encodeAddress(m.address));
  const silent = encodeAddress(lazy());
  // v5 (docs/committee.md §7): each seat of a matching member earns floor(1200 / 5) = 240; the silent
  // member's seats and the remainder go back to the submitter
  const unit = 1200n / 5n;
  const seatsOf = (j: typeof job, a: string) => BigInt(j.seats.filter((x) => encodeAddress(x) === a).length);
  const st = await cli(['job', 'status', '0x' + bytesToHex(honest.jobId), '--rpc', server.url]);
  assert.equal(st.code, 0, st.err);
  assert.match(st.out, new RegExp(`status {6}finalized \\(paid\\); ended at height ${job.endHeight}`));
  assert.match(st.out, new RegExp(`solver {6}${encodeAddress(sim.solvers[0]!.address)} \\(accepted at \\d+; DA peer sim\\)`));
  assert.match(st.out, new RegExp(`segments {4}\\[${job.segments.join(', ')}\\] of 3`));
  const stake = 1_000_000n * BigInt(members.length);
  assert.match(st.out, new RegExp(`committee {3}${members.length} member\\(s\\), stake ${stake}, attested stake ${stake}`));
  const matched = members.filter((m) => m !== silent);
  assert.ok(matched.length > 0 && members.includes(silent));
  for (const m of matched) assert.match(st.out, new RegExp(`${m}  stake 1000000  digest 0x[0-9a-f]{8}…[0-9a-f]{6} at \\d+, matched`));
  assert.match(st.out, new RegExp(`${silent}  stake 1000000  data unavailable \\(height \\d+\\), counts for neither side`));
  const paid = matched.map((m) => unit * seatsOf(job, m));
  const rest = 1200n - paid.reduce((x, y) => x + y, 0n);
  assert.equal(rest, unit * seatsOf(job, silent), 'the silent member\'s seats (1200 = 5 × 240, no remainder)');
  assert.match(st.out, new RegExp(`payouts {5}solver ${encodeAddress(sim.solvers[0]!.address)}: bounty 100000 \\+ bond 50000 returned\\n`
    + matched.map((m, i) => ` {14}attester ${m}: ${paid[i]} \\(${seatsOf(job, m)} seat\\(s\\) × 240\\)\\n`).join('')
    + ` {14}submitter ${encodeAddress(sim.submitter.address)}: ${rest} \\(attest reward of the other seats and the remainder\\)$`));
  // the slashed view: no member can replay a random trace from its garbage checkpoints; each attests a real
  // digest that disagrees (v5: NO_HASH for a segment whose proven checkpoint is invalid, not UNAVAILABLE,
  // which would be silence); they share half the bond (floor each) and the attest reward per seat; the rest is burned
  const cj = sim.job(cheat.jobId);
  const cs = await cli(['job', 'status', '0x' + bytesToHex(cheat.jobId), '--rpc', server.url]);
  assert.equal(cs.code, 0, cs.err);
  assert.match(cs.out, /status {6}slashed \(mismatch\)/);
  const dissent = cj.committee.map((m) => encodeAddress(m.address));
  for (const m of dissent) assert.match(cs.out, new RegExp(`${m}  stake 1000000  digest 0x[0-9a-f]{8}…[0-9a-f]{6} at \\d+, MISMATCH\\n`));
  const share = 50_000n / 2n / BigInt(dissent.length);
  const cPaid = dissent.map((m) => unit * seatsOf(cj, m));
  const cRest = 1200n - cPaid.reduce((x, y) => x + y, 0n);
  assert.match(cs.out, new RegExp(`payouts {5}solver bond 50000 lost: ${50_000n - share * BigInt(dissent.length)} burned\\n`
    + dissent.map((m, i) => ` {14}dissenting attester ${m}: ${share} of the bond \\+ attest reward ${cPaid[i]} \\(${seatsOf(cj, m)} seat\\(s\\) × 240\\)\\n`).join('')
    + ` {14}submitter ${encodeAddress(sim.submitter.address)}: bounty 100000${cRest > 0n ? ` \\+ attest reward ${cRest}` : ''} refunded$`));
});

test('job status of a job no committee attested: expired (no-quorum), the bond back to the solver, bounty and reward to the submitter', { timeout: 30_000 }, async (t) => {
  const sim = new JobSim({ replica: false });
  const spec = parseSpec(readFileSync(IRIS, 'utf8'));
  const quiet = sim.submitTx(sim.terms(spec, loadDataset('iris').train, { q: 16, committeeSize: 5 }));
  sim.next([quiet.tx]);
  await sim.drive([plan(quiet.jobId, new Solver(sim.solvers[0]!), { kind: 'honest' }, { members: () => 'unavailable' })]);
  const job = sim.job(quiet.jobId);
  assert.equal(job.outcome, 'no-quorum', 'no committee reached a quorum (three drawn, or the pool ran out of members not yet silent)');
  const server = await createRpcServer({ methods: jobMethods({ jobs: sim.state, pending: () => false, height: () => sim.state.height }), port: 0 });
  t.after(() => server.close());
  const st = await cli(['job', 'status', '0x' + bytesToHex(quiet.jobId), '--rpc', server.url]);
  assert.equal(st.code, 0, st.err);
  assert.match(st.out, new RegExp(`status {6}expired \\(no-quorum\\); ended at height ${job.endHeight}`));
  assert.match(st.out, new RegExp(`payouts {5}solver ${encodeAddress(sim.solvers[0]!.address)}: bond 50000 returned\\n`
    + ` {14}submitter ${encodeAddress(sim.submitter.address)}: bounty 100000 \\+ attest reward 1200 refunded$`));
});

test('job submit refuses a spec that does not fit its dataset, more samples than segments, and terms below the chain\'s floors, before anything is signed', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-jobcli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal((await runCli(['init', '--data-dir', dir, '--dev-accounts', '1'])).code, 0);
  const node = await startNode(dir, ['--block-interval-ms', '100']);
  t.after(() => node.kill());
  const submitter = encodeAddress(devAccount(0).address);
  const account = async () => {
    const r = await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'account_get', params: [submitter] }) });
    const { balance, pendingNonce } = ((await r.json()) as { result: { balance: string; pendingNonce: string } }).result;
    return { balance, pendingNonce };
  };
  const before = await account();
  const misfit = await runCli(['job', 'submit', '--spec', IRIS, '--dataset', 'mnist', '--bounty', '1000', '--dev-account', '0', '--rpc', node.url]);
  assert.equal(misfit.code, 1);
  assert.match(misfit.stderr, /^polchain job: SPEC_DATASET_MISMATCH: spec inputShape \[4\] has 4 elements, dataset mnist\/train has 784 features/);
  const tooMany = await runCli(['job', 'submit', '--spec', IRIS, '--dataset', 'iris', '--bounty', '1000', '--q', '17', '--dev-account', '0', '--rpc', node.url]);
  assert.equal(tooMany.code, 1);
  assert.match(tooMany.stderr, /^polchain job: JOB_Q_TOO_LARGE: --q 17 exceeds the 3 segments of this spec .*use --q 16 or fewer/);
  // a flag below a floor is the vm's typed error, naming the flag and the least value
  const iris = ['job', 'submit', '--spec', IRIS, '--dataset', 'iris', '--bounty', '1000', '--q', '16', '--committee', '5', '--dev-account', '0', '--rpc', node.url];
  const floors = termFloors(parseSpec(readFileSync(IRIS, 'utf8')), { q: 16, committeeSize: 5, bounty: 1000n });
  const lowStake = await runCli([...iris, '--stake', String(floors.solverStake - 1n)]);
  assert.equal(lowStake.code, 1);
  assert.match(lowStake.stderr, new RegExp(`^polchain job: JOB_STAKE_TOO_LOW: --stake ${floors.solverStake - 1n} is below the chain's floor of ${floors.solverStake} .*give --stake ${floors.solverStake} or more`));
  const lowReward = await runCli([...iris, '--reward', String(floors.attestReward - 1n)]);
  assert.equal(lowReward.code, 1);
  assert.match(lowReward.stderr, /^polchain job: JOB_REWARD_TOO_LOW: --reward /);
  const shortAttest = await runCli([...iris, '--windows', `700,50,2,10,${floors.windows.attest - 1},10`]);
  assert.equal(shortAttest.code, 1);
  assert.match(shortAttest.stderr, new RegExp(`^polchain job: JOB_WINDOW_TOO_SHORT: --windows attest ${floors.windows.attest - 1} is below the chain's floor of ${floors.windows.attest}`));
  const shortMove = await runCli([...iris, '--move-window', String(floors.dispute.move - 1)]);
  assert.equal(shortMove.code, 1);
  assert.match(shortMove.stderr, /^polchain job: JOB_WINDOW_TOO_SHORT: --move-window /);
  assert.deepEqual(await account(), before, 'nothing was escrowed and no nonce was used');
});
