// A committee member's side of a dispute against its attestation (docs/disputes.md §3-§4): it answers
// with the digest's preimage kept on disk (h0 and each sampled segment's hashes, in the order the
// digest covers them), and once the chain has located the step t where it parts from the solver, it
// puts state_t (derived again from the segment start it replayed from, on the replay worker) and the
// batch of step t on chain, so the referee decides without waiting for the move's deadline. Runs after
// blocks, one pass at a time, never on the consensus path.
import type { Logger } from 'pino';
import { parseSpec, segmentBounds } from '../../ml-runtime/index.ts';
import { batchNeeded, DisputeKind, DisputeStage, JobStatus, signTxBytes, type Dispute, type Job, type TxBody, type TxPayload } from '../../vm/index.ts';
import { samplePayloads, statePieces, type DaPeer } from '../jobs/index.ts';
import { loadAttestationRecord, loadSegmentStart } from './attestation-records.ts';
import { short, type VerifierContext } from './context.ts';
import { VerifierError } from './errors.ts';
import { parentState } from './parent-state.ts';
import { isNoHashClaim, replayInput } from './verify.ts';
import { drawOf, segmentsToReplay } from './committee-draw.ts';
import { bytesToHex, equalBytes, errorCode, errorMessage } from '../../primitives/index.ts';
import { logHex } from '../util/index.ts';

/** How often one move is sent again after it left the mempool without landing. */
const MAX_TRIES = 3;

interface Move {
  hashes: Uint8Array[];
  height: bigint;
  tries: number;
}

export class MemberDefence {
  private readonly moves = new Map<string, Move>();
  /** problems already logged (a missing record is reported once per dispute) */
  private readonly told = new Set<string>();
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly c: VerifierContext) {}

  /** Starts a pass (or asks the running one to go round once more). Resolves when no pass is left to run. */
  poke(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.c.stopped);
    })().finally(() => { this.running = null; });
    return this.running;
  }

  /** Whether any dispute names this member now (cheap: the service asks on every block). */
  wanted(): boolean {
    const { state } = this.c.o;
    return state.activeJobs.some((id) => {
      const j = state.getJob(id);
      return j?.status === JobStatus.Provisional && j.disputes.some((d) => this.mine(d));
    });
  }

  private mine(d: Dispute): boolean {
    return d.kind === DisputeKind.Attestation && d.stage !== DisputeStage.Resolved && d.member !== null && equalBytes(d.member, this.c.address);
  }

  private async pass(): Promise<void> {
    const { state } = this.c.o;
    for (const id of [...state.activeJobs]) {
      if (this.c.stopped) return;
      const job = state.getJob(id);
      if (!job || job.status !== JobStatus.Provisional) continue;
      for (const [i, d] of job.disputes.entries()) {
        if (!this.mine(d) || state.height > d.deadline) continue;
        const log = this.c.log.child({ job: short(job.id), dispute: i });
        try {
          if (d.stage === DisputeStage.Respond) await this.respond(job, i, log);
          else await this.referee(job, i, d, log);
        } catch (e) {
          log.warn({ code: errorCode(e), err: errorMessage(e) }, 'verifier: dispute move failed; will try again on a later block');
        }
      }
    }
  }

  /** Whether a move must be sent: never sent, or sent and gone from the mempool without its effect showing after a block. */
  private due(key: string): boolean {
    const m = this.moves.get(key);
    if (!m) return true;
    const { isPending } = this.c.o;
    if (!isPending || m.hashes.some((h) => isPending(h))) return false;
    if (this.c.o.state.height < m.height + 2n) return false;
    return m.tries < MAX_TRIES;
  }

  private async send(key: string, payloads: TxPayload[], log: Logger): Promise<number> {
    const prev = this.moves.get(key);
    const m: Move = { hashes: [], height: this.c.o.state.height, tries: (prev?.tries ?? 0) + 1 };
    this.moves.set(key, m);
    let bytes = 0;
    for (const payload of payloads) {
      const body: TxBody = { chainId: this.c.o.state.chainId, nonce: this.c.o.nextNonce(this.c.address), fee: this.c.o.fee ?? this.c.o.state.params.minFee, payload };
      const raw = signTxBytes(body, this.c.o.validatorSeed);
      if (raw.length > this.c.o.state.params.maxTxBytes) {
        throw new VerifierError('VERIFIER_JOB_INVALID', `${payload.kind} is ${raw.length} bytes, over the chain's limit of ${this.c.o.state.params.maxTxBytes}`);
      }
      m.hashes.push(await this.c.o.submit(raw));
      bytes += raw.length;
      this.c.counters.disputeMoves++;
    }
    log.debug({ move: key, txs: payloads.length, bytes }, 'verifier: dispute move submitted');
    return bytes;
  }

  private async respond(job: Job, i: number, log: Logger): Promise<void> {
    const key = `${bytesToHex(job.id)}:${i}:respond`;
    if (!this.due(key)) return;
    const rec = await loadAttestationRecord(this.c.o.workDir, job.id, drawOf(job));
    const mine = job.attestations.find((a) => equalBytes(a.address, this.c.address));
    const segments = segmentsToReplay(job, this.c.address);
    const bad = !rec ? 'no record of it is on disk' : !mine || !equalBytes(rec.digest, mine.digest) ? 'the record on disk is of another digest'
      : rec.segments.length !== segments.length || rec.segments.some((j, n) => j !== segments[n]) ? 'the record on disk covers other segments' : null;
    if (bad) {
      if (!this.told.has(key)) log.error({ workDir: this.c.o.workDir, reason: bad }, 'verifier: cannot answer a dispute against this member\'s attestation');
      this.told.add(key);
      return;
    }
    const hashes = [rec!.h0, ...rec!.segmentHashes.flat()];
    const bytes = await this.send(key, [{ kind: 'dispute-respond', jobId: job.id, dispute: i, hashes, siblings: [] }], log);
    log.info({ hashes: hashes.length, bytes, digest: logHex(rec!.digest) }, 'verifier: answered a dispute with the attestation\'s preimage');
  }

  private async referee(job: Job, i: number, d: Dispute, log: Logger): Promise<void> {
    const hex = bytesToHex(job.id);
    const unusable = await this.unusableSegmentAt(job, d.step);
    if (unusable !== null) {
      // the step is the start of a segment whose opened checkpoint was proven but no usable state (our
      // NO_HASH claim): no state both hashes to the opening and lies under its chunk root, so nobody can
      // supply one and the solver side loses at the deadline (no-state); if the garbage itself is
      // supplied the referee rules it invalid. Our own replay of an earlier segment would give a state
      // that hashes right but is not under that root: the chain refuses it, and nothing else is ours to send.
      const key = `${hex}:${i}:unusable`;
      if (!this.told.has(key)) log.info({ step: d.step, segment: unusable, deadline: Number(d.deadline) }, 'verifier: the disputed step starts a checkpoint that was no usable state; nothing to supply, the solver side loses at the deadline');
      this.told.add(key);
      return;
    }
    const complete = d.supplies.some((x) => x.bytes.length === x.total);
    if (!complete && (d.step >= 0 || job.terms.parent)) {
      const key = `${hex}:${i}:state:${d.step}`;
      if (this.due(key)) {
        const state = await this.stateAt(job, d.step, d.deadline, log);
        const pieces = statePieces(this.c.o.state.chainId, job.id, i, state, this.c.o.state.params.maxTxBytes);
        const bytes = await this.send(key, pieces, log);
        log.info({ step: d.step, stateBytes: state.length, txs: pieces.length, bytes }, 'verifier: put the disputed step\'s state on chain');
      }
    }
    if (d.step < 0) return;
    const have = new Set(d.samples.map((x) => x.index));
    const missing = batchNeeded(job, d.step).filter((x) => !have.has(x));
    if (!missing.length) return;
    const key = `${hex}:${i}:samples:${d.step}`;
    if (!this.due(key)) return;
    const data = this.c.o.datasets.byRoot(job.terms.datasetRoot);
    if (!data) throw new VerifierError('VERIFIER_JOB_INVALID', 'the job\'s dataset is not held here any more');
    const payloads = samplePayloads(this.c.o.state.chainId, job.id, i, data, missing, this.c.o.state.params.maxTxBytes);
    const bytes = await this.send(key, payloads, log);
    log.info({ step: d.step, samples: missing.length, txs: payloads.length, bytes }, 'verifier: put the disputed step\'s batch on chain');
  }

  /** The segment of this member's record that holds step t (t -> t+1) when it claims NO_HASH there, else null. */
  private async unusableSegmentAt(job: Job, t: number): Promise<number | null> {
    if (t < 0) return null;
    const rec = await loadAttestationRecord(this.c.o.workDir, job.id, drawOf(job));
    if (!rec) return null;
    const spec = parseSpec(new TextDecoder().decode(job.terms.spec));
    const n = rec.segments.findIndex((x) => { const r = segmentBounds(spec.steps, spec.checkpointInterval, x); return r.from <= t && t < r.to; });
    return n >= 0 && isNoHashClaim(rec.segmentHashes[n]!) ? rec.segments[n]! : null;
  }

  /** state_t: the parent's final state at step -1, else replayed on the worker from the start of the sampled segment holding t. */
  private async stateAt(job: Job, t: number, deadline: bigint, log: Logger): Promise<Uint8Array> {
    const peer: DaPeer = { peerId: job.daPeer, addrs: job.daAddrs };
    const signal = new AbortController().signal;
    const parent = job.terms.parent ? await parentState(this.c, job, peer, signal, log) : null;
    if (t < 0) return parent!;
    const specJson = new TextDecoder().decode(job.terms.spec);
    const spec = parseSpec(specJson);
    const segments = segmentsToReplay(job, this.c.address);
    // the segment in which step t -> t+1 lies: where a disagreement located there parts (t < to)
    const j = segments.find((x) => { const r = segmentBounds(spec.steps, spec.checkpointInterval, x); return r.from <= t && t < r.to; });
    if (j === undefined) throw new VerifierError('VERIFIER_JOB_INVALID', `step ${t} is in none of this member's segments [${segments.join(', ')}]`);
    const start = j === 0 ? null : await loadSegmentStart(this.c.o.workDir, job.id, j, drawOf(job));
    if (j !== 0 && !start) throw new VerifierError('VERIFIER_JOB_INVALID', `the start state of segment ${j} is not kept in ${this.c.o.workDir}`);
    const ds = await this.c.backend.resolveDataset(this.c.o.host, peer, { root: job.terms.datasetRoot, size: job.terms.datasetSize, spec, signal });
    // a replay like the attesting ones: it takes a CPU slot, in the order of the move's deadline
    const release = await this.c.cpu.acquire(deadline, signal);
    let r: Awaited<ReturnType<typeof this.c.backend.replay>>;
    try {
      r = await this.c.backend.replay(replayInput(job, specJson, ds.ref, [{ segment: j, stateBytes: start, captureAt: t }], parent), { signal });
    } finally {
      release();
    }
    const state = r.captured?.[0];
    if (!state) throw new VerifierError('VERIFIER_JOB_INVALID', `the replay returned no state for step ${t}`);
    return state;
  }
}

