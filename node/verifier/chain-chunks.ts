// Availability proven on chain, not claimed (docs/disputes.md §5): when an opened checkpoint cannot be
// fetched from the solver (unreachable past a grace of a few blocks, or a chunk that fails its proof),
// the member demands each missing chunk with a DaDemand, keeps retrying the solver meanwhile, and takes
// the chunk from the solver's DaChunk transaction once the demand names it, checked as the chain
// checked it. Only when neither way gives the state before the task's cut-off height does the member
// attest UNAVAILABLE: network trouble on its side then costs an honest solver nothing.
import type { Logger } from 'pino';
import { CHUNK_SIZE, checkpointCount, parseSpec, type ModelSpec } from '../../ml-runtime/index.ts';
import { decodeTx, JOB_LIMITS, JobStatus, signTxBytes, type Job, type JobOpening, type TxBody } from '../../vm/index.ts';
import { chunkCountOf, chunkFromDaTx, encodedLengthOf, isJobsError, layoutOfSpec, signedSize, type DaPeer } from '../jobs/index.ts';
import { short, type VerifierContext } from './context.ts';
import { VerifierError, isTransient } from './errors.ts';
import type { TaskEntry } from './scheduler.ts';
import { bytesToHex, equalBytes, errorCode, errorMessage } from '../../primitives/index.ts';

/** DA failures an on-chain demand can cure: not an abort, not a request this side got wrong, not committed data that is wrong. */
function demandable(e: unknown): boolean {
  return isJobsError(e) && e.code.startsWith('DA_') && e.code !== 'DA_ABORTED' && e.code !== 'DA_BAD_REQUEST' && e.code !== 'DA_TOO_LARGE' && e.code !== 'DA_BAD_STATE';
}

/**
 * An opened checkpoint whose data is proven under its chunk root but is not a state of the opening
 * (a chunk of another length, no decoding under the spec, another step or step hash). The data is
 * available: the member replays nothing from it and claims no hashes for its segment (verify.ts).
 */
export interface UnusableCheckpoint {
  unusable: string;
}

export const isUnusable = (x: Uint8Array | UnusableCheckpoint): x is UnusableCheckpoint => !(x instanceof Uint8Array);

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}

interface Pending {
  /** my demand transactions by chunk, while the chain does not show them yet */
  sent: Map<number, Uint8Array>;
  /** chunks whose DaChunk answer could not fit a transaction (said once) */
  tooLarge: Set<number>;
  /** DaChunk transactions already read (hash hex → chunk), so each is decoded once */
  read: Set<string>;
}

/**
 * The opened checkpoint's state encoding: from the solver over libp2p, else chunk by chunk from the
 * chain after demands; or, when the data is proven under the opened chunk root but is no state of
 * the opening, why it is unusable (no demand can change committed data). Throws the fetch's error
 * when demanding cannot help (demands off) and the abort reason once the task's signal fires.
 * When the task's time runs out (VERIFIER_TIMEOUT) before the grace for demands has passed, the
 * missing chunks are demanded then, before the member attests UNAVAILABLE: its UNAVAILABLE stands
 * on a demand of its own. `e` counts the tries.
 */
export async function checkpointBytes(
  c: VerifierContext, job: Job, peer: DaPeer, opening: JobOpening, spec: ModelSpec, signal: AbortSignal, log: Logger, e?: TaskEntry,
): Promise<Uint8Array | UnusableCheckpoint> {
  try {
    return await fetchOrDemand(c, job, peer, opening, spec, signal, log, e);
  } catch (x) {
    if (isJobsError(x, 'DA_BAD_STATE')) return { unusable: errorMessage(x) };
    throw x;
  }
}

async function fetchOrDemand(
  c: VerifierContext, job: Job, peer: DaPeer, opening: JobOpening, spec: ModelSpec, signal: AbortSignal, log: Logger, e?: TaskEntry,
): Promise<Uint8Array | UnusableCheckpoint> {
  const size = encodedLengthOf(layoutOfSpec(spec));
  const n = chunkCountOf(size);
  const have: Array<Uint8Array | undefined> = [];
  const fetch = () => c.backend.fetchCheckpoint(c.o.host, peer, {
    jobId: job.id, opening, spec, signal, have, onChunk: (i, chunk) => { have[i] = chunk; },
  });
  if (!c.o.getTx) return fetch();
  const startHeight = c.o.state.height;
  const grace = BigInt(c.o.demandGraceBlocks ?? 2);
  const pending: Pending = { sent: new Map(), read: new Set(), tooLarge: new Set() };
  // the last failure a demand can cure: when time runs out, the missing chunks are demanded at once
  let failed: unknown = null;
  const lastCall = async () => {
    if (timedOut(signal) && failed !== null && countHave(have, n) < n) await demand(c, job.id, opening.index, n, have, pending, log);
  };
  for (let attempt = 1; ; attempt++) {
    await fromChain(c, job.id, opening, have, pending, log);
    // a chunk the chain proved under the opened root at another length than this spec's state has
    const odd = have.findIndex((x, i) => x !== undefined && x.length !== Math.min(CHUNK_SIZE, size - i * CHUNK_SIZE));
    if (odd >= 0) return { unusable: `chunk ${odd} of checkpoint ${opening.index}, proven on chain, has ${have[odd]!.length} bytes; a state of this spec has ${Math.min(CHUNK_SIZE, size - odd * CHUNK_SIZE)} there` };
    let err: unknown;
    try {
      if (e && attempt > 1) e.fetchAttempts++;
      return await fetch();
    } catch (x) {
      if (!signal.aborted && demandable(x)) failed = x;
      if (signal.aborted) await lastCall();
      if (signal.aborted || !demandable(x)) throw x;
      // every chunk is proven and the state is still wrong: no demand can change the committed data
      if (countHave(have, n) === n) throw x;
      err = x;
    }
    if (!isTransient(err) || c.o.state.height >= startHeight + grace) await demand(c, job.id, opening.index, n, have, pending, log);
    if (attempt === 1 || attempt % 10 === 0) {
      log.info({ checkpoint: opening.index, have: countHave(have, n), chunks: n, code: errorCode(err), reason: errorMessage(err), demanded: pending.sent.size }, 'verifier: checkpoint not fetched yet; retrying the solver and watching the chain');
    }
    await pause(Math.min(2000, 250 * 2 ** Math.min(attempt, 3)), signal);
    if (signal.aborted) {
      await lastCall();
      throw err;
    }
  }
}

/** The task gave up for lack of time (its fetch budget or its cut-off), not because it was cancelled. */
function timedOut(signal: AbortSignal): boolean {
  return signal.reason instanceof VerifierError && signal.reason.code === 'VERIFIER_TIMEOUT';
}

function countHave(have: ReadonlyArray<Uint8Array | undefined>, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (have[i]) k++;
  return k;
}

/** Fills `have` from DaChunk transactions that answered demands for this checkpoint. */
async function fromChain(c: VerifierContext, jobId: Uint8Array, opening: JobOpening, have: Array<Uint8Array | undefined>, p: Pending, log: Logger): Promise<void> {
  const job = c.o.state.getJob(jobId);
  if (!job) return;
  for (const d of job.demands) {
    if (d.checkpoint !== opening.index || !d.answer.length || have[d.chunk]) continue;
    const key = bytesToHex(d.answer);
    if (p.read.has(key)) continue;
    p.read.add(key);
    const raw = await c.o.getTx!(d.answer);
    if (!raw) {
      p.read.delete(key); // not stored yet: look again on the next round
      continue;
    }
    const tx = decodeTx(raw, Number.MAX_SAFE_INTEGER);
    const pl = tx.body.payload;
    if (pl.kind !== 'da-chunk' || pl.checkpoint !== opening.index) continue;
    const got = chunkFromDaTx(job, pl);
    // the chain checked the same proofs; a mismatch here would be a bug, and the chunk is not used
    if (typeof got === 'string' || !equalBytes(got.chunkRoot, opening.chunkRoot)) {
      log.error({ tx: bytesToHex(d.answer), reason: typeof got === 'string' ? got : 'chunk root differs from the opening' }, 'verifier: a DaChunk on chain does not prove its chunk');
      continue;
    }
    have[pl.chunk] = got.bytes;
    c.counters.chunksFromChain++;
    log.info({ checkpoint: opening.index, chunk: pl.chunk, tx: bytesToHex(d.answer), bytes: got.bytes.length }, 'verifier: chunk taken from the solver\'s DaChunk on chain');
  }
}

/**
 * Whether the solver's DaChunk answering this chunk fits the chain's transaction limit (a bound: the
 * longest proofs of the two trees). A demand it could never answer would slash an honest solver
 * (no-data), so such a chunk is not demanded.
 */
export function daChunkFits(job: Pick<Job, 'id' | 'terms' | 'divergedAt'>, checkpoint: number, chunk: number, maxTxBytes: number, chainId: string): boolean {
  const spec = parseSpec(new TextDecoder().decode(job.terms.spec));
  const size = encodedLengthOf(layoutOfSpec(spec));
  const T = job.divergedAt > 0 ? job.divergedAt : spec.steps;
  const depth = (n: number) => Math.ceil(Math.log2(Math.max(1, n)));
  const z = new Uint8Array(32);
  const bytes = Math.min(CHUNK_SIZE, size - chunk * CHUNK_SIZE);
  return signedSize(chainId, {
    kind: 'da-chunk', jobId: job.id, checkpoint, chunkRoot: z, stepHash: z, checkpointSiblings: Array(depth(checkpointCount(T, spec.checkpointInterval))).fill(z),
    chunk, bytes: new Uint8Array(bytes), chunkSiblings: Array(depth(chunkCountOf(size))).fill(z),
  }) <= maxTxBytes;
}

/** Demands each missing chunk nobody has an open demand for yet (within the chain's limits on open demands). */
async function demand(c: VerifierContext, jobId: Uint8Array, checkpoint: number, n: number, have: ReadonlyArray<Uint8Array | undefined>, p: Pending, log: Logger): Promise<void> {
  const job = c.o.state.getJob(jobId);
  if (!job || job.status !== JobStatus.Attesting) return;
  const h = c.o.state.height;
  // a demand of mine that the chain shows, or that still waits in the mempool, needs no second one
  for (const [chunk, hash] of p.sent) {
    const onChain = job.demands.some((d) => d.checkpoint === checkpoint && d.chunk === chunk && equalBytes(d.by, c.address));
    if (!onChain && c.o.isPending && !c.o.isPending(hash)) p.sent.delete(chunk); // dropped without landing: demand again
  }
  let open = job.demands.filter((d) => !d.answer.length).length;
  let total = job.demands.length;
  const posted: number[] = [];
  for (let i = 0; i < n; i++) {
    if (have[i] || p.sent.has(i)) continue;
    const same = job.demands.filter((d) => d.checkpoint === checkpoint && d.chunk === i);
    if (same.some((d) => d.answer.length || h <= d.deadline)) continue; // answered, or someone's demand is open
    if (open >= JOB_LIMITS.maxOpenDemands || total >= JOB_LIMITS.maxDemands) break;
    if (!daChunkFits(job, checkpoint, i, c.o.state.params.maxTxBytes, c.o.state.chainId)) {
      if (!p.tooLarge.has(i)) log.warn({ checkpoint, chunk: i, maxTxBytes: c.o.state.params.maxTxBytes }, 'verifier: the solver could not answer a demand for this chunk within the transaction limit; not demanding it');
      p.tooLarge.add(i);
      continue;
    }
    const body: TxBody = {
      chainId: c.o.state.chainId, nonce: c.o.nextNonce(c.address), fee: c.o.fee ?? c.o.state.params.minFee,
      payload: { kind: 'da-demand', jobId, checkpoint, chunk: i },
    };
    try {
      const hash = await c.o.submit(signTxBytes(body, c.o.validatorSeed));
      p.sent.set(i, hash);
      posted.push(i);
      open++;
      total++;
      c.counters.demanded++;
    } catch (e) {
      log.warn({ checkpoint, chunk: i, code: errorCode(e), err: errorMessage(e) }, 'verifier: availability demand refused');
      break;
    }
  }
  if (posted.length) log.info({ job: short(jobId), checkpoint, chunks: posted, fee: String(job.terms.dispute.demandFee), height: Number(h) }, 'verifier: demanded checkpoint chunks on chain');
}
