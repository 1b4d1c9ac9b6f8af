// One verification task: until the chain reaches the attest deadline less a margin, verify the job (retrying
// a solver that is briefly unreachable), turn the result into a digest, or UNAVAILABLE_DIGEST when
// the data cannot be had or checked, and submit it as a signed JobAttest.
import type { Logger } from 'pino';

import { UNAVAILABLE_DIGEST, attestationDigest, memberSegments, signTxBytes, type Job, type TxBody } from '../../vm/index.ts';
import { needsMe, short, type VerifierContext } from './context.ts';
import { VerifierError, isDataFailure, isTransient } from './errors.ts';
import { saveAttestationRecord } from './attestation-records.ts';
import { verifyJob, type Verified } from './verify.ts';
import { equalBytes, bytesToHex, errorCode, errorMessage } from '../../primitives/index.ts';
import { logHex } from '../util/index.ts';

export async function runTask(c: VerifierContext, id: Uint8Array): Promise<void> {
  const { state } = c.o;
  const job = state.getJob(id);
  if (!job || !needsMe(c, job)) return;
  const hex = bytesToHex(id);
  const log = c.log.child({ job: short(id) });
  const margin = c.o.marginBlocks ?? 2;
  const budgetMs = c.pace.budgetMs(state.height, job.deadline, margin);
  let digest: Uint8Array;
  const known = c.digests.get(hex);
  if (known) {
    log.info({ digest: logHex(known) }, 'verifier: re-submitting the digest computed earlier');
    digest = known;
  } else if (budgetMs < (c.o.minBudgetMs ?? 250)) {
    log.warn({ height: Number(state.height), deadline: Number(job.deadline), budgetMs }, 'verifier: no time left to verify before the attest deadline; attesting UNAVAILABLE');
    digest = UNAVAILABLE_DIGEST;
  } else {
    const ctl = new AbortController();
    // The cut-off is a height, checked by the service on each block, not a timer: on a loaded
    // machine blocks slow down too, and a timer sized from the earlier pace would give up while
    // most of the window was still open.
    const stopAt = job.deadline - BigInt(margin);
    c.current = { hex, ctl, stopAt };
    try {
      log.info({ segments: memberSegments(job, c.address), solver: job.daPeer, deadline: Number(job.deadline), stopAt: Number(stopAt), expectedMs: budgetMs, msPerBlock: Math.round(c.pace.msPerBlock()) }, 'verifier: verifying job');
      const r = await verifyRetrying(c, job, ctl.signal, log);
      digest = attestationDigest(job.id, c.address, r.h0, r.segmentHashes);
      log.info({ digest: logHex(digest), cpuMs: Math.round(r.cpuMs) }, 'verifier: digest computed');
      keepRecord(c, job, digest, r, log);
    } catch (e) {
      // the abort reason tells why a fetch or replay stopped
      // (a transient failure that outlived the budget is reported as itself)
      const why = ctl.signal.aborted && !isTransient(e) ? ctl.signal.reason : e;
      if (why instanceof VerifierError && why.code === 'VERIFIER_CANCELLED') {
        log.info({ reason: why.message }, 'verifier: task cancelled');
        return;
      }
      if (!isDataFailure(why)) throw why;
      log.warn({ code: errorCode(why), reason: errorMessage(why) }, 'verifier: data unavailable or invalid; attesting UNAVAILABLE');
      digest = UNAVAILABLE_DIGEST;
    } finally {
      c.current = null;
    }
  }
  c.digests.set(hex, digest);
  if (c.stopped) return;
  // the chain moved on while we worked: only attest into an open window
  const now = state.getJob(id);
  if (!now || !needsMe(c, now)) {
    log.info({ status: now?.status, height: Number(state.height) }, 'verifier: job no longer needs this attestation');
    return;
  }
  await submitAttestation(c, now, digest, 1);
}

/** The digest's preimage and start states go to disk before the attestation is sent: a dispute against it is answered from them. */
function keepRecord(c: VerifierContext, job: Job, digest: Uint8Array, r: Verified, log: Logger): void {
  try {
    saveAttestationRecord(c.o.workDir, { jobId: job.id, digest, segments: memberSegments(job, c.address), h0: r.h0, segmentHashes: r.segmentHashes }, r.starts);
  } catch (e) {
    // the attestation agrees with an honest trace, which nobody can dispute; against a lying solver it could not be defended
    log.error({ code: errorCode(e), err: errorMessage(e), workDir: c.o.workDir }, 'verifier: cannot keep the attestation\'s preimage; a dispute against it could not be answered');
  }
}

/** Signs and submits a JobAttest; counts the outcome. */
export async function submitAttestation(c: VerifierContext, job: Job, digest: Uint8Array, tries: number): Promise<void> {
  const hex = bytesToHex(job.id);
  const body: TxBody = {
    chainId: c.o.state.chainId,
    nonce: c.o.nextNonce(c.address),
    fee: c.o.fee ?? c.o.state.params.minFee,
    payload: { kind: 'job-attest', jobId: job.id, digest },
  };
  const unavailable = equalBytes(digest, UNAVAILABLE_DIGEST);
  try {
    const txHash = await c.o.submit(signTxBytes(body, c.o.validatorSeed));
    c.submitted.set(hex, { digest, txHash, tries });
    if (tries === 1) c.counters[unavailable ? 'unavailable' : 'verified']++;
    c.log.info({ job: short(job.id), digest: logHex(digest), unavailable, nonce: Number(body.nonce), tx: logHex(txHash), tries }, 'verifier: attestation submitted');
  } catch (e) {
    c.submitted.delete(hex);
    c.taken.delete(hex);
    c.counters.failed++;
    c.log.error({ job: short(job.id), code: errorCode(e), err: errorMessage(e) }, 'verifier: attestation refused');
  }
}

/** verifyJob(), retried on transient data failures (backing off up to 2 s) until the task's budget aborts it. */
async function verifyRetrying(c: VerifierContext, job: Job, signal: AbortSignal, log: Logger): ReturnType<typeof verifyJob> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await verifyJob(c, job, signal, log);
    } catch (e) {
      if (signal.aborted || !isTransient(e)) throw e;
      log.info({ attempt, code: errorCode(e), reason: errorMessage(e) }, 'verifier: solver data not reachable yet; retrying');
      await pause(Math.min(2000, 250 * 2 ** attempt), signal);
      if (signal.aborted) throw e;
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
