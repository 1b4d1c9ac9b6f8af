// The challenger's next move for every state a dispute can be in (the walk through the stages on a
// real chain is in watchtower.test.ts; here each branch, including the ones that walk does not reach).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchIndices, canonicalSpecJson, datasetRoot } from '../../ml-runtime/index.ts';
import { alreadyDisputed, batchOf, findOwnDispute, nextMoves, notDisputable, type WatchDispute, type WatchJob } from './index.ts';
import { DATA, SPEC } from '../../test/helpers/job-work.ts';
import { sha256, utf8 } from '../../primitives/index.ts';

const ME = new Uint8Array(20).fill(1);
const SOLVER = new Uint8Array(20).fill(2);
const OTHER = new Uint8Array(20).fill(3);

function job(over: Partial<WatchJob> = {}): WatchJob {
  return {
    id: sha256(utf8('job')), status: 'provisional', outcome: '', verdict: 'paid', windowEnd: 100n, solver: SOLVER, daPeer: 'peer', daAddrs: [],
    specJson: canonicalSpecJson(SPEC), spec: SPEC, runtime: 'det-1', datasetRoot: datasetRoot(DATA), datasetSize: DATA.count,
    seed: sha256(utf8('seed')), parent: null, solverStake: 5000n, bond: 700n, commitment: null, segments: [0], disputes: [], demands: [], ...over,
  };
}

function dispute(over: Partial<WatchDispute> = {}): WatchDispute {
  return {
    index: 0, kind: 'solver', by: ME, segment: 2, openHeight: 10n, stage: 'referee', deadline: 14n, step: 7, supplies: [], samples: [],
    winner: 'none', reason: '', endHeight: 0n, ...over,
  };
}

test('the batch of step t is the PRF batch, distinct and ascending', () => {
  const j = job();
  const b = batchOf(j, 7);
  assert.deepEqual(b, [...new Set(batchIndices(j.seed!, 7, SPEC.batchSize, DATA.count))].sort((x, y) => x - y));
  assert.ok(b.length > 0 && b.length <= SPEC.batchSize);
});

test('respond: wait for the solver; resolved: won only when the decision went against the solver', () => {
  assert.deepEqual(nextMoves(job(), dispute({ stage: 'respond' }), ME).map((m) => m.kind), ['wait']);
  assert.deepEqual(nextMoves(job(), dispute({ stage: 'resolved', winner: 'other', reason: 'referee' }), ME), [{ kind: 'resolved', won: true, reason: 'referee' }]);
  assert.deepEqual(nextMoves(job(), dispute({ stage: 'resolved', winner: 'other', reason: 'no-response' }), ME), [{ kind: 'resolved', won: true, reason: 'no-response' }]);
  assert.deepEqual(nextMoves(job(), dispute({ stage: 'resolved', winner: 'solver', reason: 'no-difference' }), ME), [{ kind: 'resolved', won: false, reason: 'no-difference' }]);
});

test('referee at step t: state_t and the missing samples, each only while missing', () => {
  const j = job();
  const all = batchOf(j, 7);
  assert.deepEqual(nextMoves(j, dispute(), ME), [{ kind: 'supply-state', step: 7, offset: 0 }, { kind: 'supply-samples', step: 7, indices: all }]);
  // our own partial state continues where it stopped; another party's partial one is not ours to continue
  assert.deepEqual(nextMoves(j, dispute({ supplies: [{ party: ME, total: 300, have: 100 }] }), ME)[0], { kind: 'supply-state', step: 7, offset: 100 });
  assert.deepEqual(nextMoves(j, dispute({ supplies: [{ party: OTHER, total: 300, have: 100 }] }), ME)[0], { kind: 'supply-state', step: 7, offset: 0 });
  // any party's complete state counts (the solver may have put it there)
  const some = all.slice(0, 3);
  assert.deepEqual(nextMoves(j, dispute({ supplies: [{ party: SOLVER, total: 300, have: 300 }], samples: some }), ME), [
    { kind: 'supply-samples', step: 7, indices: all.slice(3) },
  ]);
  assert.deepEqual(nextMoves(j, dispute({ supplies: [{ party: ME, total: 300, have: 300 }], samples: all }), ME).map((m) => m.kind), ['wait']);
});

test('referee at the derived initial state: nothing to supply without a parent; the parent state with one', () => {
  assert.deepEqual(nextMoves(job(), dispute({ step: -1, segment: 0 }), ME).map((m) => m.kind), ['wait']);
  const child = job({ parent: sha256(utf8('parent')) });
  assert.deepEqual(nextMoves(child, dispute({ step: -1, segment: 0 }), ME), [{ kind: 'supply-state', step: -1, offset: 0 }]);
  assert.deepEqual(nextMoves(child, dispute({ step: -1, segment: 0, supplies: [{ party: SOLVER, total: 9, have: 9 }] }), ME).map((m) => m.kind), ['wait']);
});

test('our dispute is found by segment, party and opening height', () => {
  const j = job({
    disputes: [
      dispute({ index: 0, by: OTHER, openHeight: 10n }),
      dispute({ index: 1, openHeight: 10n, segment: 1 }),
      dispute({ index: 2, openHeight: 12n }),
      dispute({ index: 3, openHeight: 15n }),
    ],
  });
  assert.equal(findOwnDispute(j, ME, 2, 12n)?.index, 2);
  assert.equal(findOwnDispute(j, ME, 2, 15n)?.index, 3);
  assert.equal(findOwnDispute(j, ME, 1, 10n)?.index, 1);
  assert.equal(findOwnDispute(j, ME, 2, 10n), null, "the other party's dispute at that height is not ours");
  assert.equal(findOwnDispute(j, OTHER, 3, 10n), null);
  // a view without heights: the last one of ours on that segment
  const noHeights = job({ disputes: [dispute({ index: 0, openHeight: 0n }), dispute({ index: 1, openHeight: 0n })] });
  assert.equal(findOwnDispute(noHeights, ME, 2, 20n)?.index, 1);
});

test('a job can be disputed only in its window, with a paid verdict, a commitment, and not by its own solver', () => {
  const commitment = { traceRoot: new Uint8Array(32), checkpointsRoot: new Uint8Array(32), finalChunkRoot: new Uint8Array(32), finalStepHash: new Uint8Array(32) };
  const ok = job({ commitment });
  assert.equal(notDisputable(ok, 99n, ME), null);
  assert.match(notDisputable(ok, 100n, ME)!, /window ends at height 100 \(now 100\)/, 'a DisputeOpen sent at windowEnd would land after it');
  assert.match(notDisputable(job({ commitment, status: 'finalized', outcome: 'paid' }), 1n, ME)!, /it is finalized \(paid\), not in its dispute window/);
  assert.match(notDisputable(job({ commitment, verdict: 'mismatch' }), 1n, ME)!, /verdict is mismatch/);
  assert.equal(notDisputable(job({ commitment, verdict: '' }), 1n, ME), null, 'a node that does not report the verdict');
  assert.match(notDisputable(job(), 1n, ME)!, /no commitment/);
  assert.match(notDisputable(ok, 1n, SOLVER)!, /this key is its solver/);
  // a segment someone disputes, or won against the solver, is not disputed again; a lost one may be
  assert.equal(alreadyDisputed(job({ disputes: [dispute({ by: OTHER, stage: 'respond' })] }), 2), true);
  assert.equal(alreadyDisputed(job({ disputes: [dispute({ by: OTHER, stage: 'resolved', winner: 'other' })] }), 2), true);
  assert.equal(alreadyDisputed(job({ disputes: [dispute({ by: OTHER, stage: 'resolved', winner: 'solver' })] }), 2), false);
  assert.equal(alreadyDisputed(job({ disputes: [dispute({ by: OTHER, stage: 'respond' })] }), 1), false);
});
