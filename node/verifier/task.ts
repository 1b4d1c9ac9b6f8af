// One verification task: until the chain reaches the attest deadline less a margin, verify the job (retrying
// a solver that is briefly unreachable, within a fetch budget), turn the result into a digest (a
// checkpoint that is available but no usable state counts against the solver, verify.ts NO_HASH), or
// UNAVAILABLE_DIGEST when the data cannot be had, and submit it as a signed JobAttest.
// The task records its phase and decision on its schedule entry (scheduler.ts).
import type { Logger } from 'pino';

import { parseSpec, segmentBounds } from '../../ml-runtime/index.ts';
import { UNAVAILABLE_DIGEST, attestationDigest, signTxBytes, type Job, type TxBody } from '../../vm/index.ts';
import { needsMe, short, type VerifierContext } from './context.ts';
import { drawOf, segmentsToReplay, workKey } from './committee-draw.ts';
import { VerifierError, isDataFailure, isTransient } from './errors.ts';
import { saveAttestationRecord } from './attestation-records.ts';
import type { TaskEntry } from './scheduler.ts';
import { verifyJob, type Verified } from './verify.ts';
import { equalBytes, errorCode, errorMessage } from '../../primitives/index.ts';
import { logHex } from '../util/index.ts';

/** Runs the task of entry `e` to a decision (set on `e`); throws only on local failures. */
export async function runTask(c: VerifierContext, e: TaskEntry): Promise<void> {
  const { state } = c.o;
  const job = state.getJob(e.jobId);
  const log = c.log.child({ job: short(e.jobId), draws: e.draws });
  if (!job || !needsMe(c, job) || workKey(job) !== e.key) {
    decide(e, 'skipped-late', `the job no longer wants this attestation at height ${state.height} (status ${job?.status})`);
    return;
  }
  const margin = c.o.marginBlocks ?? 2;
  const budgetMs = c.pace.budgetMs(state.height, job.deadline, margin);
  // The cut-offs are heights, checked by the service on each block, not timers: on a loaded
  // machine blocks slow down too, and a timer sized from the earlier pace would give up while
  // most of the window was still open.
  e.stopAt = job.deadline - BigInt(margin);
  let digest: Uint8Array;
  let reason: string | null = null;
  const known = c.digests.get(e.key);
  if (known) {
    log.info({ digest: logHex(known) }, 'verifier: re-submitting the digest computed earlier');
    digest = known;
  } else if (budgetMs < (c.o.minBudgetMs ?? 250)) {
    log.warn({ height: Number(state.height), deadline: Number(job.deadline), budgetMs }, 'verifier: no time left to verify before the attest deadline; attesting UNAVAILABLE');
    digest = UNAVAILABLE_DIGEST;
    reason = 'no time left before the attest deadline';
  } else {
    const ctl = new AbortController();
    e.ctl = ctl;
    e.fetchStopAt = fetchStopAtOf(c, job, e.stopAt);
    e.phase = 'fetching';
    try {
      log.info({
        segments: segmentsToReplay(job, c.address), solver: job.daPeer, deadline: Number(job.deadline), fetchStopAt: Number(e.fetchStopAt), stopAt: Number(e.stopAt),
        expectedMs: budgetMs, msPerBlock: Math.round(c.pace.msPerBlock()), waitedBlocks: Number(state.height - e.queuedAt),
      }, 'verifier: verifying job');
      const r = await verifyRetrying(c, job, e, ctl.signal, log);
      digest = attestationDigest(job.id, c.address, r.h0, r.segmentHashes);
      log.info({ digest: logHex(digest), cpuMs: Math.round(r.cpuMs), unusable: r.unusable.map((u) => u.segment) }, 'verifier: digest computed');
      if (r.unusable.length) reason = `no hashes claimed for segments [${r.unusable.map((u) => u.segment).join(', ')}]: ${r.unusable.map((u) => u.reason).join('; ')}`;
      keepRecord(c, job, digest, r, log);
    } catch (err) {
      // the abort reason tells why a fetch or replay stopped
      // (a transient failure that outlived the budget is reported as itself)
      const why = ctl.signal.aborted && !isTransient(err) ? ctl.signal.reason : err;
      if (why instanceof VerifierError && why.code === 'VERIFIER_CANCELLED') {
        log.info({ reason: why.message }, 'verifier: task cancelled');
        decide(e, 'cancelled', why.message);
        return;
      }
      if (!isDataFailure(why)) throw why;
      log.warn({ code: errorCode(why), reason: errorMessage(why) }, 'verifier: data unavailable or invalid; attesting UNAVAILABLE');
      digest = UNAVAILABLE_DIGEST;
      reason = `${errorCode(why) ?? 'error'}: ${errorMessage(why)}`;
      // the fetch budget ran out on a transient failure: say so, the transient error alone reads as if it were the cause
      if (ctl.signal.aborted && ctl.signal.reason instanceof VerifierError) reason = `${ctl.signal.reason.message} (last: ${reason})`;
    } finally {
      e.ctl = null;
    }
  }
  c.digests.set(e.key, digest);
  if (c.stopped) {
    decide(e, 'cancelled', 'the verifier is stopping');
    return;
  }
  // the chain moved on while we worked: only attest into an open window, for the same committee
  const now = state.getJob(e.jobId);
  if (!now || !needsMe(c, now) || workKey(now) !== e.key) {
    log.info({ status: now?.status, height: Number(state.height) }, 'verifier: job no longer needs this attestation');
    decide(e, 'skipped-late', `the job no longer wanted this attestation at height ${state.height} when it was ready`);
    return;
  }
  e.phase = 'submitting';
  const unavailable = equalBytes(digest, UNAVAILABLE_DIGEST);
  if (await submitAttestation(c, now, digest, 1)) decide(e, unavailable ? 'unavailable' : 'attested', reason);
  else decide(e, 'failed', 'the attestation was refused');
}

function decide(e: TaskEntry, decision: NonNullable<TaskEntry['decision']>, reason: string | null): void {
  e.decision = decision;
  e.reason = reason;
}

/**
 * The height at which fetching gives up, leaving the replay its expected time before `stopAt`: twice
 * the steps to replay at the pace this machine measured (at least one block), or, before any replay
 * was measured, half of the blocks left.
 */
function fetchStopAtOf(c: VerifierContext, job: Job, stopAt: bigint): bigint {
  const h = c.o.state.height;
  const left = stopAt - h;
  if (left <= 1n) return stopAt;
  let reserve = left / 2n;
  if (c.msPerStep !== null) {
    const spec = parseSpec(new TextDecoder().decode(job.terms.spec));
    const steps = segmentsToReplay(job, c.address).reduce((a, j) => { const b = segmentBounds(spec.steps, spec.checkpointInterval, j); return a + b.to - b.from; }, 0);
    reserve = BigInt(Math.ceil((2 * steps * c.msPerStep) / c.pace.msPerBlock())) + 1n;
  }
  const at = stopAt - reserve;
  return at > h ? at : h + 1n;
}

/** The digest's preimage and start states go to disk before the attestation is sent: a dispute against it is answered from them. */
function keepRecord(c: VerifierContext, job: Job, digest: Uint8Array, r: Verified, log: Logger): void {
  try {
    saveAttestationRecord(c.o.workDir, { jobId: job.id, draws: r.draws, digest, segments: r.segments, h0: r.h0, segmentHashes: r.segmentHashes }, r.starts);
  } catch (e) {
    // the attestation agrees with an honest trace, which nobody can dispute; against a lying solver it could not be defended
    log.error({ code: errorCode(e), err: errorMessage(e), workDir: c.o.workDir }, 'verifier: cannot keep the attestation\'s preimage; a dispute against it could not be answered');
  }
}

/** Signs and submits a JobAttest; counts the outcome. Whether the mempool took it. */
export async function submitAttestation(c: VerifierContext, job: Job, digest: Uint8Array, tries: number): Promise<boolean> {
  const key = workKey(job);
  const body: TxBody = {
    chainId: c.o.state.chainId,
    nonce: c.o.nextNonce(c.address),
    fee: c.o.fee ?? c.o.state.params.minFee,
    payload: { kind: 'job-attest', jobId: job.id, digest },
  };
  const unavailable = equalBytes(digest, UNAVAILABLE_DIGEST);
  try {
    const txHash = await c.o.submit(signTxBytes(body, c.o.validatorSeed));
    c.submitted.set(key, { digest, txHash, tries });
    if (tries === 1) c.counters[unavailable ? 'unavailable' : 'verified']++;
    c.log.info({ job: short(job.id), draws: drawOf(job), digest: logHex(digest), unavailable, nonce: Number(body.nonce), tx: logHex(txHash), tries, height: Number(c.o.state.height) }, 'verifier: attestation submitted');
    return true;
  } catch (e) {
    c.submitted.delete(key);
    c.taken.delete(key);
    c.counters.failed++;
    c.log.error({ job: short(job.id), code: errorCode(e), err: errorMessage(e) }, 'verifier: attestation refused');
    return false;
  }
}

/** verifyJob(), retried on transient data failures (backing off up to 2 s) until the task's budget aborts it. */
async function verifyRetrying(c: VerifierContext, job: Job, e: TaskEntry, signal: AbortSignal, log: Logger): Promise<Verified> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await verifyJob(c, job, signal, log, e);
    } catch (err) {
      if (signal.aborted || !isTransient(err)) throw err;
      log.info({ attempt, code: errorCode(err), reason: errorMessage(err) }, 'verifier: solver data not reachable yet; retrying');
      await pause(Math.min(2000, 250 * 2 ** attempt), signal);
      if (signal.aborted) throw err;
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}
