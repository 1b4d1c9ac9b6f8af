// Opening a dispute and following it to its end: the transactions of the challenger's moves
// (DisputeOpen, then state_t and the batch's samples for the referee, node/jobs/dispute-moves.ts),
// each waited for before the next decision is taken from the chain's view again (dispute-plan.ts).
import type { Logger } from 'pino';
import { samplePayloads, statePieces } from '../jobs/index.ts';
import type { ChainStatus, SentTx, WatchChain } from './chain.ts';
import { findOwnDispute, nextMoves, type DisputeMove } from './dispute-plan.ts';
import { WatchError } from './errors.ts';
import type { WatchEvent } from './events.ts';
import type { JobData } from './job-data.ts';
import type { WatchJob } from './job-view.ts';
import { stateAt } from './segment-check.ts';
import type { WatchStats } from './stats.ts';
import { bytesToHex, errorMessage } from '../../primitives/index.ts';

/** A dispute this watchtower opened and has not seen decided. */
export interface ActiveDispute {
  jobId: Uint8Array;
  idHex: string;
  segment: number;
  /** the replayed h_{j·k} .. h_{end_j} it was opened with (step claims after h_{j·k} for a loss-committed job) */
  claim: Uint8Array[];
  openTx: SentTx;
  /** the height DisputeOpen landed at, once it did */
  openHeight: bigint | null;
  /** its index in job.disputes, once found */
  index: number | null;
  bond: bigint;
  /** our transactions not yet seen landed or dropped */
  pending: SentTx[];
  /** what we last reported (so each stage is reported once) */
  seen: string;
  done: { won: boolean; reason: string } | null;
  /** how many times DisputeOpen was sent again after the chain dropped it */
  reopens: number;
}

export interface RunnerContext {
  chain: WatchChain;
  data: JobData;
  log: Logger;
  signal: AbortSignal;
  stats: WatchStats;
  emit(e: WatchEvent): void;
  status(): Promise<ChainStatus>;
}

/** Posts DisputeOpen for segment j with the replay's claim; the bond is the job's dispute bond (escrowed by the chain). */
export async function openDispute(c: RunnerContext, job: WatchJob, segment: number, claim: Uint8Array[]): Promise<ActiveDispute> {
  const bond = job.bond ?? 0n;
  const balance = await c.chain.balance();
  if (job.bond !== null && balance < job.bond + 1n) {
    throw new WatchError('WATCH_NO_FUNDS', `a dispute of job ${bytesToHex(job.id).slice(0, 16)} bonds ${job.bond}; the balance is ${balance}`);
  }
  const tx = await c.chain.send({ kind: 'dispute-open', jobId: job.id, target: 'solver', segment, member: null, hashes: claim });
  const idHex = bytesToHex(job.id);
  c.stats.disputesOpened++;
  c.stats.openBonds += bond;
  c.log.info({ job: `0x${idHex}`, segment, tx: tx.hash, bond: String(bond) }, 'watch: dispute opened');
  c.emit({ type: 'dispute-opened', jobId: `0x${idHex}`, segment, txHash: tx.hash, bond: job.bond });
  return { jobId: job.id, idHex, segment, claim, openTx: tx, openHeight: null, index: null, bond, pending: [tx], seen: '', done: null, reopens: 0 };
}

/** Settles our pending transactions; true while some are still pending. */
async function settlePending(c: RunnerContext, a: ActiveDispute): Promise<boolean> {
  const still: SentTx[] = [];
  for (const tx of a.pending) {
    const s = await c.chain.txState(tx);
    if (s.state === 'pending') still.push(tx);
    else if (s.state === 'included') {
      c.stats.feesPaid += tx.fee;
      if (tx === a.openTx) a.openHeight = s.height;
    } else {
      c.log.warn({ job: `0x${a.idHex}`, kind: tx.kind, tx: tx.hash }, 'watch: a dispute transaction was dropped; deciding again from the chain');
      if (tx === a.openTx) throw new WatchError('WATCH_TX_FAILED', `the dispute of segment ${a.segment} was not accepted by the chain (window closed, bond or a duplicate?)`);
    }
  }
  a.pending = still;
  return still.length > 0;
}

async function sendAll(c: RunnerContext, a: ActiveDispute, payloads: Parameters<WatchChain['send']>[0][]): Promise<void> {
  for (const p of payloads) a.pending.push(await c.chain.send(p));
}

async function move(c: RunnerContext, a: ActiveDispute, job: WatchJob, index: number, m: DisputeMove): Promise<void> {
  const st = await c.status();
  if (m.kind === 'supply-state') {
    const bytes = m.step >= 0
      ? await stateAt({ data: c.data, signal: c.signal }, job, a.segment, m.step)
      : await c.data.parentState(job, c.signal);
    if (!bytes) throw new WatchError('WATCH_DATA_UNAVAILABLE', 'no parent state to supply');
    // pieces are cut the same way every time, so our partial supply continues at a piece boundary
    const pieces = statePieces(st.chainId, job.id, index, bytes, st.maxTxBytes).filter((p) => p.offset >= m.offset);
    await sendAll(c, a, pieces);
    c.log.info({ job: `0x${a.idHex}`, dispute: index, step: m.step, bytes: bytes.length, txs: pieces.length }, 'watch: state supplied');
    c.emit({ type: 'dispute-move', jobId: `0x${a.idHex}`, index, move: 'state', step: m.step, txs: pieces.length });
  } else if (m.kind === 'supply-samples') {
    const ds = await c.data.dataset(job, c.signal);
    const payloads = samplePayloads(st.chainId, job.id, index, ds, m.indices, st.maxTxBytes);
    await sendAll(c, a, payloads);
    c.log.info({ job: `0x${a.idHex}`, dispute: index, step: m.step, samples: m.indices.length, txs: payloads.length }, 'watch: batch samples supplied');
    c.emit({ type: 'dispute-move', jobId: `0x${a.idHex}`, index, move: 'samples', step: m.step, txs: payloads.length });
  }
}

/** What the dispute waits for, in words: the chain, or our moves and then the referee. */
function waitingFor(moves: readonly DisputeMove[]): string {
  const ours = moves.flatMap((m) => (m.kind === 'supply-state' ? [`state_${m.step}`] : m.kind === 'supply-samples' ? [`${m.indices.length} batch samples`] : []));
  if (ours.length) return `our ${ours.join(' and ')} to land, then the referee`;
  return moves.map((m) => (m.kind === 'wait' ? m.why : '')).filter(Boolean).join('; ');
}

/**
 * One step of following a dispute: waits out our pending transactions, reads the dispute, reports a
 * new stage, and sends the moves due. Sets `a.done` when it is decided (and the stats with it).
 */
export async function advanceDispute(c: RunnerContext, a: ActiveDispute): Promise<void> {
  if (a.done) return;
  if (await settlePending(c, a)) return;
  const job = await c.chain.job(a.jobId);
  if (!job) throw new WatchError('WATCH_DISPUTE_LOST', `job 0x${a.idHex} is gone from the chain`);
  if (a.index === null) {
    const d = findOwnDispute(job, c.chain.address, a.segment, a.openHeight ?? 0n);
    if (!d) throw new WatchError('WATCH_DISPUTE_LOST', `the dispute of segment ${a.segment} landed at height ${a.openHeight} but job 0x${a.idHex} does not list it`);
    a.index = d.index;
  }
  const d = job.disputes.find((x) => x.index === a.index);
  if (!d) throw new WatchError('WATCH_DISPUTE_LOST', `job 0x${a.idHex} has no dispute ${a.index}`);
  const moves = nextMoves(job, d, c.chain.address);
  const first = moves[0]!;
  if (first.kind === 'resolved') {
    a.done = { won: first.won, reason: first.reason };
    c.stats.openBonds -= a.bond;
    if (first.won) c.stats.disputesWon++;
    else {
      c.stats.disputesLost++;
      c.stats.bondsLost += a.bond;
    }
    c.log.info({ job: `0x${a.idHex}`, dispute: a.index, segment: a.segment, won: first.won, reason: first.reason, jobStatus: job.status, outcome: job.outcome }, 'watch: dispute resolved');
    c.emit({ type: 'dispute-resolved', jobId: `0x${a.idHex}`, index: a.index, segment: a.segment, won: first.won, reason: first.reason });
    return;
  }
  const stage = `${d.stage}:${d.step}`;
  if (stage !== a.seen) {
    a.seen = stage;
    const why = waitingFor(moves);
    c.log.info({ job: `0x${a.idHex}`, dispute: a.index, stage: d.stage, step: d.step, deadline: String(d.deadline) }, 'watch: dispute stage');
    c.emit({ type: 'dispute-stage', jobId: `0x${a.idHex}`, index: a.index, stage: d.stage, step: d.step, why });
  }
  for (const m of moves) {
    try {
      await move(c, a, job, a.index, m);
    } catch (e) {
      // what was sent stays pending; the next step decides again from the chain
      if (e instanceof WatchError) throw e;
      throw new WatchError('WATCH_TX_FAILED', `dispute ${a.index} of job 0x${a.idHex}: ${errorMessage(e)}`, { cause: e });
    }
  }
}
