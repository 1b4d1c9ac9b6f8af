// The dispute numbers of bench:pol (issue 10), measured in the caller's run:
//  1. the referee's step CPU for the MNIST MLP (node/cli demoSpec(400): 784-32-10, Adam, batch 32)
//     and the CNN (ml-runtime/specs/cnn-mnist.json) against an honest trainStep (bench/referee-step.ts),
//     and the CPU of the block in which the referee decides against an empty block, on a TestChain
//     (the small regression SPEC of test/helpers/job-work.ts: those jobs are what TestChain runs);
//  2. one full dispute on that TestChain, the "fake in an unsampled segment" flow of the first test
//     of vm/jobs/disputes.test.ts (open, the solver's response, state_t + samples, referee): blocks
//     from the DisputeOpen block to the deciding block against 2 × moves, and the signed bytes of
//     every dispute transaction; plus, computed on the real encodings, the bytes a dispute would put
//     on chain for the MLP and the CNN.
// A TestChain block is built on one state and re-applied on a replica, so its CPU counts both; the
// per-execution figures halve it, and the referee's own share is timed on the replica alone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  batchIndices, createDetReferee, encodeState, parseSpec, refereeCost, segmentCount, validateSpec, type Dataset, type ModelSpec, type StepReferee,
} from '../ml-runtime/index.ts';
import { JobStatus, disputeTermsFor, type BlockResult, type JobTerms, type TxPayload } from '../vm/index.ts';
import { demoSpec } from '../node/cli/index.ts';
import { batchSampleIndices, samplePayloads, signedSize, statePieces } from '../node/jobs/index.ts';
import { leafHash, merkleRangeProof, sha256, utf8 } from '../primitives/index.ts';
import { TestChain, CHAIN_ID, PARAMS, type Acct } from '../test/helpers/job-test-chain.ts';
import { submit, commitAndWaitChallenge, openAndAttest, DA_PEER, DA_ADDRS } from '../test/helpers/job-flow.ts';
import { saltMissing } from '../test/helpers/missed-segment.ts';
import { SolverWork, SPEC, K, DATA, terms } from '../test/helpers/job-work.ts';
import { fakeStep, honestSegment, honestStateAt, solverRespond } from '../test/helpers/dispute-work.ts';
import { cpuMs, log, measureRefereeStep, median, r3 } from './referee-step.ts';

/** `polchain init`'s default block interval, and the demo command's */
export const BLOCK_MS = 1000;
export const DEMO_BLOCK_MS = 200;
/** the goals: a referee block under 25% of a block interval; a dispute decided within 2 × moves blocks */
const GOAL_PCT = 25;
const MOVES = 3; // open, respond, supply (state_t + samples)
const EMPTY_BLOCKS = 15;

interface Timer { ms: number; calls: number }
function timed(r: StepReferee, acc: Timer): StepReferee {
  return {
    runtimes: r.runtimes,
    step: (input) => {
      let out!: ReturnType<StepReferee['step']>;
      acc.ms += cpuMs(() => { out = r.step(input); });
      acc.calls++;
      return out;
    },
    initialHash: (input) => r.initialHash(input),
  };
}

/** One dispute of the first test of vm/jobs/disputes.test.ts on a TestChain, timed. */
function testChainDispute(referee: StepReferee) {
  // q = 16 and committee 5 (the protocol minimums), reward 1,000 and stake 10,000 above their floors for SPEC
  const t: JobTerms = terms({ solverStake: 10_000n, dispute: disputeTermsFor(SPEC, { window: 2, move: 3, bond: 700n, demandFee: 30n }) });
  // the fake must sit in a segment the sample missed: a salt under which 16 draws of 4 segments miss one of 1..3
  const { salt, segment: X } = saltMissing('bench-pol-dispute', t, [1, 2, 3]);

  const c = new TestChain(salt);
  const onState: Timer = { ms: 0, calls: 0 };
  const onReplica: Timer = { ms: 0, calls: 0 };
  c.state.referee = timed(referee, onState);
  c.replica.referee = timed(referee, onReplica);
  const members = (j: { committee: { address: Uint8Array }[] }): Acct[] => c.validators.filter((v) => j.committee.some((m) => Buffer.compare(m.address, v.address) === 0));
  const id = submit(c, t);
  c.block([c.tx(c.solver, { kind: 'job-accept', jobId: id, daPeer: DA_PEER, daAddrs: DA_ADDRS })]);
  c.until(id, (j) => j.status === JobStatus.Training);
  const fakeAt = X * K;
  const work = new SolverWork(c.job(id), SPEC, [fakeStep(fakeAt)]);
  commitAndWaitChallenge(c, id, work);
  const judged = openAndAttest(c, id, work, members);
  c.block([c.tx(c.solver, work.reveal(judged))]);
  let job = c.job(id);
  assert.equal(job.status, JobStatus.Provisional);

  const disputeTxs: Uint8Array[] = [];
  const send = (from: Acct, payloads: TxPayload[]): BlockResult => {
    const txs = payloads.map((p) => c.tx(from, p));
    disputeTxs.push(...txs);
    return c.block(txs);
  };
  const claim = honestSegment(job, work, X);
  const opened = send(c.other, [{ kind: 'dispute-open', jobId: id, target: 'solver', segment: X, member: null, hashes: claim }]);
  const openHeight = opened.block.header.height;
  job = c.job(id);
  send(c.solver, [solverRespond(job, work, 0, X)]);
  job = c.job(id);
  const state = encodeState(honestStateAt(job, work, X, fakeAt));
  const pieces = statePieces(CHAIN_ID, id, 0, state, PARAMS.maxTxBytes);
  const samples = samplePayloads(CHAIN_ID, id, 0, DATA, batchSampleIndices(job, fakeAt), PARAMS.maxTxBytes);
  const refBefore = onReplica.ms;
  let decide!: BlockResult;
  const decideMs = cpuMs(() => { decide = send(c.other, [...pieces, ...samples]); });
  const refereeReplicaMs = onReplica.ms - refBefore;
  job = c.job(id);
  assert.equal(job.status, JobStatus.Slashed, 'the referee decides the dispute for the challenger');
  assert.equal(job.outcome, 'fraud');
  assert.equal(onReplica.calls, 1, 'one referee step on the replica');
  const decideHeight = decide.block.header.height;
  const empty: number[] = [];
  for (let i = 0; i < EMPTY_BLOCKS; i++) empty.push(cpuMs(() => { c.block(); }));
  return {
    decideMs, emptyMs: median(empty), refereeReplicaMs,
    blocks: Number(decideHeight - openHeight) + 1, // the open block through the deciding block
    disputeTxs: disputeTxs.length, disputeBytes: disputeTxs.reduce((a, b) => a + b.length, 0),
    stateBytes: state.length, statePieces: pieces.length, sampleTxs: samples.length,
  };
}

/** The signed bytes a dispute over a middle segment of `spec` would put on chain (open, respond, state_t in pieces, one batch of samples). */
function disputeBytesFor(spec: ModelSpec, data: Dataset) {
  const jobId = sha256(utf8(`bench-pol/dispute-bytes/${spec.steps}/${spec.batchSize}`));
  const n = segmentCount(spec.steps, spec.checkpointInterval);
  const j = n >> 1;
  const from = j * spec.checkpointInterval;
  const to = Math.min(from + spec.checkpointInterval, spec.steps);
  const hashes = Array.from({ length: spec.steps + 1 }, (_, i) => sha256(utf8(`h${i}`)));
  const seg = hashes.slice(from, to + 1);
  const open = signedSize(CHAIN_ID, { kind: 'dispute-open', jobId, target: 'solver', segment: j, member: null, hashes: seg });
  const respond = signedSize(CHAIN_ID, { kind: 'dispute-respond', jobId, dispute: 0, hashes: seg, siblings: merkleRangeProof(hashes.map(leafHash), from, to) });
  const stateBytes = refereeCost(spec).stateBytes;
  const pieces = statePieces(CHAIN_ID, jobId, 0, new Uint8Array(stateBytes), PARAMS.maxTxBytes);
  const state = pieces.reduce((a, p) => a + signedSize(CHAIN_ID, p), 0);
  const indices = [...new Set(batchIndices(jobId, from, spec.batchSize, data.count))].sort((a, b) => a - b);
  const sampleTxs = samplePayloads(CHAIN_ID, jobId, 0, data, indices, PARAMS.maxTxBytes);
  const samples = sampleTxs.reduce((a, p) => a + signedSize(CHAIN_ID, p), 0);
  return { stateBytes, statePieces: pieces.length, stateTxBytes: state, sampleTxs: sampleTxs.length, sampleTxBytes: samples, openBytes: open, respondBytes: respond, total: open + respond + state + samples };
}

export function disputeSection(mnistTrain: Dataset, quick: boolean): { lines: string[]; json: Record<string, number | boolean> } {
  const referee = createDetReferee();
  const mlpSpec = validateSpec(demoSpec(400));
  const cnnSpec = parseSpec(readFileSync(new URL('../ml-runtime/specs/cnn-mnist.json', import.meta.url), 'utf8'));
  log('disputes: referee step, MNIST MLP 784-32-10 (demoSpec(400))...');
  const mlp = measureRefereeStep('mlp', mlpSpec, 'mnist', mnistTrain, referee, quick ? 15 : 41);
  log('disputes: referee step, CNN conv8-pool-dense10...');
  const cnn = measureRefereeStep('cnn', cnnSpec, 'mnist', mnistTrain, referee, quick ? 9 : 15);
  log('disputes: a full dispute on a TestChain (regression SPEC)...');
  const d = testChainDispute(referee);
  const mlpBytes = disputeBytesFor(mlpSpec, mnistTrain);
  const cnnBytes = disputeBytesFor(cnnSpec, mnistTrain);

  // per execution (the TestChain times build + re-apply of each block)
  const emptyExec = d.emptyMs / 2;
  const decideExec = d.decideMs / 2;
  // the deciding block's work apart from the referee (supply txs: signatures, state hashing, sample proofs), per transaction
  const supplyPerTx = Math.max(0, decideExec - emptyExec - d.refereeReplicaMs) / (d.statePieces + d.sampleTxs);
  const estimate = (refMs: number, b: ReturnType<typeof disputeBytesFor>) => emptyExec + refMs + supplyPerTx * (b.statePieces + b.sampleTxs);
  const mlpBlock = estimate(mlp.refereeMs, mlpBytes);
  const cnnBlock = estimate(cnn.refereeMs, cnnBytes);
  const pct = (ms: number, of: number) => (100 * ms) / of;
  const ratio = d.blocks / (2 * MOVES);

  const lines = [
    '',
    'Disputes (issue 10); CPU time, medians; a TestChain block = build + re-apply on a replica, per execution = half',
    `TestChain (regression 8-16-1, batch 32): deciding block ${decideExec.toFixed(2)} ms/execution (referee step ${d.refereeReplicaMs.toFixed(2)} ms of it) vs empty block ${emptyExec.toFixed(2)} ms `
      + `(x${(decideExec / emptyExec).toFixed(2)}) = ${pct(decideExec, BLOCK_MS).toFixed(3)}% of a ${BLOCK_MS} ms block`,
    ...([['MLP 784-32-10 (demoSpec(400), Adam, batch 32)', mlp, mlpBlock, mlpBytes], ['CNN conv8-pool-dense10 (Adam, batch 64)', cnn, cnnBlock, cnnBytes]] as const).map(([n, m, blk, b]) =>
      `${n}: referee step ${m.refereeMs.toFixed(2)} ms vs honest trainStep ${m.honestMs.toFixed(2)} ms (x${(m.refereeMs / m.honestMs).toFixed(2)}); `
      + `deciding block ≈ empty ${emptyExec.toFixed(2)} + referee + ${b.statePieces + b.sampleTxs} supply txs × ${supplyPerTx.toFixed(2)} = ${blk.toFixed(2)} ms `
      + `= ${pct(blk, BLOCK_MS).toFixed(2)}% of ${BLOCK_MS} ms (${pct(blk, DEMO_BLOCK_MS).toFixed(2)}% of the demo's ${DEMO_BLOCK_MS} ms; goal < ${GOAL_PCT}%: ${pct(blk, BLOCK_MS) < GOAL_PCT ? 'met' : 'NOT met'})`),
    `dispute on the TestChain: ${d.blocks} blocks from the DisputeOpen block to the deciding block (inclusive) for ${MOVES} moves (open, respond, supply); `
      + `${d.blocks}/(2·${MOVES}) = ${ratio.toFixed(3)} (goal ≤ 1: ${ratio <= 1 ? 'met' : 'NOT met'})`,
    `bytes on chain, TestChain dispute: ${d.disputeBytes} B in ${d.disputeTxs} signed txs (state ${d.stateBytes} B in ${d.statePieces} pieces, ${d.sampleTxs} sample txs)`,
    ...([['MLP', mlpBytes, mlp.stateBytes], ['CNN', cnnBytes, cnn.stateBytes]] as const).map(([n, b, measured]) =>
      `bytes on chain, ${n} (computed): ${b.total} B = open ${b.openBytes} + respond ${b.respondBytes} + state ${b.stateTxBytes} (${b.stateBytes} B state, measured ${measured}, in ${b.statePieces} pieces) `
      + `+ samples ${b.sampleTxBytes} (${b.sampleTxs} txs)`),
  ];
  const json: Record<string, number | boolean> = {
    dispute_block_ms: BLOCK_MS, dispute_demo_block_ms: DEMO_BLOCK_MS,
    dispute_testchain_decide_block_ms: r3(decideExec), dispute_testchain_empty_block_ms: r3(emptyExec),
    dispute_testchain_referee_ms: r3(d.refereeReplicaMs), dispute_testchain_decide_over_empty: r3(decideExec / emptyExec),
    dispute_supply_tx_ms: r3(supplyPerTx),
    dispute_mlp_referee_ms: r3(mlp.refereeMs), dispute_mlp_honest_step_ms: r3(mlp.honestMs), dispute_mlp_referee_over_honest: r3(mlp.refereeMs / mlp.honestMs),
    dispute_mlp_block_ms: r3(mlpBlock), dispute_mlp_block_pct: r3(pct(mlpBlock, BLOCK_MS)), dispute_mlp_block_pct_demo: r3(pct(mlpBlock, DEMO_BLOCK_MS)),
    dispute_cnn_referee_ms: r3(cnn.refereeMs), dispute_cnn_honest_step_ms: r3(cnn.honestMs), dispute_cnn_referee_over_honest: r3(cnn.refereeMs / cnn.honestMs),
    dispute_cnn_block_ms: r3(cnnBlock), dispute_cnn_block_pct: r3(pct(cnnBlock, BLOCK_MS)), dispute_cnn_block_pct_demo: r3(pct(cnnBlock, DEMO_BLOCK_MS)),
    dispute_referee_goal_met: pct(Math.max(mlpBlock, cnnBlock), BLOCK_MS) < GOAL_PCT,
    dispute_blocks: d.blocks, dispute_moves: MOVES, dispute_blocks_over_2moves: r3(ratio), dispute_blocks_goal_met: ratio <= 1,
    dispute_testchain_bytes: d.disputeBytes, dispute_testchain_txs: d.disputeTxs, dispute_testchain_state_bytes: d.stateBytes,
    dispute_mlp_bytes: mlpBytes.total, dispute_mlp_state_bytes: mlpBytes.stateBytes, dispute_mlp_state_pieces: mlpBytes.statePieces, dispute_mlp_sample_tx_bytes: mlpBytes.sampleTxBytes,
    dispute_cnn_bytes: cnnBytes.total, dispute_cnn_state_bytes: cnnBytes.stateBytes, dispute_cnn_state_pieces: cnnBytes.statePieces, dispute_cnn_sample_tx_bytes: cnnBytes.sampleTxBytes,
  };
  return { lines, json };
}
