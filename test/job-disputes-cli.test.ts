// `polchain job disputes` and the dispute parts of `polchain job status`, against the node's real job
// handlers over a vm TestChain that runs real disputes with the det referee: the table while a
// dispute waits for the referee's inputs and after it is decided, --json, and the payouts of a
// fraud checked against the money the chain moved. Bad arguments are USAGE errors (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disputeTermsFor, EventKind, JobStatus, type ChainEvent } from '../vm/index.ts';
import { createDetReferee, encodeState } from '../ml-runtime/index.ts';
import { createRpcServer, type RpcServer } from '../rpc/index.ts';
import { jobMethods } from '../node/rpc-methods/index.ts';
import { DISPUTE_DEFAULTS } from '../node/cli/index.ts';

import { batchSampleIndices, samplePayloads, statePieces } from '../node/jobs/index.ts';
import { TestChain, CHAIN_ID, PARAMS } from './helpers/job-test-chain.ts';
import { runJob, hasEnded, submit, commitAndWaitChallenge, openAndAttest, DA_PEER, DA_ADDRS } from './helpers/job-flow.ts';
import { DATA, K, SPEC, SolverWork, terms, useDet } from './helpers/job-work.ts';
import { fakeStep, honestSegment, honestStateAt } from './helpers/dispute-work.ts';
import { saltMissing } from './helpers/missed-segment.ts';
import { bytesToHex, encodeAddress, leafHash, merkleRangeProof } from '../primitives/index.ts';
import { cli } from './helpers/cli-capture.ts';

await useDet();
const hx = (b: Uint8Array) => '0x' + bytesToHex(b);
const referee = createDetReferee();

/** Runs the CLI in this process, capturing what it prints. */
function chain(salt: string): TestChain {
  const c = new TestChain(salt);
  c.withReferee(referee);
  return c;
}

async function serve(c: TestChain, t: { after(f: () => unknown): void }): Promise<RpcServer> {
  const server = await createRpcServer({ methods: jobMethods({ jobs: c.state, pending: () => false, height: () => c.state.height }), port: 0 });
  t.after(() => server.close());
  return server;
}

test('job disputes: a table of open disputes with the referee\'s progress, then the decision; --all, ID, --json', { timeout: 120_000 }, async (t) => {
  const c = chain('cli-disputes');
  const { id, work } = runJob(c, { keepOpen: true });
  const job = c.job(id);
  const j = job.segments[0]!;
  const lie = honestSegment(job, work, j);
  lie[2] = new Uint8Array(32).fill(0x42);
  c.block([c.tx(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: j, member: null, hashes: lie })]);
  const step = j * K + 1;
  const state = encodeState(work.stateAt(step));
  c.block(statePieces(CHAIN_ID, id, 0, state, PARAMS.maxTxBytes).map((p) => c.tx(c.solver, p)));
  const server = await serve(c, t);
  const rpc = ['--rpc', server.url];
  const other = encodeAddress(c.other.address);
  const deadline = c.job(id).disputes[0]!.deadline;
  const needed = batchSampleIndices(job, step).length;

  const open = await cli(['job', 'disputes', ...rpc]);
  assert.equal(open.code, 0, open.err);
  const [head, row, ...rest] = open.out.split('\n');
  assert.match(head!, /^JOB +# +KIND +AGAINST +BY +BOND +STAGE +STATE$/);
  assert.deepEqual(rest, []);
  assert.match(row!, new RegExp(`^${hx(id).slice(0, 10)}…${hx(id).slice(-6)} +0 +solver +segment ${j} +${other.slice(0, 10)}…${other.slice(-6)} +700 +referee +`
    + `referee on step ${step} until ${deadline}: state ${state.length}/${state.length} bytes from pol1\\S+, samples 0/${needed}$`));
  const one = await cli(['job', 'disputes', hx(id).slice(2), ...rpc]);
  assert.equal(one.code, 0, one.err);
  assert.match(one.out, new RegExp(`^job ${hx(id)}: provisional, dispute window open \\(ends at ${c.job(id).windowEnd}, latest ${c.height}\\)\\nJOB `));
  const js = await cli(['job', 'disputes', '--json', ...rpc]);
  const parsed = JSON.parse(js.out);
  assert.deepEqual(parsed.jobs.map((x: any) => [x.id, x.status, x.verdict, x.disputes.length, x.disputes[0].supplies[0].received]), [[hx(id), 'provisional', 'paid', 1, state.length]]);
  const status = await cli(['job', 'status', hx(id), ...rpc]);
  assert.match(status.out, new RegExp(`\\n  verdict {5}paid, provisional: anyone may dispute it until height ${c.job(id).windowEnd} \\(\\d+ blocks left\\)\\n`));
  assert.match(status.out, new RegExp(`\\n  disputes {4}1 \\(1 open\\)\\n {6}#0 solver segment ${j} by ${other}, bond 700, opened at \\d+: referee on step ${step}`));
  assert.match(status.out, /\n {2}disputable {2}window 2, move 3, bond 700, demand fee 30; referee limits \d+ state bytes, \d+ multiply-adds\n/);

  // the batch goes on chain, the referee decides for the solver, the window closes
  c.block(samplePayloads(CHAIN_ID, id, 0, DATA, batchSampleIndices(job, step), PARAMS.maxTxBytes).map((p) => c.tx(c.other, p)));
  c.until(id, hasEnded);
  const decidedAt = c.job(id).disputes[0]!.endHeight;
  assert.equal((await cli(['job', 'disputes', ...rpc])).out, 'no disputes', 'nothing provisional any more');
  const all = await cli(['job', 'disputes', '--all', ...rpc]);
  assert.match(all.out.split('\n')[1]!, new RegExp(` +resolved +solver won \\(referee\\) at ${decidedAt}$`));
  const ended = await cli(['job', 'status', hx(id), ...rpc]);
  assert.match(ended.out, /status {6}finalized \(paid\)/);
  assert.match(ended.out, new RegExp(`verdict {5}paid \\(dispute window ended at height \\d+\\)`));
  assert.match(ended.out, new RegExp(`#0 solver segment ${j} by ${other}, bond 700, opened at \\d+: solver won \\(referee\\) at ${decidedAt}`));
});

test('job status: the payouts of a fraud caught by a dispute are the money the chain moved', { timeout: 120_000 }, async (t) => {
  const tm = terms({ solverStake: 10_000n }); // the stake floor is ceil(bounty / q) = 625: a slash share of 5,000
  // a salt whose draw misses a segment > 0, for the solver to fake unseen by its committee
  const { salt, segment: X } = saltMissing('cli-fraud', tm, [1, 2, 3]);
  const c = chain(salt);
  const id = submit(c, tm);
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: DA_PEER, daAddrs: DA_ADDRS })]);
  c.until(id, (x) => x.status === JobStatus.Training);
  const work = new SolverWork(c.job(id), SPEC, [fakeStep(X * K)]);
  commitAndWaitChallenge(c, id, work);
  const judged = openAndAttest(c, id, work, (x) => c.validators.filter((v) => x.committee.some((m) => bytesToHex(m.address) === bytesToHex(v.address))));
  c.block([c.tx(c.solver, work.reveal(judged))]);
  let job = c.job(id);
  assert.equal(job.verdict, 'paid');
  const claim = honestSegment(job, work, X);
  c.block([c.tx(c.other, { kind: 'dispute-open', jobId: id, target: 'solver', segment: X, member: null, hashes: claim })]);
  const { from, to } = { from: X * K, to: X * K + claim.length - 1 };
  c.block([c.tx(c.solver, {
    kind: 'dispute-respond', jobId: id, dispute: 0, hashes: work.trace.stepHashes.slice(from, to + 1), siblings: merkleRangeProof(work.trace.stepHashes.map(leafHash), from, to),
  })]);
  job = c.job(id);
  const step = job.disputes[0]!.step;
  const s = encodeState(honestStateAt(job, work, X, step));
  const last = c.block([
    ...statePieces(CHAIN_ID, id, 0, s, PARAMS.maxTxBytes).map((p) => c.tx(c.other, p)),
    ...samplePayloads(CHAIN_ID, id, 0, DATA, batchSampleIndices(job, step), PARAMS.maxTxBytes).map((p) => c.tx(c.other, p)),
  ]);
  job = c.job(id);
  assert.deepEqual([job.status, job.outcome], [JobStatus.Slashed, 'fraud']);

  const server = await serve(c, t);
  const st = await cli(['job', 'status', hx(id), '--rpc', server.url]);
  assert.equal(st.code, 0, st.err);
  // what the chain paid at the end: the burn, the challenger's share, the submitter's refund
  const ev = (kind: number) => last.blockEvents.filter((e: ChainEvent) => e.kind === kind);
  const burned = ev(EventKind.JobSlash)[0]!.amount;
  const share = ev(EventKind.JobSlashShare);
  assert.deepEqual(share.map((e) => hx(e.address)), [hx(c.other.address)], 'the committee saw nothing: the challenger alone shares the bond');
  const refund = ev(EventKind.JobRefund).find((e) => hx(e.address) === hx(c.submitter.address))!.amount;
  assert.equal(refund, tm.bounty + tm.attestReward);
  assert.match(st.out, new RegExp(`status {6}slashed \\(fraud\\); ended at height ${job.endHeight}`));
  assert.match(st.out, new RegExp(`payouts {5}solver bond ${tm.solverStake} lost: ${burned} burned\\n {14}challenger ${encodeAddress(c.other.address)}: ${share[0]!.amount} of the bond\\n`
    + ` {14}submitter ${encodeAddress(c.submitter.address)}: bounty ${tm.bounty} \\+ attest reward ${tm.attestReward} refunded$`));
  assert.match(st.out, /#0 solver segment \d by pol1\S+, bond 700, opened at \d+: challenger won \(referee\) at \d+/);
});

test('job disputes and the dispute flags of job submit: help, and bad arguments are USAGE errors', async () => {
  const ok = ['--spec', 'ml-runtime/specs/iris.json', '--dataset', 'iris', '--bounty', '100', '--dev-account', '0', '--rpc', 'http://127.0.0.1:1/'];
  const cases: Array<[string[], RegExp]> = [
    [['job', 'submit', ...ok, '--dispute-window', '0'], /--dispute-window must be an integer in \[1, 10000\], got "0"/],
    [['job', 'submit', ...ok, '--move-window', 'ten'], /--move-window must be an integer in \[1, 10000\], got "ten"/],
    [['job', 'submit', ...ok, '--move-window', '10001'], /--move-window must be an integer in \[1, 10000\]/],
    [['job', 'submit', ...ok, '--dispute-bond', '0'], /--dispute-bond must be positive, got 0/],
    [['job', 'submit', ...ok, '--demand-fee', '-1'], /--demand-fee must be a non-negative integer, got "-1"/],
    [['job', 'submit', ...ok, '--dispute-bond', '18446744073709551616'], /--dispute-bond exceeds 2\^64-1/],
    [['job', 'submit', ...ok, '--dispute-windw', '5'], /unknown flag --dispute-windw \(did you mean --dispute-window\?\)/],
    [['job', 'disputes', '0x1234'], /job ID must be 32 bytes of hex/],
    [['job', 'disputes', 'ab'.repeat(32), 'cd'.repeat(32)], /job disputes takes at most one job ID, got 2 arguments/],
    [['job', 'disputes', 'ab'.repeat(32), '--all'], /give either a job ID or --all/],
    [['job', 'disputes', '--rpc', 'notaurl'], /--rpc must be a URL/],
    [['job', 'disputes', '--bogus'], /unknown flag --bogus/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')} -> ${r.err}`);
    assert.match(r.err.split('\n')[0]!, /^polchain job: USAGE: /, args.join(' '));
    assert.match(r.err, re, args.join(' '));
    assert.doesNotMatch(r.err, /^\s+at .+:\d+:\d+\)?$/m);
  }
  const help = await cli(['job', 'submit', '--help']);
  assert.equal(help.code, 0);
  const d = disputeTermsFor(SPEC);
  assert.deepEqual(DISPUTE_DEFAULTS, { window: d.window, move: d.move, bond: d.bond, demandFee: d.demandFee }, 'the help states disputeTermsFor\'s defaults');
  for (const [flag, def] of [['dispute-window N', d.window], ['move-window N', d.move], ['dispute-bond N', d.bond], ['demand-fee N', d.demandFee]] as const) {
    assert.match(help.out, new RegExp(`^  --${flag} +\\S.*\\(default ${def};`, 'm'), flag);
  }
  const dh = await cli(['job', 'disputes', '--help']);
  assert.equal(dh.code, 0);
  assert.match(dh.out, /^usage: polchain job disputes \[ID\] \[--all\] \[--json\] \[--rpc URL\]\n\nlist the disputes of a job/);
  assert.match(dh.out, /^ {2}--all +without ID: every job that ever had a dispute/m);
  const jh = await cli(['job', '--help']);
  assert.match(jh.out, /^ +polchain job disputes \[ID\]/m);
  assert.equal((await cli(['job', 'status', '--help'])).code, 0);
});
