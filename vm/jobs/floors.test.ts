// The JobSubmit floors of docs/jobs.md §1 (vm/jobs/floors.ts) on the real vm: terms one unit below
// each floor are refused with its code and change nothing; terms exactly at every floor are accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkJobTerms, disputeTermsFor, termFloors, FLOOR_REF, JOB_FLOORS, JOB_WINDOW_NAMES, type JobTerms, type TxPayload } from '../index.ts';
import { validateSpec, canonicalSpecJson, type ModelSpec } from '../../ml-runtime/index.ts';
import { TestChain, BALANCE, FEE } from '../../test/helpers/job-test-chain.ts';
import { SPEC, terms } from '../../test/helpers/job-work.ts';
import { utf8 } from '../../primitives/index.ts';

// an MLP 784-128-10 with T = 400, k = 50: every window floor is above the 2-block minimum
const BIG: ModelSpec = validateSpec({
  format: 'polchain/model-spec/v1', inputShape: [784], layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  loss: 'categorical_crossentropy', optimizer: { type: 'sgd', learningRate: 0.1 }, batchSize: 64, steps: 400, checkpointInterval: 50,
});

/** Terms at every floor: the protocol minimums q = 16 draws and 5 seats, and the least stake, reward and windows for them. */
function atFloors(spec: ModelSpec, over: Partial<JobTerms> = {}): JobTerms {
  const t = terms({ spec: utf8(canonicalSpecJson(spec)), q: JOB_FLOORS.minQ, committeeSize: JOB_FLOORS.minCommitteeSize, bounty: 10_000n, dispute: disputeTermsFor(spec, { bond: 700n, demandFee: 30n }), ...over });
  const f = termFloors(spec, t);
  return { ...t, solverStake: f.solverStake, attestReward: f.attestReward, windows: { ...f.windows }, dispute: { ...t.dispute, window: f.dispute.window, move: f.dispute.move } };
}

test('the floors follow the documented formulas (hand-computed for the test spec and an MNIST MLP)', () => {
  // SPEC: dense 8-16-1, batch 32, T = 12, k = 3: stepCost 3·32·(8·16 + 16) = 13,824; 161 parameters
  const W = 13_824n + (1n << 21n);
  const I = 161n * 1_200n;
  const f = termFloors(SPEC, { q: 3, committeeSize: 4, bounty: 10_000n });
  assert.equal(f.solverStake, 3_334n, 'ceil(10,000 / 3)');
  // ceil((3/2 · m·k·W + c·I) / 2^22) with m = min(q, n) = 3
  assert.equal(f.attestReward, (3n * 3n * 3n * W + 2n * 4n * I + 2n * (1n << 22n) - 1n) / (2n * (1n << 22n)));
  assert.equal(f.attestReward, 7n);
  assert.deepEqual(f.windows, { accept: 2, commit: 2, challengeDelay: 2, open: 2, attest: 2, reveal: 2 }, 'a tiny model needs only the minimum');
  assert.deepEqual(f.dispute, { window: 2, move: 2 });

  // BIG: stepCost 3·64·(784·128 + 128·10) = 19,513,344; 101,770 parameters; state 407,096 bytes (sgd: no slots)
  const Wb = 19_513_344n + (1n << 21n);
  const Ib = 101_770n * 1_200n;
  const b = termFloors(BIG, { q: 4, committeeSize: 3, bounty: 10_000n });
  const blocks = (macs: bigint, bytes: bigint) => 1 + Math.ceil(Number(macs) / 1e9 + Number(bytes) / 2 ** 20);
  assert.equal(b.windows.commit, blocks(400n * Wb, 0n));
  assert.equal(b.windows.commit, 10);
  assert.equal(b.windows.open, blocks(6n * 50n * Wb, 0n), '(m + 2)·k steps');
  assert.equal(b.windows.attest, blocks((3n * 4n * 50n * Wb) / 2n + Ib, 5n * 407_096n), 'ρ·m·k steps, state_0 and m + 1 states fetched');
  assert.equal(b.dispute.move, blocks((3n * 50n * Wb) / 2n + Ib, 2n * 407_096n));
  assert.equal(b.attestReward, (3n * 4n * 50n * Wb + 2n * 3n * Ib + 2n * (1n << 22n) - 1n) / (2n * (1n << 22n)));
  assert.ok(b.windows.attest > FLOOR_REF.minBlocks && b.dispute.window > FLOOR_REF.minBlocks && b.windows.open > FLOOR_REF.minBlocks);
  // q draws hit at most n segments: q above n does not raise the reward floor
  assert.equal(termFloors(SPEC, { q: 64, committeeSize: 4, bounty: 10_000n }).attestReward, termFloors(SPEC, { q: 4, committeeSize: 4, bounty: 10_000n }).attestReward);
});

test('JobSubmit below each floor is refused with its code and changes nothing; exactly at every floor it is accepted', () => {
  const c = new TestChain('floors');
  const base = atFloors(BIG);
  const submit = (t: JobTerms): TxPayload => ({ kind: 'job-submit', terms: t });
  const below: Array<[string, JobTerms, string]> = [
    ['q', { ...base, q: JOB_FLOORS.minQ - 1 }, 'JOB_Q_TOO_LOW'],
    ['committeeSize', { ...base, committeeSize: JOB_FLOORS.minCommitteeSize - 1 }, 'JOB_COMMITTEE_TOO_SMALL'],
    ['solverStake', { ...base, solverStake: base.solverStake - 1n }, 'JOB_STAKE_TOO_LOW'],
    ['attestReward', { ...base, attestReward: base.attestReward - 1n }, 'JOB_REWARD_TOO_LOW'],
    ...JOB_WINDOW_NAMES.filter((n) => n !== 'challengeDelay').map((n): [string, JobTerms, string] => [`windows.${n}`, { ...base, windows: { ...base.windows, [n]: base.windows[n] - 1 } }, 'JOB_WINDOW_TOO_SHORT']),
    ['dispute.window', { ...base, dispute: { ...base.dispute, window: base.dispute.window - 1 } }, 'JOB_WINDOW_TOO_SHORT'],
    ['dispute.move', { ...base, dispute: { ...base.dispute, move: base.dispute.move - 1 } }, 'JOB_WINDOW_TOO_SHORT'],
  ];
  for (const [what, t, code] of below) {
    const balance = c.balance(c.submitter);
    const nonce = c.state.getAccount(c.submitter.address)?.nonce ?? 0n;
    const jobs = c.state.activeJobs.length;
    assert.equal(c.rejection(c.submitter, submit(t)), code, what);
    c.block();
    assert.equal(c.balance(c.submitter), balance, `${what}: no escrow, no fee`);
    assert.equal(c.state.getAccount(c.submitter.address)?.nonce ?? 0n, nonce, `${what}: nonce unchanged`);
    assert.equal(c.state.activeJobs.length, jobs, `${what}: no job`);
  }
  const before = c.balance(c.submitter);
  const r = c.block([c.tx(c.submitter, submit(base))]);
  assert.equal(r.block.txs.length, 1, 'terms exactly at every floor are accepted');
  assert.equal(c.state.activeJobs.length, 1);
  assert.equal(c.balance(c.submitter), before - base.bounty - base.attestReward - FEE);
  assert.equal(before, BALANCE, 'the eleven refusals cost the submitter nothing, not even a fee');
});

test('each floor error says the floor and how to meet it', () => {
  const base = atFloors(BIG);
  const message = (t: JobTerms): string => {
    try {
      checkJobTerms(t); // the stateless check that JobSubmit runs

    } catch (err) {
      return (err as Error).message;
    }
    return '';
  };
  assert.match(message({ ...base, solverStake: base.solverStake - 1n }), new RegExp(`at least ${base.solverStake}`));
  assert.match(message({ ...base, attestReward: base.attestReward - 1n }), new RegExp(`at least ${base.attestReward}`));
  // work that no window can hold says so instead of asking for the impossible
  const huge = validateSpec({ ...BIG, layers: [{ type: 'dense', units: 2048, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }], steps: 65_500 });
  const hugeTerms = atFloors(huge);
  assert.ok(hugeTerms.windows.commit > 10_000, `commit floor ${hugeTerms.windows.commit}`);
  assert.match(message({ ...hugeTerms, windows: { ...hugeTerms.windows, commit: 10_000 } }), /beyond the longest window of 10000 blocks/);
  assert.match(message({ ...base, windows: { ...base.windows, attest: base.windows.attest - 1 } }), new RegExp(`windows\\.attest is ${base.windows.attest - 1} blocks, below the floor of ${base.windows.attest}.*at least ${base.windows.attest}`));
});
