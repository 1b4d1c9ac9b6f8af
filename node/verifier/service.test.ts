import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { canonicalSpecJson, checkpointSteps, chunkBytes, createTrainer, datasetRoot, decodeState, encodeState, initialState, loadDataset, parseSpec, replaySegment, runTraceSync, selectBackend, stepHash, trainStep, withSteps, type ModelSpec, type TrainState } from '../../ml-runtime/index.ts';
import { disputeTermsFor, JobStatus, UNAVAILABLE_DIGEST, attestationDigest, createGenesisState, decodeTx, type BlockResult, type ChainState, type Job, type JobAttestPayload } from '../../vm/index.ts';
import { createP2pHost, type P2pHost } from '../p2p/index.ts';
import { DatasetRegistry, JobsError, SolverArtifacts, daFactsOfJob, registerDatasetServer, registerJobChunkServer, type ChunkSource } from '../jobs/index.ts';
import { VerifierService, type VerifierOptions } from './index.ts';
import { loadAttestationRecord } from './attestation-records.ts';
import { logHex } from '../util/index.ts';
import { leafHash, merkleRoot, sha256, utf8, addressFromPublicKey, bytesToHex, publicKeyFromSeed, MerkleTree } from '../../primitives/index.ts';

// A real solver host serving a real (tiny) iris training run over 127.0.0.1, a real verifier host,
// a real replay worker. The chain is a genesis state with the job put into it by hand; `submit` is a
// fake that decodes what the service signed.

const CHAIN = 'verifier-test';
const SEGMENTS = [0, 2]; // of 3 (T = 60, k = 20): segment 0 replays from the seed, segment 2 needs checkpoint 2
const validatorSeed = sha256(utf8('verifier-test/validator'));
const validatorAddress = addressFromPublicKey(publicKeyFromSeed(validatorSeed));
const tmp = mkdtempSync(join(tmpdir(), 'polchain-verifier-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  spec: ModelSpec;
  specJson: string;
  jobId: Uint8Array;
  seed: Uint8Array;
  artifacts: SolverArtifacts;
  /** the digest computed here, independently of the service (ml-runtime replaySegment + attestationDigest) */
  expected: Uint8Array;
}

let runP: Promise<Run> | undefined;
/** Trains once (det backend), records solver artifacts, and computes the expected digest directly. */
function training(): Promise<Run> {
  runP ??= (async () => {
    await selectBackend('det', { allowFallback: false });
    const spec = withSteps(parseSpec(readFileSync(new URL('../../ml-runtime/specs/iris.json', import.meta.url), 'utf8')), 60);
    const specJson = canonicalSpecJson(spec);
    const jobId = sha256(utf8('verifier-test/job'));
    const seed = sha256(utf8('verifier-test/seed'));
    const data = loadDataset('iris').train;
    const w = SolverArtifacts.create(join(tmp, 'solver'), { jobId, specJson, datasetRoot: datasetRoot(data), seed });
    runTraceSync(createTrainer(spec, data, seed), jobId, { sink: w });
    const artifacts = await w.finish();

    // independent: a second run keeps its checkpoints in memory; replay the sampled segments from them
    const tr = createTrainer(spec, data, seed);
    const trace = runTraceSync(tr, jobId);
    const s0 = initialState(tr);
    const k = spec.checkpointInterval;
    const segmentHashes = SEGMENTS.map((j) => {
      const from = j === 0 ? s0 : decodeState(trace.checkpoints[j]!.bytes, tr.layout);
      return replaySegment(spec, data, jobId, seed, from, j * k, Math.min((j + 1) * k, spec.steps)).slice(1);
    });
    assert.deepEqual(segmentHashes[1], trace.stepHashes.slice(2 * k + 1, 3 * k + 1), 'replay reproduces the trace');
    const expected = attestationDigest(jobId, validatorAddress, stepHash(jobId, s0), segmentHashes);
    return { spec, specJson, jobId, seed, artifacts, expected };
  })();
  return runP;
}

function jobOf(run: Run, solver: P2pHost | { peerId: string; multiaddrs(): string[] }, height: bigint, over: Partial<Job> = {}): Job {
  const data = loadDataset('iris').train;
  const last = checkpointSteps(run.spec.steps, run.spec.checkpointInterval).length - 1;
  const openings = run.artifacts.openings([...new Set([0, ...SEGMENTS, last])]).map(({ siblings: _s, ...o }) => o);
  const c = run.artifacts.commitment();
  return {
    id: run.jobId,
    submitter: new Uint8Array(20).fill(1),
    terms: {
      spec: utf8(run.specJson), runtime: 'det-1', datasetRoot: datasetRoot(data), datasetSize: data.count, q: 16, committeeSize: 5,
      windows: { accept: 10, commit: 10, challengeDelay: 2, open: 10, attest: 50, reveal: 10 },
      solverStake: 10n, bounty: 100n, attestReward: 10n, parent: null, dispute: disputeTermsFor(utf8(run.specJson)),
    },
    status: JobStatus.Attesting,
    submitHeight: 1n,
    deadline: height + 50n,
    solver: new Uint8Array(20).fill(2),
    daPeer: solver.peerId,
    daAddrs: solver.multiaddrs().filter((a) => a.startsWith('/ip4/127.0.0.1/')),
    acceptHeight: 2n,
    seed: run.seed,
    commitment: { ...c, height: 3n },
    challengeHeight: 5n,
    segments: SEGMENTS,
    committee: [{ address: validatorAddress, stake: 1_000_000n }],
    pool: [{ address: validatorAddress, stake: 1_000_000n }], seats: Array.from({ length: 5 }, () => validatorAddress), draws: 1, silent: [],
    openings,
    attestations: [],
    reveals: [],
    outcome: '',
    endHeight: 0n, verdict: '', windowEnd: 0n, divergedAt: 0, disputes: [], demands: [],
    ...over,
  };
}

function chain(height = 10n): ChainState {
  const s = createGenesisState({
    chainId: CHAIN, genesisTimeMs: 1_700_000_000_000n,
    params: { unbondingPeriod: 20n, minFee: 1n, minStake: 1000n, maxTxBytes: 65536, maxBlockTxs: 1000, maxBlockBytes: 1 << 22, slashFractionBps: 500 },
    accounts: [{ address: validatorAddress, balance: 1_000_000n }],
    validators: [{ address: validatorAddress, consensusKey: publicKeyFromSeed(validatorSeed), blsKey: new Uint8Array(48), stake: 1_000_000n }],
  });
  s.height = height;
  return s;
}

function putJob(state: ChainState, job: Job): void {
  state.jobs.set(bytesToHex(job.id), job);
  if (!state.activeJobs.some((id) => bytesToHex(id) === bytesToHex(job.id))) state.activeJobs.push(job.id);
}

/** A committed block as node.onBlock hands it over (only what the verifier reads). */
function block(height: bigint, jobUpdates: Job[] = []): BlockResult {
  return {
    block: { header: { height, timestampMs: 1_700_000_000_000n + height * 1000n } },
    jobUpdates: jobUpdates.map((j) => ({ jobId: j.id, status: j.status, outcome: '' })),
  } as unknown as BlockResult;
}

async function mkHost(t: TestContext): Promise<P2pHost> {
  const h = await createP2pHost({ chainId: CHAIN, listen: ['/ip4/127.0.0.1/tcp/0'], heartbeatMs: 100, redialMs: 0 });
  t.after(() => h.stop());
  return h;
}

interface Sent {
  raw: Uint8Array;
  payload: JobAttestPayload;
  nonce: bigint;
}

function capture(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); cb(); } });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** The common set-up: a trained run served publicly by a solver host, a verifier host, and the job on a chain at height 10. */
async function servedJob(t: TestContext): Promise<{ run: Run; solver: P2pHost; verifier: P2pHost; state: ChainState; job: Job }> {
  const run = await training();
  const solver = await mkHost(t);
  await registerJobChunkServer(solver, () => run.artifacts, { access: 'public' });
  const verifier = await mkHost(t);
  const state = chain();
  const job = jobOf(run, solver, state.height);
  putJob(state, job);
  return { run, solver, verifier, state, job };
}

/** A service with a fake submit that decodes and checks each signed transaction. */
function service(t: TestContext, state: ChainState, host: P2pHost, over: Partial<VerifierOptions> = {}) {
  const sent: Sent[] = [];
  const { logger, lines } = capture();
  let nonce = 7n;
  const svc = new VerifierService({
    state, validatorAddress, validatorSeed, host, logger, datasets: new DatasetRegistry(), workDir: join(tmp, 'work'),
    nextNonce: (a) => {
      assert.deepEqual(a, validatorAddress);
      return nonce;
    },
    submit: (raw) => {
      const tx = decodeTx(raw, state.params.maxTxBytes);
      assert.deepEqual(addressFromPublicKey(tx.publicKey), validatorAddress, 'signed by the committee member');
      assert.equal(tx.body.chainId, CHAIN);
      assert.equal(tx.body.fee, state.params.minFee);
      assert.equal(tx.body.payload.kind, 'job-attest');
      sent.push({ raw, payload: tx.body.payload as JobAttestPayload, nonce: tx.body.nonce });
      nonce++;
      return sha256(raw);
    },
    ...over,
  });
  t.after(() => svc.stop());
  return { svc, sent, lines };
}

test('a committee member replays the sampled segments and attests the independently computed digest', async (t) => {
  const run = await training();
  const solver = await mkHost(t);
  const state = chain();
  // the solver's real access rule over the chain: the verifier is served because it signs as the committee member
  await registerJobChunkServer(solver, (id) => (bytesToHex(id) === bytesToHex(run.jobId) ? run.artifacts : undefined), {
    access: { facts: (id) => { const j = state.getJob(id); return j && daFactsOfJob(j, state.height); } },
  });
  const verifier = await mkHost(t);
  const { svc, sent, lines } = service(t, state, verifier);
  svc.start();
  assert.equal(svc.stats().queued, 0, 'no job yet');

  // the block that moved the job to attesting
  const job = jobOf(run, solver, state.height);
  putJob(state, job);
  state.height += 1n;
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  t.after(() => clearInterval(ticker));
  svc.onBlock(block(state.height, [job]));
  // the hook only scheduled work: nothing queued, running or submitted yet
  assert.deepEqual([svc.stats().queued, svc.stats().running, sent.length], [0, null, 0]);
  await svc.idle();
  clearInterval(ticker);

  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0]!.payload.jobId, run.jobId);
  assert.equal(bytesToHex(sent[0]!.payload.digest), bytesToHex(run.expected));
  assert.equal(sent[0]!.nonce, 7n);
  const st = svc.stats();
  assert.equal(st.verified, 1);
  assert.equal(st.unavailable, 0);
  assert.equal(st.failed, 0);
  assert.equal(st.disagreed, 0, 'an honest trace agrees with its openings');
  assert.ok(st.lastCpuMs > 0);
  assert.equal(st.bytesFetched, run.artifacts.checkpoints[2]!.byteLength, 'checkpoint 2 only: iris is bundled, segment 0 starts from the seed');
  assert.ok(ticks > 0, 'the event loop kept turning while the job was verified');
  assert.ok(lines.some((l) => l.msg === 'verifier: replay progress' && l.level === 20 && l.stepsDone === l.stepsTotal), 'debug progress from the worker');
  const msgs = lines.map((l) => l.msg);
  for (const m of ['verifier: job queued', 'verifier: dataset ready', 'verifier: checkpoints fetched', 'verifier: segments replayed', 'verifier: attestation submitted']) {
    assert.ok(msgs.includes(m), `logs "${m}"`);
  }

  // the same job is not attested twice, on later blocks or when the attestation lands
  state.height += 1n;
  svc.onBlock(block(state.height, [job]));
  await svc.idle();
  putJob(state, { ...job, attestations: [{ address: validatorAddress, digest: run.expected, height: state.height }] });
  state.height += 1n;
  svc.onBlock(block(state.height));
  await svc.idle();
  assert.equal(sent.length, 1);
});

test('a job redrawn to a new committee that holds this member again is attested again: work and records are keyed by (job id, draw)', async (t) => {
  const { run, solver, verifier, state, job } = await servedJob(t);
  const workDir = join(tmp, 'work-redraw');
  const { svc, sent } = service(t, state, verifier, { workDir });
  svc.start();
  await svc.idle();
  assert.equal(sent.length, 1);
  assert.ok(await loadAttestationRecord(workDir, run.jobId, 1), 'the first committee\'s record');
  // quorum failed and the job was redrawn: attesting again with a second committee (this member on it
  // again), no attestations and a new deadline; no block showed it between the two committees
  state.height += 5n;
  const redrawn = { ...job, draws: 2, attestations: [], deadline: state.height + 50n } as Job;
  putJob(state, redrawn);
  svc.onBlock(block(state.height, [redrawn]));
  await svc.idle();
  assert.equal(sent.length, 2, 'attested again for the second committee');
  assert.equal(bytesToHex(sent[1]!.payload.digest), bytesToHex(run.expected));
  assert.equal(sent[1]!.nonce, 8n);
  assert.deepEqual(svc.stats().scheduler.recent.map((r) => [r.draws, r.decision, r.deadline]), [[2, 'attested', Number(redrawn.deadline)], [1, 'attested', Number(job.deadline)]]);
  assert.ok(await loadAttestationRecord(workDir, run.jobId, 2), 'the second committee\'s record');
  // the prune that ran with the redraw's block dropped the first: nothing can dispute an attestation of a replaced committee
  assert.equal(await loadAttestationRecord(workDir, run.jobId, 1), null);
  // once per committee: later blocks send nothing more
  state.height += 1n;
  svc.onBlock(block(state.height));
  await svc.idle();
  assert.equal(sent.length, 2);
});

test('a restarted node picks up jobs already attesting, skipping ones past their deadline or without its seat', async (t) => {
  const run = await training();
  const solver = await mkHost(t);
  await registerJobChunkServer(solver, (id) => (bytesToHex(id) === bytesToHex(run.jobId) ? run.artifacts : undefined), { access: 'public' });
  const verifier = await mkHost(t);
  const state = chain(100n);
  putJob(state, jobOf(run, solver, 100n));
  const other = (label: string, over: Partial<Job>) => jobOf(run, solver, 100n, { id: sha256(utf8(label)), ...over });
  putJob(state, other('late', { deadline: 99n }));
  putJob(state, other('not-mine', { committee: [{ address: new Uint8Array(20).fill(9), stake: 1n }] }));
  putJob(state, other('revealing', { status: JobStatus.Revealing }));
  const { svc, sent } = service(t, state, verifier);
  svc.start();
  await svc.idle();
  assert.equal(sent.length, 1);
  assert.equal(bytesToHex(sent[0]!.payload.jobId), bytesToHex(run.jobId));
  assert.equal(bytesToHex(sent[0]!.payload.digest), bytesToHex(run.expected));
});

/** Serves the honest artifacts except checkpoint 2, replaced by `bytes` (with consistent chunk proofs). */
function tamperedSource(run: Run, bytes: Uint8Array): ChunkSource {
  const chunks = chunkBytes(bytes);
  const tree = MerkleTree.fromLeafHashes(chunks.map(leafHash));
  return {
    async chunk(cp, i) {
      if (cp !== 2) return run.artifacts.chunk(cp, i);
      if (i >= chunks.length) throw new JobsError('DA_NOT_FOUND', `no chunk ${i}`);
      return { chunk: chunks[i]!, siblings: tree.proof(i) };
    },
  };
}

async function tamperedState(run: Run): Promise<Uint8Array> {
  const tr = createTrainer(run.spec, loadDataset('iris').train, run.seed);
  const s = decodeState(await run.artifacts.checkpointBytes(2), tr.layout);
  s.params[0]![0]! += 0.5;
  return encodeState(s);
}

test('a solver serving a tampered checkpoint state: chunks that do not prove get UNAVAILABLE_DIGEST, proven chunks of an unusable state get no hashes for that segment (a real digest)', async (t) => {
  const run = await training();
  const bad = await tamperedState(run);
  const solver = await mkHost(t);
  await registerJobChunkServer(solver, () => tamperedSource(run, bad), { access: 'public' });
  const verifier = await mkHost(t);
  const state = chain();
  // (a) the opening is the honest one: the served chunks are not proven under its chunk root (data
  // not had; without a node's block store the service cannot demand it)
  putJob(state, jobOf(run, solver, state.height));
  // (b) a cheat that committed the tampered state's chunk root with the honest step hash: the chunks
  // prove, the state does not hash to the opened step hash. The data is there and wrong: under v5 an
  // UNAVAILABLE would be silence and let the cheat off, so the member claims NO_HASH for segment 2
  const b = jobOf(run, solver, state.height, { id: sha256(utf8('verifier-test/cheat')) });
  b.openings = b.openings.map((o) => (o.index === 2 ? { ...o, chunkRoot: merkleRoot(chunkBytes(bad)) } : o));
  putJob(state, b);
  const { svc, sent, lines } = service(t, state, verifier);
  svc.start();
  await svc.idle();

  assert.equal(sent.length, 2);
  assert.deepEqual(sent.map((s) => s.nonce), [7n, 8n]);
  const to = (id: Uint8Array) => sent.find((s) => bytesToHex(s.payload.jobId) === bytesToHex(id))!.payload.digest;
  assert.deepEqual(to(run.jobId), UNAVAILABLE_DIGEST);
  // independently: h0 and segment 0 replayed for job b, then 32 zero bytes for each of segment 2's steps
  const data = loadDataset('iris').train;
  const tr = createTrainer(run.spec, data, run.seed);
  const s0 = initialState(tr);
  const k = run.spec.checkpointInterval;
  const seg0 = replaySegment(run.spec, data, b.id, run.seed, s0, 0, k).slice(1);
  const noHash = Array.from({ length: run.spec.steps - 2 * k }, () => new Uint8Array(32));
  assert.deepEqual(to(b.id), attestationDigest(b.id, validatorAddress, stepHash(b.id, s0), [seg0, noHash]));
  const st = svc.stats();
  assert.deepEqual([st.verified, st.unavailable, st.failed, st.unusable], [1, 1, 0, 1]);
  const unavailable = lines.filter((l) => l.msg === 'verifier: data unavailable or invalid; attesting UNAVAILABLE').map((l) => String(l.reason));
  assert.equal(unavailable.length, 1);
  assert.match(unavailable[0]!, /not proven under the opened chunk root/);
  const unusable = lines.filter((l) => l.msg === 'verifier: the opened checkpoint is proven under its chunk root but is not a usable state; claiming no hashes for its segment');
  assert.deepEqual(unusable.map((l) => l.segment), [2]);
  assert.match(String(unusable[0]!.reason), /does not hash to the opened step hash/);
  const decided = svc.stats().scheduler.recent.find((r) => r.job === logHex(b.id));
  assert.equal(decided?.decision, 'attested');
  assert.match(String(decided?.reason), /no hashes claimed for segments \[2\]/);
  // the record answers a dispute: zeros for segment 2, and no start state kept for it
  const rec = await loadAttestationRecord(join(tmp, 'work'), b.id, 1);
  assert.deepEqual(rec?.segmentHashes[1], noHash);
});

test('an unreachable solver, or no time left before the deadline, gives UNAVAILABLE_DIGEST', async (t) => {
  const run = await training();
  const gone = await createP2pHost({ chainId: CHAIN, listen: ['/ip4/127.0.0.1/tcp/0'] });
  const goneInfo = { peerId: gone.peerId, multiaddrs: () => gone.multiaddrs() };
  await gone.stop();
  const verifier = await mkHost(t);
  const state = chain();
  const job = jobOf(run, goneInfo, state.height);
  putJob(state, job);
  // the unreachable solver is retried until the chain reaches the deadline less the margin
  const { svc, sent, lines } = service(t, state, verifier, { blockIntervalMs: 20 });
  svc.start();
  while (lines.filter((l) => /retrying/.test(String(l.msg))).length < 2) await new Promise((r) => setTimeout(r, 20));
  assert.equal(sent.length, 0, 'no verdict while the window is open');
  state.height = job.deadline - 2n;
  svc.onBlock(block(state.height));
  await svc.idle();
  assert.equal(sent.length, 1);
  // deadline 2 blocks ahead with a 2-block margin: no budget at all, so no fetch is tried
  const rushed = jobOf(run, goneInfo, state.height, { id: sha256(utf8('verifier-test/rushed')), deadline: state.height + 2n });
  putJob(state, rushed);
  svc.onBlock(block(state.height, [rushed]));
  await svc.idle();
  assert.equal(sent.length, 2);
  for (const s of sent) assert.deepEqual(s.payload.digest, UNAVAILABLE_DIGEST);
  assert.equal(svc.stats().unavailable, 2);
  const warns = lines.filter((l) => l.level === 40).map((l) => `${String(l.msg)} ${String(l.code ?? '')}`);
  assert.ok(warns.some((w) => /no time left/.test(w)), warns.join(' | '));
  assert.ok(warns.some((w) => /DA_UNREACHABLE/.test(w)), warns.join(' | '));
  assert.ok(lines.filter((l) => /retrying/.test(String(l.msg))).length >= 2, 'an unreachable solver is retried before giving up');
});

test('a solver that is down when the committee starts, and back (same peer id and address) within the window, is verified', async (t) => {
  const run = await training();
  const keySeed = sha256(utf8('verifier-test/restarting-solver'));
  const before = await createP2pHost({ chainId: CHAIN, listen: ['/ip4/127.0.0.1/tcp/0'], privateKeySeed: keySeed });
  const info = { peerId: before.peerId, multiaddrs: () => before.multiaddrs() };
  const addrs = before.multiaddrs();
  await before.stop();
  const verifier = await mkHost(t);
  const state = chain();
  putJob(state, jobOf(run, { peerId: info.peerId, multiaddrs: () => addrs }, state.height));
  const { svc, sent, lines } = service(t, state, verifier);
  let back: P2pHost | undefined;
  t.after(() => back?.stop());
  const restart = new Promise<void>((resolve) => setTimeout(() => void (async () => {
    back = await createP2pHost({ chainId: CHAIN, listen: addrs.map((a) => a.replace(/\/p2p\/[^/]+$/, '')), privateKeySeed: keySeed });
    await registerJobChunkServer(back, () => run.artifacts, { access: 'public' });
    resolve();
  })(), 800));
  svc.start();
  await restart;
  await svc.idle();
  assert.equal(back!.peerId, info.peerId);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0]!.payload.digest, run.expected, 'the replayed digest, not UNAVAILABLE');
  assert.ok(lines.some((l) => /retrying/.test(String(l.msg)) && l.code === 'DA_UNREACHABLE'), 'the first attempt found the solver down');
  assert.equal(svc.stats().unavailable, 0);
});

test('a replay still running when the chain reaches the deadline less the margin attests UNAVAILABLE; one cancelled by stop() attests nothing', async (t) => {
  const run = await training();
  const solver = await mkHost(t);
  await registerJobChunkServer(solver, () => run.artifacts, { access: 'public' });
  const verifier = await mkHost(t);
  const hang: VerifierOptions['backend'] = {
    replay: (_input, opts) => new Promise((_resolve, reject) => {
      opts.signal!.addEventListener('abort', () => reject(new JobsError('REPLAY_ABORTED', 'replay aborted')), { once: true });
    }),
  };
  {
    const state = chain();
    // 3 blocks left, 2 kept free, 100 ms blocks: about 100 ms of expected time, but the cut-off is
    // the height: while no block comes the replay goes on, however long it takes
    putJob(state, jobOf(run, solver, state.height, { deadline: state.height + 3n }));
    const { svc, sent, lines } = service(t, state, verifier, { backend: hang, blockIntervalMs: 100, minBudgetMs: 10 });
    svc.start();
    while (svc.stats().running === null) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 400));
    assert.notEqual(svc.stats().running, null, 'still replaying after 4 expected block times without a block');
    assert.equal(sent.length, 0);
    state.height += 1n; // deadline - 2: the margin is all that is left
    svc.onBlock(block(state.height));
    await svc.idle();
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.payload.digest, UNAVAILABLE_DIGEST);
    assert.ok(lines.some((l) => l.code === 'VERIFIER_TIMEOUT'));
  }
  {
    const state = chain();
    putJob(state, jobOf(run, solver, state.height));
    const { svc, sent } = service(t, state, verifier, { backend: hang });
    svc.start();
    while (svc.stats().running === null) await new Promise((r) => setTimeout(r, 5));
    await svc.stop();
    assert.equal(sent.length, 0);
    assert.deepEqual([svc.stats().verified, svc.stats().unavailable, svc.stats().failed], [0, 0, 0]);
  }
});

test('an attestation dropped from the mempool is sent again with the same digest and a fresh nonce', async (t) => {
  const { verifier, state } = await servedJob(t);
  let replays = 0;
  const pending = new Set<string>();
  const { svc, sent } = service(t, state, verifier, {
    backend: { replay: async () => { replays++; return { h0: new Uint8Array(32).fill(1), segmentHashes: [[new Uint8Array(32).fill(2)], [new Uint8Array(32).fill(3)]], segmentLosses: [new Uint8Array(4), new Uint8Array(4)], startHashes: [], cpuMs: 1 }; } },
    isPending: (h) => pending.has(bytesToHex(h)),
  });
  svc.start();
  await svc.idle();
  assert.equal(sent.length, 1);
  // the mempool dropped it (pending is empty): the next block re-sends
  state.height += 1n;
  svc.onBlock(block(state.height));
  await svc.idle();
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1]!.payload.digest, sent[0]!.payload.digest);
  assert.equal(sent[1]!.nonce, sent[0]!.nonce + 1n);
  assert.equal(replays, 1);
  // still pending: nothing more
  pending.add(bytesToHex(sha256(sent[1]!.raw)));
  state.height += 1n;
  svc.onBlock(block(state.height));
  await svc.idle();
  assert.equal(sent.length, 2);
  assert.equal(svc.stats().verified, 1);
});

test('a local failure (the replay worker died) posts nothing and is tried once more on a later block', async (t) => {
  const { run, verifier, state } = await servedJob(t);
  let replays = 0;
  let syncing = false;
  const { svc, sent } = service(t, state, verifier, {
    backend: { replay: async () => { replays++; throw new JobsError('REPLAY_WORKER_DIED', 'replay worker crashed: out of memory'); } },
    isSyncing: () => syncing,
  });
  svc.start();
  await svc.idle();
  assert.deepEqual([replays, sent.length, svc.stats().failed], [1, 0, 1]);
  // while the node syncs, blocks do not start work
  syncing = true;
  state.height += 1n;
  svc.onBlock(block(state.height));
  await svc.idle();
  assert.equal(replays, 1);
  syncing = false;
  for (let i = 0; i < 3; i++) {
    state.height += 1n;
    svc.onBlock(block(state.height));
    await svc.idle();
  }
  assert.deepEqual([replays, sent.length, svc.stats().failed], [2, 0, 2]);
});

test('a dataset the verifier does not hold is fetched from the solver by root and gives the same digest', async (t) => {
  const { run, solver, verifier, state } = await servedJob(t);
  await registerDatasetServer(solver, new DatasetRegistry());
  const datasets = new DatasetRegistry([]); // knows no bundled dataset
  const { svc, sent, lines } = service(t, state, verifier, { datasets });
  svc.start();
  await svc.idle();
  assert.equal(sent.length, 1);
  assert.equal(bytesToHex(sent[0]!.payload.digest), bytesToHex(run.expected));
  const ready = lines.find((l) => l.msg === 'verifier: dataset ready');
  assert.ok(ready && Number(ready.fetchedBytes) > 0, JSON.stringify(ready));
  assert.ok(datasets.byRoot(datasetRoot(loadDataset('iris').train)), 'kept for the next job');
});

test('a child job starts from its parent\'s proven final weights, fetched once and then taken from workDir', async (t) => {
  const run = await training();
  const data = loadDataset('iris').train;
  // the child: same spec, its own id and seed, initialised from the parent's final parameters with zero slots
  const childId = sha256(utf8('verifier-test/child'));
  const childSeed = sha256(utf8('verifier-test/child-seed'));
  const tr = createTrainer(run.spec, data, childSeed);
  const parentFinal = decodeState(await run.artifacts.checkpointBytes(3), tr.layout);
  const s0: TrainState = { step: 0, params: parentFinal.params, slots: tr.layout.slotSizes.map((n) => new Float32Array(n)) };
  let s = s0;
  while (s.step < 40) s = trainStep(tr, s).state;
  const cp2 = encodeState(s);
  const k = run.spec.checkpointInterval;
  const seg0 = replaySegment(run.spec, data, childId, childSeed, s0, 0, k).slice(1);
  const seg2 = replaySegment(run.spec, data, childId, childSeed, decodeState(cp2, tr.layout), 2 * k, 3 * k).slice(1);
  const expected = attestationDigest(childId, validatorAddress, stepHash(childId, s0), [seg0, seg2]);

  const solver = await mkHost(t);
  const childChunks = chunkBytes(cp2);
  const childTree = MerkleTree.fromLeafHashes(childChunks.map(leafHash));
  await registerJobChunkServer(solver, (id) => {
    if (bytesToHex(id) === bytesToHex(run.jobId)) return run.artifacts;
    if (bytesToHex(id) !== bytesToHex(childId)) return undefined;
    return { async chunk(cp, i) {
      if (cp !== 2 || i >= childChunks.length) throw new JobsError('DA_NOT_FOUND', `no chunk ${cp}/${i}`);
      return { chunk: childChunks[i]!, siblings: childTree.proof(i) };
    } };
  }, { access: 'public' });
  const verifier = await mkHost(t);
  const state = chain();
  const parent = jobOf(run, solver, state.height, { status: JobStatus.Finalized, outcome: 'paid', attestations: [] });
  state.jobs.set(bytesToHex(parent.id), parent);
  const base = jobOf(run, solver, state.height);
  const child: Job = {
    ...base, id: childId, seed: childSeed, terms: { ...base.terms, parent: run.jobId },
    openings: [
      { index: 0, chunkRoot: merkleRoot(chunkBytes(encodeState(s0))), stepHash: stepHash(childId, s0) },
      { index: 2, chunkRoot: merkleRoot(childChunks), stepHash: stepHash(childId, s) },
    ],
  };
  putJob(state, child);
  const workDir = join(tmp, 'work-child');
  const first = service(t, state, verifier, { workDir });
  first.svc.start();
  await first.svc.idle();
  assert.equal(first.sent.length, 1);
  assert.equal(bytesToHex(first.sent[0]!.payload.digest), bytesToHex(expected));
  assert.equal(first.svc.stats().bytesFetched, cp2.length + run.artifacts.checkpoints[3]!.byteLength, 'checkpoint 2 of the child and the parent\'s final state');
  await first.svc.stop();

  // a restarted node verifies again (its attestation never landed): the parent's weights come from workDir
  const again = service(t, state, verifier, { workDir });
  again.svc.start();
  await again.svc.idle();
  assert.equal(bytesToHex(again.sent[0]!.payload.digest), bytesToHex(expected));
  assert.equal(again.svc.stats().bytesFetched, cp2.length);
});
