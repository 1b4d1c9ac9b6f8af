// job_get's JSON as the watchtower reads it. The dispute fields follow the vm's Dispute (bytes as
// 0x-hex, amounts and heights as decimal strings, addresses as bech32, kinds and stages by name);
// a node whose job_get has no `disputes` cannot be watched and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalSpecJson } from '../../ml-runtime/index.ts';
import { WatchError, parseRpcJob } from './index.ts';
import { parseSampleIndices } from './job-view.ts';
import { SPEC } from '../../test/helpers/job-work.ts';
import { bytesToHex, encodeAddress } from '../../primitives/index.ts';

const ME = new Uint8Array(20).fill(1);
const SOLVER = new Uint8Array(20).fill(2);
const h = (b: number) => `0x${bytesToHex(new Uint8Array(32).fill(b))}`;

function json(over: Record<string, unknown> = {}, dispute: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: h(1), status: 'provisional', outcome: null, verdict: 'paid', windowEnd: '120', deadline: '120',
    terms: {
      specJson: canonicalSpecJson(SPEC), runtime: 'det-1', datasetRoot: h(2), datasetSize: 256, solverStake: '5000', parent: null,
      dispute: { window: 20, move: 4, bond: '700', demandFee: '30' },
    },
    solver: encodeAddress(SOLVER), daPeer: '12D3KooWpeer', daAddrs: ['/ip4/127.0.0.1/tcp/4001'], seed: h(3),
    commitment: { traceRoot: h(4), checkpointsRoot: h(5), finalChunkRoot: h(6), finalStepHash: h(7), height: '40' },
    segments: [0],
    disputes: [{
      index: 0, kind: 'solver', by: encodeAddress(ME), member: null, segment: 2, bond: '700', openHeight: '50', stage: 'referee', deadline: '54', step: 7,
      supplies: [{ party: encodeAddress(ME), total: 664, received: 600 }], samples: [9, 1, 5], winner: null, reason: '', endHeight: null, ...dispute,
    }],
    ...over,
  };
}

const badJob = (re: RegExp) => (e: unknown) => e instanceof WatchError && e.code === 'WATCH_BAD_JOB' && re.test(e.message);

test('a provisional job with a dispute in the referee stage', () => {
  const j = parseRpcJob(json());
  assert.equal(j.status, 'provisional');
  assert.equal(j.verdict, 'paid');
  assert.equal(j.windowEnd, 120n);
  assert.deepEqual(j.solver, SOLVER);
  assert.equal(j.bond, 700n);
  assert.equal(j.solverStake, 5000n);
  assert.equal(j.spec.steps, SPEC.steps);
  assert.deepEqual(j.commitment?.checkpointsRoot, new Uint8Array(32).fill(5));
  assert.equal(j.commitment?.lossRoot, undefined, 'no loss root: hash-only segment checks');
  const commitment = { ...(json().commitment as object), lossRoot: h(8) };
  assert.deepEqual(parseRpcJob(json({ commitment })).commitment?.lossRoot, new Uint8Array(32).fill(8), 'a loss-committed job: its segment checks compare step claims');
  assert.throws(() => parseRpcJob(json({ commitment: { ...commitment, lossRoot: '0x12' } })), badJob(/commitment\.lossRoot/));
  assert.deepEqual(j.disputes, [{
    index: 0, kind: 'solver', by: ME, segment: 2, openHeight: 50n, stage: 'referee', deadline: 54n, step: 7,
    supplies: [{ party: ME, total: 664, have: 600 }], samples: [1, 5, 9], winner: 'none', reason: '', endHeight: 0n,
  }]);
});

test('numeric tags, hex addresses, state bytes instead of a count, and the deadline as the window end are read too', () => {
  const j = parseRpcJob(json({ windowEnd: undefined, deadline: '99' }, {
    kind: 1, stage: 3, winner: 2, by: `0x${bytesToHex(ME)}`, supplies: [{ party: encodeAddress(SOLVER), total: 3, bytes: '0x010203' }], samples: [{ index: 4 }], step: -1,
  }));
  assert.equal(j.windowEnd, 99n);
  const d = j.disputes[0]!;
  assert.equal(d.kind, 'solver');
  assert.equal(d.stage, 'resolved');
  assert.equal(d.winner, 'other');
  assert.equal(d.step, -1);
  assert.deepEqual(d.by, ME);
  assert.deepEqual(d.supplies, [{ party: SOLVER, total: 3, have: 3 }]);
  assert.deepEqual(d.samples, [4]);
  assert.equal(parseRpcJob(json({ terms: { ...(json().terms as object), dispute: undefined } })).bond, null, 'no dispute terms: the bond is not known');
});

test("job_get's sample counts (node/rpc-methods' summary) leave the indices to job_getDispute; nulls of an open dispute read as nothing yet", () => {
  const partial = parseRpcJob(json({}, { samples: { received: 2, needed: 30 }, winner: null, step: null, segment: 2, reason: null, deadline: '54' })).disputes[0]!;
  assert.equal(partial.samplesUnknown, true);
  assert.deepEqual(partial.samples, []);
  assert.equal(partial.winner, 'none');
  assert.equal(partial.reason, '');
  const none = parseRpcJob(json({}, { samples: { received: 0, needed: null } })).disputes[0]!;
  assert.equal(none.samplesUnknown, undefined, 'nothing on chain: nothing to look up');
  const resolved = parseRpcJob(json({}, { stage: 'resolved', deadline: null, winner: 'solver', reason: 'no-difference', endHeight: '60' })).disputes[0]!;
  assert.deepEqual([resolved.deadline, resolved.winner, resolved.reason, resolved.endHeight], [0n, 'solver', 'no-difference', 60n]);
  assert.deepEqual(parseSampleIndices({ sampleIndices: [7, 2] }), [2, 7]);
  assert.throws(() => parseSampleIndices({}), badJob(/sampleIndices/));
});

test('a job_get without disputes, or with malformed fields, is WATCH_BAD_JOB naming the field', () => {
  assert.throws(() => parseRpcJob(json({ disputes: undefined })), badJob(/disputes: missing: this node's job_get does not report disputes/));
  assert.throws(() => parseRpcJob(json({ id: '0x12' })), badJob(/^job JSON id: expected 32 bytes/));
  assert.throws(() => parseRpcJob(json({ terms: { ...(json().terms as object), datasetRoot: 'zz' } })), badJob(/terms\.datasetRoot/));
  assert.throws(() => parseRpcJob(json({ terms: { ...(json().terms as object), specJson: '{}' } })), badJob(/terms\.specJson/));
  assert.throws(() => parseRpcJob(json({ solver: 'pol1notanaddress' })), badJob(/^job JSON solver/));
  assert.throws(() => parseRpcJob(json({}, { stage: 'arguing' })), badJob(/disputes\[0\]\.stage: expected one of respond, referee, resolved/));
  assert.throws(() => parseRpcJob(json({}, { deadline: '-1' })), badJob(/disputes\[0\]\.deadline/));
  assert.throws(() => parseRpcJob(json({}, { supplies: [{ party: encodeAddress(ME), total: 3 }] })), badJob(/supplies\[0\]: no byte count/));
  assert.throws(() => parseRpcJob(null), badJob(/expected an object/));
});
