// The solver's view of v5 committee states (docs/committee.md §6): a job whose committee missed its
// quorum is `redrawing` (tag 14) until a fresh committee attests, and one no committee could decide
// ends `expired (no-quorum)` with the solver's bond returned. A solver that did not know the status
// gave up on an honest job (SOLVER_BAD_JOB) the moment its committee was redrawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobStatus } from '../../vm/index.ts';
import { formatEvent, parseJobView, statusAtLeast, JOB_STATUS_ORDER, type Earnings } from './index.ts';
import { encodeAddress } from '../../primitives/index.ts';

const SPEC = {
  format: 'polchain/model-spec/v1', inputShape: [8], layers: [{ type: 'dense', units: 1 }], loss: 'mse', optimizer: { type: 'sgd', learningRate: 0.05 },
  batchSize: 32, steps: 12, checkpointInterval: 3,
};

const raw = (status: string | number) => ({
  id: '0x' + '11'.repeat(32), status, submitter: encodeAddress(new Uint8Array(20).fill(3)), solver: encodeAddress(new Uint8Array(20).fill(2)), deadline: '40', height: '30',
  terms: { specJson: JSON.stringify(SPEC), runtime: 'det-1', datasetRoot: '0x' + '22'.repeat(32), datasetSize: 800, solverStake: '5000', bounty: '10000' },
  disputes: [], demands: [],
});

test('a redrawn job parses by name and by the vm tag, and comes after attesting and before revealing', () => {
  assert.equal(JOB_STATUS_ORDER[JobStatus.Redrawing - 1], 'redrawing', 'the name at the vm tag');
  assert.equal(parseJobView(raw('redrawing')).status, 'redrawing');
  assert.equal(parseJobView(raw(JobStatus.Redrawing)).status, 'redrawing');
  assert.equal(statusAtLeast('redrawing', 'attesting'), true, 'the openings are on chain');
  assert.equal(statusAtLeast('redrawing', 'revealing'), false, 'the solver has not been asked to reveal');
  assert.equal(statusAtLeast('attesting', 'redrawing'), false);
  assert.throws(() => parseJobView(raw('resting')), /unknown status "resting"/);
});

test('a job no committee could decide says the bond came back', () => {
  const e = (status: Earnings['status'], outcome: string, bondReturned: boolean): Earnings => ({
    status, outcome, bounty: 0n, bond: 500n, bondReturned, fees: 3n, net: -3n,
    disputes: { won: 0, lost: 0, bondsWon: 0n, bondsLost: 0n, membersSlashed: 0, demandsAnswered: 0, demandFees: 0n },
    balanceBefore: 1000n, balanceAfter: 997n, observedDelta: -3n,
  });
  assert.equal(formatEvent({ type: 'ended', jobId: '11'.repeat(32), earnings: e('expired', 'no-quorum', true) }), 'expired (no-quorum): bond 500 returned; fees 3, net -3; balance 1000 -> 997');
  assert.equal(formatEvent({ type: 'ended', jobId: '11'.repeat(32), earnings: e('expired', 'no-solver', false) }), 'expired (no-solver); fees 3, net -3; balance 1000 -> 997');
});
