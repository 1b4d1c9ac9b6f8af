// Wire and state encodings of jobs: exact round trips, bounds at decode with the field path, strict
// state decoding, and the vm's restatement of ml-runtime's checkpoint layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTx, decodeTx, encodeJob, decodeJob, encodeJobIndex, decodeJobIndex, encode, decodeCanonical, isVmError, jobTreeKey, JOB_INDEX_TREE_KEY, JOB_RUNTIMES, JobStatus, type Job, type SignedTx, type TxPayload } from '../index.ts';
import { checkpointCount, checkpointLeaf, checkpointStep, checkpointSteps, requiredOpenings, requiredRanges } from '../../ml-runtime/index.ts';
import { DET_RUNTIME_VERSION } from '../../ml-runtime/det/index.ts';
import { terms } from '../../test/helpers/job-work.ts';
import { sha256, bytesToHex, u64be } from '../../primitives/index.ts';

const h = (n: number) => sha256(Uint8Array.of(n));
const addr = (n: number) => h(n).subarray(0, 20);
const signed = (payload: TxPayload): SignedTx => ({ body: { chainId: 'c', nonce: 3n, fee: 2n, payload }, publicKey: h(1), signature: new Uint8Array(64).fill(9) });
const malformed = (payload: TxPayload, path: string) => assert.throws(
  () => decodeTx(encodeTx(signed(payload)), 1 << 20),
  (e: unknown) => isVmError(e) && e.code === 'TX_MALFORMED' && e.message.startsWith(path),
  path,
);

const payloads: TxPayload[] = [
  { kind: 'job-submit', terms: terms() },
  { kind: 'job-submit', terms: terms({ parent: h(4), solverStake: (1n << 64n) - 1n }) },
  { kind: 'job-accept', jobId: h(2), daPeer: '12D3KooW', daAddrs: ['/ip4/1.2.3.4/tcp/1', '/dns4/x/tcp/2'] },
  { kind: 'trace-commit', jobId: h(2), traceRoot: h(3), checkpointsRoot: h(4), finalChunkRoot: h(5), finalStepHash: h(6) },
  { kind: 'job-open', jobId: h(2), openings: [{ index: 0, chunkRoot: h(7), stepHash: h(8), siblings: [h(9), h(10)] }, { index: 4, chunkRoot: h(7), stepHash: h(8), siblings: [] }] },
  { kind: 'job-attest', jobId: h(2), digest: new Uint8Array(32) },
  { kind: 'job-reveal', jobId: h(2), items: [{ from: 0, hashes: [h(11)], siblings: [h(12)] }, { from: 3, hashes: [h(1), h(2), h(3), h(4)], siblings: [] }] },
  { kind: 'dispute-open', jobId: h(2), target: 'solver', segment: 3, member: null, hashes: [h(1), h(2), h(3)] },
  { kind: 'dispute-open', jobId: h(2), target: 'attestation', segment: 0, member: addr(5), hashes: [] },
  { kind: 'dispute-respond', jobId: h(2), dispute: 1, hashes: [h(1), h(2)], siblings: [h(3)] },
  { kind: 'state-supply', jobId: h(2), dispute: 0, offset: 100, total: 300, bytes: new Uint8Array(200).fill(4) },
  { kind: 'sample-supply', jobId: h(2), dispute: 2, items: [{ index: 7, bytes: Uint8Array.of(1, 2, 3), siblings: [h(4), h(5)] }] },
  { kind: 'da-demand', jobId: h(2), checkpoint: 3, chunk: 1 },
  { kind: 'da-chunk', jobId: h(2), checkpoint: 3, chunkRoot: h(6), stepHash: h(7), checkpointSiblings: [h(8)], chunk: 1, bytes: new Uint8Array(70), chunkSiblings: [h(9)] },
  { kind: 'job-diverge', jobId: h(2), step: 9, traceRoot: h(3), checkpointsRoot: h(4), finalChunkRoot: h(5), finalStepHash: h(6) },
];

test('job and dispute payloads 4..16 round-trip exactly through the transaction codec', () => {
  for (const p of payloads) {
    const bytes = encodeTx(signed(p));
    const back = decodeTx(bytes, 1 << 20);
    assert.deepEqual(back.body.payload, p, p.kind);
    assert.equal(bytesToHex(encodeTx(back)), bytesToHex(bytes), p.kind);
  }
  const submit = decodeCanonical(encodeTx(signed(payloads[0]!)), 'tx') as unknown[];
  assert.equal(((submit[1] as unknown[])[3] as unknown[])[0], 4, 'JobSubmit is kind 4');
  assert.deepEqual(((submit[1] as unknown[])[3] as unknown[]).at(-2), new Uint8Array(0), 'no parent is an empty byte string');
  assert.deepEqual(((submit[1] as unknown[])[3] as unknown[]).at(-1), [2, 3, 700n, 30n, 676, 13824], 'the dispute terms close JobSubmit');
});

test('decode bounds are TX_MALFORMED and name the field', () => {
  const t = terms();
  malformed({ kind: 'job-submit', terms: { ...t, spec: new Uint8Array(4097) } }, 'tx.job-submit.spec');
  malformed({ kind: 'job-submit', terms: { ...t, runtime: 'x'.repeat(17) } }, 'tx.job-submit.runtime');
  malformed({ kind: 'job-submit', terms: { ...t, datasetRoot: new Uint8Array(31) } }, 'tx.job-submit.datasetRoot');
  malformed({ kind: 'job-submit', terms: { ...t, parent: new Uint8Array(20) } }, 'tx.job-submit.parent');
  malformed({ kind: 'job-submit', terms: { ...t, q: -1 } }, 'tx.job-submit.q');
  malformed({ kind: 'job-submit', terms: { ...t, bounty: 5 as unknown as bigint } }, 'tx.job-submit.bounty');
  malformed({ kind: 'job-submit', terms: { ...t, windows: { ...t.windows, open: 2 ** 32 } } }, 'tx.job-submit.windows.open');
  malformed({ kind: 'job-accept', jobId: h(1), daPeer: 'p'.repeat(129), daAddrs: [] }, 'tx.job-accept.daPeer');
  malformed({ kind: 'job-accept', jobId: h(1), daPeer: '', daAddrs: ['a', 'b', 'c', 'd', 'e'] }, 'tx.job-accept.daAddrs');
  malformed({ kind: 'job-accept', jobId: h(1), daPeer: '', daAddrs: ['a'.repeat(257)] }, 'tx.job-accept.daAddrs[0]');
  malformed({ kind: 'trace-commit', jobId: h(1), traceRoot: h(1), checkpointsRoot: h(1), finalChunkRoot: h(1), finalStepHash: new Uint8Array(33) }, 'tx.trace-commit.finalStepHash');
  malformed({ kind: 'job-open', jobId: h(1), openings: [] }, 'tx.job-open.openings');
  malformed({ kind: 'job-open', jobId: h(1), openings: Array.from({ length: 67 }, (_, i) => ({ index: i, chunkRoot: h(1), stepHash: h(1), siblings: [] })) }, 'tx.job-open.openings');
  malformed({ kind: 'job-open', jobId: h(1), openings: [{ index: 0, chunkRoot: h(1), stepHash: h(1), siblings: Array.from({ length: 65 }, () => h(1)) }] }, 'tx.job-open.openings[0].siblings');
  malformed({ kind: 'job-open', jobId: h(1), openings: [{ index: 0, chunkRoot: h(1), stepHash: h(1), siblings: [h(1), new Uint8Array(31)] }] }, 'tx.job-open.openings[0].siblings[1]');
  malformed({ kind: 'job-attest', jobId: h(1), digest: new Uint8Array(0) }, 'tx.job-attest.digest');
  malformed({ kind: 'job-reveal', jobId: h(1), items: [] }, 'tx.job-reveal.items');
  malformed({ kind: 'job-reveal', jobId: h(1), items: [{ from: 0, hashes: [], siblings: [] }] }, 'tx.job-reveal.items[0].hashes');
  malformed({ kind: 'job-reveal', jobId: h(1), items: [{ from: 0, hashes: Array.from({ length: 66 }, () => h(1)), siblings: [] }] }, 'tx.job-reveal.items[0].hashes');
  malformed({ kind: 'job-reveal', jobId: h(1), items: [{ from: 0, hashes: [h(1), h(1), new Uint8Array(1)], siblings: [] }] }, 'tx.job-reveal.items[0].hashes[2]');
});

function fullJob(): Job {
  return {
    id: h(1), submitter: addr(2), terms: terms({ parent: h(3) }), status: JobStatus.Finalized, submitHeight: 5n, deadline: 40n, solver: addr(4),
    daPeer: '12D3KooW', daAddrs: ['/ip4/1.2.3.4/tcp/1'], acceptHeight: 6n, seed: h(5),
    commitment: { traceRoot: h(6), checkpointsRoot: h(7), finalChunkRoot: h(8), finalStepHash: h(9), height: 10n }, challengeHeight: 12n,
    segments: [0, 3], committee: [{ address: addr(10), stake: 1000n }, { address: addr(11), stake: 5n }].sort((a, b) => Buffer.compare(a.address, b.address)),
    pool: [{ address: addr(10), stake: 1000n }, { address: addr(11), stake: 5n }, { address: addr(12), stake: 7n }].sort((a, b) => Buffer.compare(a.address, b.address)),
    seats: [addr(10), addr(11), addr(10), addr(10), addr(11)], draws: 2, silent: [addr(12)],
    openings: [{ index: 0, chunkRoot: h(12), stepHash: h(13) }, { index: 4, chunkRoot: h(8), stepHash: h(9) }],
    attestations: [{ address: addr(10), digest: h(14), height: 14n }], reveals: [{ from: 0, hashes: [h(15), h(16)] }, { from: 12, hashes: [h(9)] }],
    outcome: 'paid', endHeight: 20n, verdict: 'paid', windowEnd: 18n, divergedAt: 0,
    disputes: [{
      kind: 2, by: addr(4), member: addr(10), segment: 0, bond: 50n, openHeight: 15n, stage: 3, deadline: 16n, claim: [h(15)], answer: [], step: -1,
      agreed: new Uint8Array(32), solverNext: h(15), otherNext: h(17), supplies: [{ party: addr(4), total: 100, bytes: new Uint8Array(3) }],
      samples: [{ index: 4, bytes: Uint8Array.of(1, 2) }], winner: 1, reason: 'referee', refereeHash: h(15), endHeight: 16n,
    }],
    demands: [{ by: addr(11), checkpoint: 2, chunk: 0, fee: 3n, height: 13n, deadline: 15n, answer: h(20) }],
  };
}

test('a job state entry round-trips exactly and decoding is strict', () => {
  const jobs: Job[] = [fullJob(), { ...fullJob(), terms: terms(), solver: null, seed: null, commitment: null, segments: [], pool: [], seats: [], committee: [], draws: 0, silent: [], openings: [], attestations: [], reveals: [], outcome: '', status: JobStatus.Open }];
  for (const j of jobs) {
    const b = encodeJob(j);
    assert.deepEqual(decodeJob(b), j);
    assert.equal(bytesToHex(encodeJob(decodeJob(b))), bytesToHex(b));
  }
  const fields = decodeCanonical(encodeJob(fullJob()), 'job') as unknown[];
  const bad = (i: number, v: unknown, what: string) => {
    const f = [...fields];
    f[i] = v;
    assert.throws(() => decodeJob(encode(f as never)), (e: unknown) => isVmError(e) && e.code === 'CODEC_MALFORMED', what);
  };
  bad(3, 15, 'unknown status');
  bad(3, 0, 'status 0');
  bad(4, 5, 'a small int where a height belongs');
  bad(6, new Uint8Array(0), 'solver must be nil or 20 bytes');
  bad(18, 'won', 'unknown outcome');
  bad(17, [[0, []]], 'a reveal without hashes');
  bad(20, 'won', 'unknown verdict');
  bad(23, [[9, ...((fields[23] as unknown[])[0] as unknown[]).slice(1)]], 'unknown dispute kind');
  bad(24, [[new Uint8Array(20), 0, 0, 1n, 1n, 2n, new Uint8Array(5)]], 'a demand answer must be empty or 32 bytes');
  const pool = fields[25] as unknown[];
  bad(25, [pool[1], pool[0], pool[2]], 'pool not ascending');
  bad(25, pool.filter((x) => !Buffer.from((x as Uint8Array[])[0]!).equals(Buffer.from(addr(10)))), 'a committee member missing from the pool');
  bad(26, [addr(10), addr(12)], 'the committee is not the distinct seat holders');
  bad(26, Array.from({ length: 17 }, () => addr(10)), 'more seats than the largest committee');
  bad(27, 4, 'more draws than committees allowed');
  bad(28, [addr(12), addr(12)], 'silent not strictly ascending');
  bad(13, [3, 0], 'segments not ascending');
  const b = encodeJob(fullJob());
  assert.throws(() => decodeJob(Uint8Array.from([...b, 0])), (e: unknown) => isVmError(e));
  assert.throws(() => decodeJob(encode(fields.slice(0, -1) as never)), (e: unknown) => isVmError(e) && /29 fields/.test(e.message));
  assert.deepEqual(jobTreeKey(h(1)), sha256(Uint8Array.of(6), h(1)));
  assert.deepEqual(JOB_INDEX_TREE_KEY, sha256(Uint8Array.of(7)));
});

test('the active index is strictly ascending', () => {
  const ids = [h(1), h(2), h(3)].sort(Buffer.compare);
  assert.deepEqual(decodeJobIndex(encodeJobIndex(ids)), ids);
  assert.throws(() => decodeJobIndex(encodeJobIndex([ids[1]!, ids[0]!])), (e: unknown) => isVmError(e) && e.code === 'CODEC_MALFORMED');
  assert.throws(() => decodeJobIndex(encodeJobIndex([ids[0]!, ids[0]!])), (e: unknown) => isVmError(e));
});

test('the checkpoint schedule and runtime id the vm uses are ml-runtime\'s', () => {
  assert.ok(JOB_RUNTIMES.includes(DET_RUNTIME_VERSION));
  for (const [T, k] of [[12, 3], [14, 3], [5, 8], [65536, 64], [10, 2]] as const) {
    const steps = checkpointSteps(T, k);
    assert.equal(checkpointCount(T, k), steps.length, `T=${T} k=${k}`);
    steps.forEach((s, i) => assert.equal(checkpointStep(i, T, k), s));
    assert.deepEqual(checkpointLeaf(steps.at(-1)!, h(1), h(2)), Uint8Array.from([...u64be(steps.at(-1)!), ...h(1), ...h(2)]));
  }
  assert.deepEqual(requiredOpenings(12, 3, [2, 0]), [0, 2, 4]);
  assert.deepEqual(requiredRanges(12, 3, [1, 3]), [{ from: 0, to: 0 }, { from: 3, to: 6 }, { from: 9, to: 12 }, { from: 12, to: 12 }]);
  assert.deepEqual(requiredRanges(14, 3, [0, 4]), [{ from: 0, to: 3 }, { from: 12, to: 14 }, { from: 14, to: 14 }], 'segment 0 holds h_0');
});
