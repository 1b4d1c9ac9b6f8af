// The committee verifier (docs/jobs.md §4): when this node's validator sits on a job's committee,
// fetch the opened checkpoints from the solver, replay the sampled segments on a worker thread and
// post a JobAttest with the digest, or UNAVAILABLE_DIGEST when the data cannot be had or verified
// in time. Blocks only enqueue work; one task runs at a time, first come first served.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  MlError, bytesEqual, checkpointSteps, decodeState, parseSpec, stepHash, toHex, type ModelSpec,
} from '../../ml-runtime/index.ts';
import {
  JobStatus, UNAVAILABLE_DIGEST, addressFromPublicKey, attestationDigest, bytesToHex, equalBytes, publicKeyFromSeed, signTxBytes,
  type BlockResult, type ChainState, type Job, type JobOpening, type TxBody,
} from '../../vm/index.ts';
import type { P2pHost } from '../p2p/index.ts';
import { isJobsError, layoutOfSpec, type DaPeer, type DatasetRegistry, type ReplayProgress, type ReplaySegmentInput } from '../jobs/index.ts';
import { jobsBackend, type DatasetRef, type VerifierBackend } from './backend.ts';
import { BlockPace } from './pace.ts';
import { VerifierError } from './errors.ts';

export interface VerifierOptions {
  state: ChainState;
  /** 20-byte address of the validator (the account of its consensus key); committee membership is checked against it */
  validatorAddress: Uint8Array;
  /** the consensus key's seed: signs JobAttest as `validatorAddress` */
  validatorSeed: Uint8Array;
  /** admits a signed transaction (mempool + gossip); returns its hash */
  submit(raw: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** the nonce the next transaction of `address` must carry, counting its pending transactions */
  nextNonce(address: Uint8Array): bigint;
  /** whether a submitted transaction is still waiting in the mempool (enables re-submission of dropped attestations) */
  isPending?(txHash: Uint8Array): boolean;
  /** true while the node downloads blocks: deadlines seen in old state are not worth working for (default: never) */
  isSyncing?(): boolean;
  host: P2pHost;
  logger: Logger;
  datasets: DatasetRegistry;
  /** scratch space: verified parent-job weights are kept here across restarts */
  workDir: string;
  /** aborting it stops the service */
  signal?: AbortSignal;
  /** fee of a JobAttest (default: the chain's minFee) */
  fee?: bigint;
  /** blocks kept free before the attest deadline for the transaction to be included (default 2) */
  marginBlocks?: number;
  /** block time assumed until two blocks have been seen (default 1000 ms) */
  blockIntervalMs?: number;
  /** below this budget a task attests UNAVAILABLE_DIGEST without trying (default 250 ms) */
  minBudgetMs?: number;
  /** least time between replay progress lines (default 2000 ms) */
  progressIntervalMs?: number;
  /** checkpoint / dataset requests in flight (default 4) */
  concurrency?: number;
  /** replaces parts of the node/jobs backend (tests) */
  backend?: Partial<VerifierBackend>;
  /** wall clock in ms (default Date.now) */
  now?: () => number;
}

/** Counters for tests and node status. */
export interface VerifierStats {
  /** attestations posted with a replayed digest */
  verified: number;
  /** attestations posted with UNAVAILABLE_DIGEST */
  unavailable: number;
  /** tasks that ended without an attestation (local errors, refused submissions) */
  failed: number;
  /** replays whose end hash disagreed with an opened checkpoint of the solver (the digest is still posted) */
  disagreed: number;
  /** worker busy time of the last replay */
  lastCpuMs: number;
  /** checkpoint and dataset bytes fetched from solvers */
  bytesFetched: number;
  /** tasks waiting */
  queued: number;
  /** short id of the job being verified, or null */
  running: string | null;
}

interface Submitted {
  digest: Uint8Array;
  txHash: Uint8Array;
  tries: number;
}

const MAX_SUBMIT_TRIES = 3;
/** a job whose task failed locally is tried again on a later block, this many times in all */
const MAX_TASK_ATTEMPTS = 2;
const short = (id: Uint8Array): string => bytesToHex(id).slice(0, 12);

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** Failures that mean "the solver's data could not be obtained or checked": they end in UNAVAILABLE_DIGEST. */
function isDataFailure(e: unknown): boolean {
  if (e instanceof VerifierError) return e.code !== 'VERIFIER_CANCELLED';
  if (e instanceof MlError) return true; // a spec, dataset or state the runtime refuses
  if (isJobsError(e)) {
    // a worker that died (out of memory, killed) says nothing about the solver's data
    if (e.code === 'REPLAY_FAILED') return !/^replay worker (crashed|exited)/.test(e.message);
    return e.code.startsWith('DA_') || e.code.startsWith('DATASET_') || e.code === 'REPLAY_ABORTED';
  }
  return false;
}

/**
 * Failures that may pass: the solver restarting or briefly unreachable. They are retried until the
 * budget runs out; a proof that fails or a wrong dataset is final at once.
 */
function isTransient(e: unknown): boolean {
  return isJobsError(e) && (e.code === 'DA_UNREACHABLE' || e.code === 'DA_TIMEOUT' || e.code === 'DA_NOT_FOUND');
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class VerifierService {
  readonly address: Uint8Array;
  private readonly log: Logger;
  private readonly pace: BlockPace;
  private readonly backend: VerifierBackend;
  private readonly now: () => number;
  private readonly queue: Uint8Array[] = [];
  /** hex ids queued, running or submitted: each job is handled once */
  private readonly taken = new Set<string>();
  private readonly submitted = new Map<string, Submitted>();
  private readonly hints: Uint8Array[] = [];
  /** tasks started per job (bounded retries after local failures); dropped when the job leaves the attest window */
  private readonly attempts = new Map<string, number>();
  /** digests already computed, so a refused submission is retried without replaying again */
  private readonly digests = new Map<string, Uint8Array>();
  private current: { hex: string; ctl: AbortController } | null = null;
  private draining: Promise<void> | null = null;
  /** re-submissions started by a scan */
  private readonly resends = new Set<Promise<void>>();
  private scanTimer: NodeJS.Immediate | null = null;
  private started = false;
  private stopped = false;
  private readonly counters = { verified: 0, unavailable: 0, failed: 0, disagreed: 0, lastCpuMs: 0, bytesFetched: 0 };
  private readonly onAbort = () => void this.stop();

  constructor(private readonly o: VerifierOptions) {
    this.address = o.validatorAddress;
    if (!equalBytes(addressFromPublicKey(publicKeyFromSeed(o.validatorSeed)), o.validatorAddress)) {
      throw new VerifierError('VERIFIER_BAD_OPTIONS', 'validatorSeed does not belong to validatorAddress: a JobAttest must be signed by the committee member');
    }
    this.log = o.logger;
    this.pace = new BlockPace(o.blockIntervalMs ?? 1000);
    this.backend = { ...jobsBackend(o.datasets, { concurrency: o.concurrency ?? 4 }), ...o.backend };
    this.now = o.now ?? Date.now;
  }

  stats(): VerifierStats {
    return { ...this.counters, queued: this.queue.length, running: this.current ? this.current.hex.slice(0, 12) : null };
  }

  /** Picks up jobs already in the attesting phase (e.g. after a restart) and starts listening. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { state } = this.o;
    if (this.o.signal?.aborted) {
      void this.stop();
      return;
    }
    this.o.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.pace.record(state.height, state.lastTimestampMs);
    const v = state.getValidator(this.address);
    if (!v) this.log.info({ validator: short(this.address) }, 'verifier: not in the validator set yet; waiting for committee seats');
    let resumed = 0;
    for (const id of state.activeJobs) {
      const job = state.getJob(id);
      if (job && this.needsMe(job) && this.enqueue(job)) resumed++;
    }
    this.log.info({ validator: short(this.address), resumed, height: Number(state.height) }, 'verifier started');
  }

  /**
   * Hook for node.onBlock: records the block time and schedules a scan on a later turn of the event
   * loop. Never does the work itself, so the consensus path is not held up.
   */
  onBlock(r: BlockResult): void {
    if (this.stopped || !this.started) return;
    this.pace.record(r.block.header.height, r.block.header.timestampMs);
    for (const u of r.jobUpdates ?? []) if (u.status === JobStatus.Attesting) this.hints.push(u.jobId);
    this.scanTimer ??= setImmediate(() => {
      this.scanTimer = null;
      this.scan();
    });
  }

  /** Resolves when no task is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining || this.scanTimer || this.resends.size > 0) {
      if (this.scanTimer) await new Promise((r) => setImmediate(r));
      if (this.draining) await this.draining;
      await Promise.all(this.resends);
    }
  }

  /** Cancels the running task (no attestation is posted for it), drops the queue, waits for the task to end. */
  async stop(): Promise<void> {
    if (this.stopped) {
      await this.draining;
      return;
    }
    this.stopped = true;
    this.o.signal?.removeEventListener('abort', this.onAbort);
    if (this.scanTimer) clearImmediate(this.scanTimer);
    this.scanTimer = null;
    this.queue.length = 0;
    this.current?.ctl.abort(new VerifierError('VERIFIER_CANCELLED', 'the verifier is stopping'));
    await this.draining;
    this.log.info({ ...this.stats() }, 'verifier stopped');
  }

  private isMember(job: Job): boolean {
    return job.committee.some((m) => equalBytes(m.address, this.address));
  }

  private hasAttested(job: Job): boolean {
    return job.attestations.some((a) => equalBytes(a.address, this.address));
  }

  /** In the attest window (a tx can still land at height ≤ deadline), on the committee, not yet attested. */
  private needsMe(job: Job): boolean {
    return job.status === JobStatus.Attesting && this.o.state.height < job.deadline + 1n && this.isMember(job) && !this.hasAttested(job);
  }

  private enqueue(job: Job): boolean {
    const hex = bytesToHex(job.id);
    if (this.stopped || this.taken.has(hex) || (this.attempts.get(hex) ?? 0) >= MAX_TASK_ATTEMPTS) return false;
    this.taken.add(hex);
    this.attempts.set(hex, (this.attempts.get(hex) ?? 0) + 1);
    this.queue.push(job.id);
    this.log.info({ job: short(job.id), segments: job.segments, deadline: Number(job.deadline), queued: this.queue.length }, 'verifier: job queued');
    this.draining ??= this.drain().finally(() => { this.draining = null; });
    return true;
  }

  private scan(): void {
    if (this.stopped) return;
    if (this.o.isSyncing?.()) {
      this.hints.length = 0; // the active-job scan after the sync covers them
      return;
    }
    const { state } = this.o;
    const seen = new Set<string>();
    const visit = (id: Uint8Array) => {
      const hex = bytesToHex(id);
      if (seen.has(hex)) return;
      seen.add(hex);
      const job = state.getJob(id);
      if (job && this.needsMe(job)) this.enqueue(job);
    };
    for (const id of this.hints.splice(0)) visit(id);
    for (const id of state.activeJobs) visit(id);
    for (const hex of this.attempts.keys()) {
      const job = state.getJob(Buffer.from(hex, 'hex'));
      if (!job || job.status !== JobStatus.Attesting) {
        this.attempts.delete(hex);
        this.digests.delete(hex);
      }
    }
    // the running task ends early when its job left the attest window
    if (this.current) {
      const job = state.getJob(Buffer.from(this.current.hex, 'hex'));
      if (!job || job.status !== JobStatus.Attesting || state.height >= job.deadline) {
        this.current.ctl.abort(new VerifierError('VERIFIER_CANCELLED', `the job is no longer attesting at height ${state.height}`));
      }
    }
    // submitted attestations: forget the landed ones, re-send the ones the mempool dropped
    for (const [hex, sub] of this.submitted) {
      const job = state.getJob(Buffer.from(hex, 'hex'));
      if (!job || job.status !== JobStatus.Attesting || this.hasAttested(job)) {
        this.submitted.delete(hex);
        this.taken.delete(hex);
        continue;
      }
      if (this.o.isPending && !this.o.isPending(sub.txHash) && state.height < job.deadline) {
        if (sub.tries >= MAX_SUBMIT_TRIES) {
          this.log.warn({ job: short(job.id), tries: sub.tries }, 'verifier: attestation keeps leaving the mempool without landing; giving up');
          this.submitted.delete(hex);
          this.counters.failed++;
          continue;
        }
        const p = this.send(job, sub.digest, sub.tries + 1).finally(() => this.resends.delete(p));
        this.resends.add(p);
      }
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const id = this.queue.shift()!;
      try {
        await this.runTask(id);
      } catch (e) {
        this.counters.failed++;
        this.log.error({ job: short(id), err: errText(e) }, 'verifier: task failed');
      }
      if (!this.submitted.has(bytesToHex(id))) this.taken.delete(bytesToHex(id));
    }
  }

  private async runTask(id: Uint8Array): Promise<void> {
    const { state } = this.o;
    const job = state.getJob(id);
    if (!job || !this.needsMe(job)) return;
    const hex = bytesToHex(id);
    const log = this.log.child({ job: short(id) });
    const budgetMs = this.pace.budgetMs(state.height, job.deadline, this.o.marginBlocks ?? 2);
    let digest: Uint8Array;
    const known = this.digests.get(hex);
    if (known) {
      log.info({ digest: bytesToHex(known).slice(0, 16) }, 'verifier: re-submitting the digest computed earlier');
      digest = known;
    } else if (budgetMs < (this.o.minBudgetMs ?? 250)) {
      log.warn({ height: Number(state.height), deadline: Number(job.deadline), budgetMs }, 'verifier: no time left to verify before the attest deadline; attesting UNAVAILABLE');
      digest = UNAVAILABLE_DIGEST;
    } else {
      const ctl = new AbortController();
      this.current = { hex, ctl };
      const timer = setTimeout(() => ctl.abort(new VerifierError('VERIFIER_TIMEOUT', `not verified within the ${budgetMs} ms left before the attest deadline`)), budgetMs);
      try {
        log.info({ segments: job.segments, solver: job.daPeer, deadline: Number(job.deadline), budgetMs, msPerBlock: Math.round(this.pace.msPerBlock()) }, 'verifier: verifying job');
        const r = await this.verifyRetrying(job, ctl.signal, log);
        digest = attestationDigest(job.id, this.address, r.h0, r.segmentHashes);
        log.info({ digest: bytesToHex(digest).slice(0, 16), cpuMs: Math.round(r.cpuMs) }, 'verifier: digest computed');
      } catch (e) {
        // the abort reason tells why a fetch or replay stopped
        // (a transient failure that outlived the budget is reported as itself)
        const why = ctl.signal.aborted && !isTransient(e) ? ctl.signal.reason : e;
        if (why instanceof VerifierError && why.code === 'VERIFIER_CANCELLED') {
          log.info({ reason: why.message }, 'verifier: task cancelled');
          return;
        }
        if (!isDataFailure(why)) throw why;
        log.warn({ code: errCode(why), reason: errText(why) }, 'verifier: data unavailable or invalid; attesting UNAVAILABLE');
        digest = UNAVAILABLE_DIGEST;
      } finally {
        clearTimeout(timer);
        this.current = null;
      }
    }
    this.digests.set(hex, digest);
    if (this.stopped) return;
    // the chain moved on while we worked: only attest into an open window
    const now = state.getJob(id);
    if (!now || !this.needsMe(now)) {
      log.info({ status: now?.status, height: Number(state.height) }, 'verifier: job no longer needs this attestation');
      return;
    }
    await this.send(now, digest, 1);
  }

  /** Signs and submits a JobAttest; counts the outcome. */
  private async send(job: Job, digest: Uint8Array, tries: number): Promise<void> {
    const hex = bytesToHex(job.id);
    const body: TxBody = {
      chainId: this.o.state.chainId,
      nonce: this.o.nextNonce(this.address),
      fee: this.o.fee ?? this.o.state.params.minFee,
      payload: { kind: 'job-attest', jobId: job.id, digest },
    };
    const unavailable = bytesEqual(digest, UNAVAILABLE_DIGEST);
    try {
      const txHash = await this.o.submit(signTxBytes(body, this.o.validatorSeed));
      this.submitted.set(hex, { digest, txHash, tries });
      if (tries === 1) this.counters[unavailable ? 'unavailable' : 'verified']++;
      this.log.info({ job: short(job.id), digest: bytesToHex(digest).slice(0, 16), unavailable, nonce: Number(body.nonce), tx: bytesToHex(txHash).slice(0, 16), tries }, 'verifier: attestation submitted');
    } catch (e) {
      this.submitted.delete(hex);
      this.taken.delete(hex);
      this.counters.failed++;
      this.log.error({ job: short(job.id), code: errCode(e), err: errText(e) }, 'verifier: attestation refused');
    }
  }

  /** verify(), retried on transient data failures (backing off up to 2 s) until the task's budget aborts it. */
  private async verifyRetrying(job: Job, signal: AbortSignal, log: Logger): ReturnType<VerifierService['verify']> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.verify(job, signal, log);
      } catch (e) {
        if (signal.aborted || !isTransient(e)) throw e;
        log.info({ attempt, code: errCode(e), reason: errText(e) }, 'verifier: solver data not reachable yet; retrying');
        await pause(Math.min(2000, 250 * 2 ** attempt), signal);
        if (signal.aborted) throw e;
      }
    }
  }

  private async verify(job: Job, signal: AbortSignal, log: Logger): Promise<{ h0: Uint8Array; segmentHashes: Uint8Array[][]; cpuMs: number }> {
    const specJson = new TextDecoder().decode(job.terms.spec);
    const spec = parseSpec(specJson);
    if (!job.seed) throw new VerifierError('VERIFIER_JOB_INVALID', 'the job has no seed');
    const peer: DaPeer = { peerId: job.daPeer, addrs: job.daAddrs };
    const t0 = this.now();

    const ds = await this.backend.resolveDataset(this.o.host, peer, { root: job.terms.datasetRoot, size: job.terms.datasetSize, spec, signal });
    this.counters.bytesFetched += ds.fetchedBytes;
    log.info({ dataset: ds.ref.kind === 'bundled' ? ds.ref.name : toHex(ds.ref.root).slice(0, 16), fetchedBytes: ds.fetchedBytes }, 'verifier: dataset ready');

    const segments: ReplaySegmentInput[] = [];
    let stateBytes = 0;
    for (const j of job.segments) {
      if (j === 0) {
        segments.push({ segment: 0, stateBytes: null });
        continue;
      }
      const opening = job.openings.find((op) => op.index === j);
      if (!opening) throw new VerifierError('VERIFIER_JOB_INVALID', `no opening for the start of sampled segment ${j}`);
      const bytes = await this.backend.fetchCheckpoint(this.o.host, peer, { jobId: job.id, opening, spec, signal });
      stateBytes += bytes.length;
      segments.push({ segment: j, stateBytes: bytes });
    }
    this.counters.bytesFetched += stateBytes;
    const parentState = job.terms.parent ? await this.parentState(job, peer, signal, log) : null;
    log.info({ checkpoints: segments.filter((s) => s.stateBytes).length, bytes: stateBytes, ms: this.now() - t0 }, 'verifier: checkpoints fetched');

    const r = await this.backend.replay(this.replayInput(job, specJson, ds.ref, segments, parentState), {
      signal, progressIntervalMs: Math.min(this.o.progressIntervalMs ?? 2000, 1000), onProgress: this.progressLogger(log, spec),
    });
    this.counters.lastCpuMs = r.cpuMs;
    log.info({ segments: job.segments, steps: r.segmentHashes.reduce((a, s) => a + s.length, 0), cpuMs: Math.round(r.cpuMs) }, 'verifier: segments replayed');
    this.compareWithOpenings(job, spec, r.h0, r.segmentHashes, log);
    return r;
  }

  private replayInput(job: Job, specJson: string, ref: DatasetRef, segments: ReplaySegmentInput[], parentState: Uint8Array | null) {
    return {
      specJson, jobId: job.id, seed: job.seed!, segments, parentState,
      ...(ref.kind === 'bundled' ? { datasetName: ref.name, datasetRoot: ref.root } : { dataset: ref.dataset, datasetRoot: ref.root }),
    };
  }

  /** Debug lines with rate and ETA while a long replay runs (the rate is measured from the first report, after the worker started). */
  private progressLogger(log: Logger, spec: ModelSpec): (p: ReplayProgress) => void {
    let first: { at: number; done: number } | null = null;
    let last = -Infinity;
    const every = this.o.progressIntervalMs ?? 2000;
    return (p) => {
      const now = this.now();
      first ??= { at: now, done: p.stepsDone };
      if (now - last < every && p.stepsDone < p.stepsTotal) return;
      last = now;
      const secs = (now - first.at) / 1000;
      const rate = secs > 0 ? (p.stepsDone - first.done) / secs : null;
      const eta = rate ? (p.stepsTotal - p.stepsDone) / rate : null;
      log.debug({
        segment: p.segment, stepsDone: p.stepsDone, stepsTotal: p.stepsTotal, k: spec.checkpointInterval,
        stepsPerSec: rate === null ? null : Number(rate.toFixed(1)), etaSec: eta === null ? null : Math.round(eta),
      }, 'verifier: replay progress');
    };
  }

  /**
   * Diagnostics only (the digest is posted regardless): a replay that ends on a different hash than
   * the solver's opened checkpoint, or starts from a different h0, predicts a mismatch at the verdict.
   */
  private compareWithOpenings(job: Job, spec: ModelSpec, h0: Uint8Array, segmentHashes: Uint8Array[][], log: Logger): void {
    const opened = new Map<number, JobOpening>(job.openings.map((op) => [op.index, op]));
    const o0 = opened.get(0);
    if (o0 && !bytesEqual(o0.stepHash, h0)) {
      this.counters.disagreed++;
      log.warn({ ours: toHex(h0).slice(0, 16), solver: toHex(o0.stepHash).slice(0, 16) }, 'verifier: the solver opened another initial state than the derived one');
    }
    const last = checkpointSteps(spec.steps, spec.checkpointInterval).length - 1;
    job.segments.forEach((j, i) => {
      const end = opened.get(Math.min(j + 1, last));
      const got = segmentHashes[i]?.[segmentHashes[i]!.length - 1];
      if (end && got && !bytesEqual(end.stepHash, got)) {
        this.counters.disagreed++;
        log.warn({ segment: j, ours: toHex(got).slice(0, 16), solver: toHex(end.stepHash).slice(0, 16) }, 'verifier: replay ends on another hash than the solver opened');
      }
    });
  }

  /**
   * The parent job's final weights (the start of a child job): proven against the parent's
   * commitment, fetched from this job's solver or else the parent's, cached in workDir.
   */
  private async parentState(job: Job, peer: DaPeer, signal: AbortSignal, log: Logger): Promise<Uint8Array> {
    const parent = this.o.state.getJob(job.terms.parent!);
    if (!parent?.commitment) throw new VerifierError('VERIFIER_PARENT_UNAVAILABLE', `parent job ${toHex(job.terms.parent!).slice(0, 16)} has no commitment`);
    const pSpec = parseSpec(new TextDecoder().decode(parent.terms.spec));
    const opening: JobOpening = {
      index: checkpointSteps(pSpec.steps, pSpec.checkpointInterval).length - 1,
      chunkRoot: parent.commitment.finalChunkRoot,
      stepHash: parent.commitment.finalStepHash,
    };
    const file = join(this.o.workDir, 'parents', `${toHex(parent.id)}.state`);
    if (existsSync(file)) {
      try {
        const bytes = new Uint8Array(readFileSync(file));
        if (bytesEqual(stepHash(parent.id, decodeState(bytes, layoutOfSpec(pSpec))), opening.stepHash)) return bytes;
      } catch {
        // a damaged cache file: fetch again
      }
    }
    const peers: DaPeer[] = [peer];
    if (parent.daPeer && parent.daPeer !== job.daPeer) peers.push({ peerId: parent.daPeer, addrs: parent.daAddrs });
    let lastErr: unknown;
    for (const p of peers) {
      try {
        const bytes = await this.backend.fetchCheckpoint(this.o.host, p, { jobId: parent.id, opening, spec: pSpec, signal });
        this.counters.bytesFetched += bytes.length;
        mkdirSync(join(this.o.workDir, 'parents'), { recursive: true });
        writeFileSync(`${file}.tmp`, bytes);
        renameSync(`${file}.tmp`, file);
        log.info({ parent: short(parent.id), bytes: bytes.length }, 'verifier: parent weights fetched');
        return bytes;
      } catch (e) {
        if (signal.aborted) throw e;
        lastErr = e;
      }
    }
    throw new VerifierError('VERIFIER_PARENT_UNAVAILABLE', `parent job ${short(parent.id)} final state: ${errText(lastErr)}`, { cause: lastErr });
  }
}
