// The solver's side of the dispute game (docs/disputes.md §3-§6), one pass per look at the job:
// answer availability demands with the chunk on chain, answer a dispute against its trace with the
// segment's hashes and their range proof, put state_t and the batch on chain whenever a dispute of
// its job waits for the referee (a dispute that reaches the referee without state goes against the
// solver's side), dispute members whose attestation its own trace proves wrong, and report how each
// dispute ended. Everything it sends is derived from the artifacts kept on disk since training.
import type { Logger } from 'pino';
import { batchIndices, segmentBounds, segmentClaims, type Dataset } from '../../ml-runtime/index.ts';
import { attestationDigest, memberSegments, type TxPayload } from '../../vm/index.ts';
import { daChunkPayload, samplePayloads, solverRespondPayload, solverStateAt, statePieces, type SolverArtifacts } from '../jobs/index.ts';
import type { ChainClient, SentTx } from './chain-client.ts';
import { SolverError } from './errors.ts';
import type { SolverEvent } from './events.ts';
import type { DisputeView, JobView } from './job-view.ts';
import { bytesToHex, decodeAddress, equalBytes, errorCode, errorLine } from '../../primitives/index.ts';

/** How often one move is sent again after its transactions left the mempool without landing. */
const MAX_RESENDS = 5;
/** Blocks a sent move is given to land before its transactions are looked at again. */
const SETTLE_BLOCKS = 2n;

export interface DefenceDeps {
  chain: Pick<ChainClient, 'send' | 'txState' | 'attestations' | 'disputeSamples'>;
  /** this solver's address (bech32) */
  address: string;
  chainId: string;
  maxTxBytes: number;
  fee: bigint;
  log: Logger;
  emit(e: SolverEvent): void;
  artifacts: SolverArtifacts;
  dataset: Dataset;
  /** the parent job's final state (a dispute located at h_0 of a child job needs it on chain) */
  parentState(parentId: Uint8Array): Promise<Uint8Array>;
  /** open disputes against members whose digest the solver's trace proves wrong (off for test cheats) */
  disputeMembers: boolean;
  /** every transaction sent, for the earnings */
  onSent(tx: SentTx): void;
}

interface Move {
  txs: SentTx[];
  /** job height when sent */
  height: bigint;
  resends: number;
  /** a move that can never be sent (too large for a transaction): reported once, not tried again */
  failed: boolean;
}

export class JobDefence {
  private readonly moves = new Map<string, Move>();
  private readonly reported = new Set<number>();
  /** height of the last look at the members' digests (once per block is enough) */
  private membersAt = -1n;
  /** the last failure logged per move, so one that keeps failing is logged once, not on every look */
  private readonly failures = new Map<string, string>();

  constructor(private readonly d: DefenceDeps) {}

  /** One pass over the job as the chain shows it now. Failures of one move are logged; the others still run. */
  async step(v: JobView): Promise<void> {
    const h = v.height ?? 0n;
    await this.guard('demands', () => this.answerDemands(v, h));
    if (v.status === 'provisional') await this.guard('members', () => this.disputeMembers(v, h));
    for (const dsp of v.disputes) await this.guard(`dispute ${dsp.index}`, () => this.play(v, dsp, h));
    this.reportResolved(v);
  }

  private async guard(what: string, f: () => Promise<void>): Promise<void> {
    try {
      await f();
      this.failures.delete(what);
    } catch (e) {
      if (e instanceof SolverError && e.code === 'SOLVER_STOPPED') throw e;
      const line = errorLine(e);
      if (this.failures.get(what) === line) return;
      this.failures.set(what, line);
      this.d.log.warn({ err: line, code: errorCode(e), move: what }, 'dispute move failed; will try again');
    }
  }

  /** Whether a move must be sent (again): never sent, or its transactions left the mempool without landing. */
  private async due(key: string, h: bigint): Promise<boolean> {
    const m = this.moves.get(key);
    if (!m) return true;
    if (m.failed || h < m.height + SETTLE_BLOCKS) return false;
    const states = await Promise.all(m.txs.map((t) => this.d.chain.txState(t)));
    if (states.includes('pending') || states.every((s) => s === 'included')) return false;
    if (m.resends >= MAX_RESENDS) {
      if (!m.failed) this.d.log.error({ move: key, resends: m.resends }, 'dispute move keeps leaving the mempool without landing; giving up on it');
      m.failed = true;
      return false;
    }
    this.d.log.warn({ move: key, states }, 'dispute move dropped without landing; sending it again');
    return true;
  }

  private async send(key: string, h: bigint, payloads: TxPayload[]): Promise<SentTx[]> {
    const prev = this.moves.get(key);
    const m: Move = { txs: [], height: h, resends: prev ? prev.resends + 1 : 0, failed: false };
    this.moves.set(key, m);
    try {
      for (const p of payloads) {
        const tx = await this.d.chain.send(p, this.d.fee, this.d.maxTxBytes);
        m.txs.push(tx);
        this.d.onSent(tx);
      }
    } catch (e) {
      // a move too large for any transaction never fits: say so once instead of retrying forever
      if (e instanceof SolverError && e.code === 'SOLVER_TX_TOO_LARGE') {
        m.failed = true;
        this.d.log.error({ move: key, err: errorLine(e) }, 'dispute move does not fit a transaction');
        this.d.emit({ type: 'error', jobId: bytesToHex(this.d.artifacts.jobId), message: `${key}: ${errorLine(e)}` });
        return m.txs;
      }
      if (!m.txs.length) this.moves.delete(key);
      throw e;
    }
    return m.txs;
  }

  // ---- availability -----------------------------------------------------------------------------

  private async answerDemands(v: JobView, h: bigint): Promise<void> {
    const open = new Map<string, { checkpoint: number; chunk: number; count: number }>();
    for (const x of v.demands) {
      if (x.answer || x.deadline < h) continue;
      const key = `chunk:${x.checkpoint}:${x.chunk}`;
      const g = open.get(key) ?? { checkpoint: x.checkpoint, chunk: x.chunk, count: 0 };
      g.count++;
      open.set(key, g);
    }
    for (const [key, g] of open) {
      if (!(await this.due(key, h))) continue;
      const p = await daChunkPayload(this.d.artifacts, g.checkpoint, g.chunk);
      const [tx] = await this.send(key, h, [p]);
      if (!tx) continue;
      this.d.log.info({ checkpoint: g.checkpoint, chunk: g.chunk, demands: g.count, tx: tx.hash, bytes: tx.bytes }, 'availability demand answered on chain');
      this.d.emit({ type: 'demand-answered', jobId: v.idHex, checkpoint: g.checkpoint, chunk: g.chunk, demands: g.count, txHash: tx.hash });
    }
  }

  // ---- disputes against members -------------------------------------------------------------------

  /**
   * h0 and each sampled segment's hashes after its start (step claims with its committed losses when
   * the record has a loss curve), from the solver's own trace: what an honest member's digest covers.
   */
  private async digestInput(v: JobView): Promise<{ h0: Uint8Array; segments: Uint8Array[][] }> {
    const art = this.d.artifacts;
    const [h0] = await art.stepHashes(0, 0);
    const curve = art.lossRoot ? await art.lossCurve() : null;
    const segments: Uint8Array[][] = [];
    for (const j of v.segments) {
      const r = segmentBounds(art.T, art.k, j);
      const hs = await art.stepHashes(r.from + 1, r.to);
      segments.push(curve ? segmentClaims(hs, curve.leaf(j).losses) : hs);
    }
    return { h0: h0!, segments };
  }

  private async disputeMembers(v: JobView, h: bigint): Promise<void> {
    if (!this.d.disputeMembers || !v.segments.length || h > v.windowEnd || h === this.membersAt) return;
    this.membersAt = h;
    const members = await this.d.chain.attestations(v.idHex);
    let input: { h0: Uint8Array; segments: Uint8Array[][] } | null = null;
    let openCount = v.disputes.filter((x) => x.stage !== 'resolved').length;
    for (const m of members) {
      if (!m.digest || m.unavailable) continue;
      const key = `open:${m.address}`;
      if (this.moves.has(key) && !(await this.due(key, h))) continue;
      // already disputed (by anyone): open, or decided against the member
      if (v.disputes.some((x) => x.kind === 'attestation' && x.member === m.address && (x.stage !== 'resolved' || x.winner === 'solver'))) continue;
      input ??= await this.digestInput(v);
      const member = decodeAddress(m.address);
      // the member's digest covers only its seats' segments (docs/committee.md §4)
      const own = memberSegments({ seats: v.seats.map(decodeAddress), segments: v.segments }, member);
      const hashes = own.map((j) => input!.segments[v.segments.indexOf(j)]!);
      if (equalBytes(attestationDigest(v.id, member, input.h0, hashes), m.digest)) continue;
      if (openCount >= 8) {
        this.d.log.info({ member: m.address }, 'member attested hashes the trace disproves, but 8 disputes are open; disputing it later');
        continue;
      }
      const [tx] = await this.send(key, h, [{ kind: 'dispute-open', jobId: v.id, target: 'attestation', segment: 0, member, hashes: [] }]);
      if (!tx) continue;
      openCount++;
      this.d.log.info({ member: m.address, tx: tx.hash, verdict: v.verdict }, 'disputing a member whose digest the trace disproves');
      this.d.emit({ type: 'dispute-opened', jobId: v.idHex, member: m.address, bond: v.terms.dispute?.bond ?? 0n, txHash: tx.hash });
    }
  }

  // ---- moves in a dispute -------------------------------------------------------------------------

  private async play(v: JobView, x: DisputeView, h: bigint): Promise<void> {
    if (x.stage === 'resolved' || x.deadline < h) return;
    const art = this.d.artifacts;
    if (x.stage === 'respond') {
      // the solver answers only disputes against its own trace; a member answers for its attestation
      if (x.kind !== 'solver') return;
      const key = `d${x.index}:respond`;
      if (!(await this.due(key, h))) return;
      const r = segmentBounds(art.T, art.k, x.segment);
      const p = await solverRespondPayload(art, x.index, r.from, r.to);
      const txs = await this.send(key, h, [p]);
      this.moved(v, x, 'respond', txs);
      return;
    }
    // stage referee: state_t and the batch. Any dispute of this job that the referee does not get to
    // run goes against the solver's side, so the solver supplies for every one of them.
    const haveState = x.supplies.some((s) => s.received !== null && s.received === s.total);
    if (!haveState) {
      const key = `d${x.index}:state:${x.step}`;
      if (await this.due(key, h)) {
        const bytes = await this.stateFor(v, x);
        if (bytes) {
          const txs = await this.send(key, h, statePieces(this.d.chainId, v.id, x.index, bytes, this.d.maxTxBytes));
          this.moved(v, x, 'state', txs);
        }
      }
    }
    if (x.step < 0) return; // the initial state is derived without samples
    const spec = art.spec;
    const need = [...new Set(batchIndices(v.seed!, x.step, spec.batchSize, v.terms.datasetSize))].sort((a, b) => a - b);
    if (x.samplesReceived >= need.length) return;
    // job_get counts the samples on chain; which ones matters only when some but not all are there
    const onChain = x.samples ?? (x.samplesReceived === 0 ? [] : await this.d.chain.disputeSamples(v.idHex, x.index));
    const missing = need.filter((i) => !onChain.includes(i));
    if (!missing.length) return;
    const key = `d${x.index}:samples:${x.step}`;
    if (!(await this.due(key, h))) return;
    const txs = await this.send(key, h, samplePayloads(this.d.chainId, v.id, x.index, this.d.dataset, missing, this.d.maxTxBytes));
    this.moved(v, x, 'samples', txs);
  }

  /** state_t for the referee: derived again from the nearest checkpoint, or the parent's final state at step -1 (null: none needed). */
  private async stateFor(v: JobView, x: DisputeView): Promise<Uint8Array | null> {
    if (x.step >= 0) {
      const s = await solverStateAt(this.d.artifacts, this.d.dataset, x.step);
      this.d.log.info({ dispute: x.index, step: x.step, replayed: s.replayed }, 'state derived again from the nearest checkpoint');
      return s.bytes;
    }
    return v.terms.parent ? this.d.parentState(v.terms.parent) : null;
  }

  private moved(v: JobView, x: DisputeView, move: 'respond' | 'state' | 'samples', txs: SentTx[]): void {
    if (!txs.length) return;
    const bytes = txs.reduce((a, t) => a + t.bytes, 0);
    this.d.log.info({ dispute: x.index, kind: x.kind, move, step: x.step, txs: txs.length, bytes, hashes: txs.map((t) => t.hash) }, 'dispute move sent');
    this.d.emit({ type: 'dispute-move', jobId: v.idHex, dispute: x.index, kind: x.kind, move, step: x.step, txs: txs.length, bytes });
  }

  private reportResolved(v: JobView): void {
    for (const x of v.disputes) {
      if (x.stage !== 'resolved' || this.reported.has(x.index)) continue;
      this.reported.add(x.index);
      if (x.winner === 'none') continue;
      // a dispute against a member that someone else opened is not this solver's to win or lose
      if (x.kind === 'attestation' && x.by !== this.d.address) continue;
      const won = x.winner === 'solver';
      this.d.log.info({ dispute: x.index, kind: x.kind, won, reason: x.reason, bond: String(x.bond) }, won ? 'dispute won' : 'dispute lost');
      this.d.emit({ type: 'dispute-resolved', jobId: v.idHex, dispute: x.index, kind: x.kind, won, reason: x.reason, bond: x.bond });
    }
  }
}
