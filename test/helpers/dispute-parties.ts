// The honest parties of the dispute game, run against a TestChain (the real vm): a shared outbox that
// the solver's JobDefence and a validator's VerifierService submit to and that the test turns into
// blocks, the solver's chain client over it, the job as job_get shows it (the shape of
// node/rpc-methods dispute-json.ts: dispute progress as counts), the solver's artifacts on disk, and
// the chain's real referee with a record of what it was asked.
import {
  canonicalSpecJson, createTrainer, datasetRoot, loadDetReferee, requiredOpenings, requiredRanges, runTraceSync, segmentBounds,
  type Dataset, type ModelSpec, type RefereeStepInput, type StepReferee, type SyncTraceSink, type TraceHook,
} from '../../ml-runtime/index.ts';
import {
  batchNeeded, DISPUTE_KIND_NAMES, DISPUTE_STAGE_NAMES, DisputeStage, DisputeWinner, JOB_STATUS_NAMES, JobStatus, signTxBytes,
  type BlockResult, type Job, type JobTerms, type TxPayload,
} from '../../vm/index.ts';
import { SolverArtifacts } from '../../node/jobs/index.ts';
import { SolverError, parseJobView, type DefenceDeps, type JobView, type SentTx } from '../../node/solver/index.ts';
import { bytesToHex, encodeAddress, sha256 } from '../../primitives/index.ts';
import { CHAIN_ID, FEE, type Acct, type TestChain } from './job-test-chain.ts';

/** Transactions of every party for the next block, with per-account nonces that count what is queued. */
export class Outbox {
  private queue: Array<{ raw: Uint8Array; hash: string; from: string }> = [];
  /** committed transactions by hash hex (what a node's block store answers getTx with) */
  readonly committed = new Map<string, Uint8Array>();
  readonly blocks: BlockResult[] = [];

  constructor(readonly c: TestChain) {}

  nonce(address: Uint8Array): bigint {
    const a = bytesToHex(address);
    return (this.c.state.getAccount(address)?.nonce ?? 0n) + BigInt(this.queue.filter((q) => q.from === a).length);
  }

  /** Queues a signed transaction (its sender's nonce must be the next one); returns its hash. */
  push(raw: Uint8Array, from: Uint8Array): Uint8Array {
    const hash = sha256(raw);
    this.queue.push({ raw, hash: bytesToHex(hash), from: bytesToHex(from) });
    return hash;
  }

  /** Signs `payload` from `a` with its next nonce and queues it. */
  send(a: Pick<Acct, 'seed' | 'address'>, payload: TxPayload): Uint8Array {
    return this.push(signTxBytes({ chainId: CHAIN_ID, nonce: this.nonce(a.address), fee: FEE, payload }, a.seed), a.address);
  }

  pending(hash: Uint8Array): boolean {
    const h = bytesToHex(hash);
    return this.queue.some((q) => q.hash === h);
  }

  get size(): number {
    return this.queue.length;
  }

  /** Kinds of the queued transactions, in order. */
  kinds(decode: (raw: Uint8Array) => string): string[] {
    return this.queue.map((q) => decode(q.raw));
  }

  /** One block with everything queued (TestChain checks that each is accepted and the replica agrees). */
  block(): BlockResult {
    const txs = this.queue.splice(0);
    const r = this.c.block(txs.map((q) => q.raw));
    for (const q of txs) this.committed.set(q.hash, q.raw);
    this.blocks.push(r);
    return r;
  }
}

/** The solver's ChainClient, as JobDefence uses it, over the outbox. */
export function solverChain(o: Outbox, solver: Acct): DefenceDeps['chain'] {
  return {
    async send(payload, fee, maxTxBytes): Promise<SentTx> {
      const nonce = o.nonce(solver.address);
      const raw = signTxBytes({ chainId: CHAIN_ID, nonce, fee, payload }, solver.seed);
      if (raw.length > maxTxBytes) throw new SolverError('SOLVER_TX_TOO_LARGE', `${payload.kind} transaction is ${raw.length} bytes; the limit is ${maxTxBytes}`);
      const hash = o.push(raw, solver.address);
      return { hash: '0x' + bytesToHex(hash), nonce, fee, bytes: raw.length };
    },
    async txState(tx) {
      const h = tx.hash.slice(2);
      if (o.committed.has(h)) return 'included';
      return o.pending(Buffer.from(h, 'hex')) ? 'pending' : 'dropped';
    },
    async attestations(idHex) {
      const job = o.c.state.getJob(Buffer.from(idHex, 'hex'))!;
      return job.committee.map((m) => {
        const a = job.attestations.find((x) => bytesToHex(x.address) === bytesToHex(m.address));
        return { address: encodeAddress(m.address), digest: a ? a.digest : null, unavailable: false };
      });
    },
    async disputeSamples(idHex, index) {
      return o.c.state.getJob(Buffer.from(idHex, 'hex'))!.disputes[index]!.samples.map((s) => s.index);
    },
  };
}

const hex = (b: Uint8Array) => '0x' + bytesToHex(b);

/** The job as job_get returns it (wire form: bytes as 0x-hex, u64 as decimal strings), with the node's height. */
export function jobGetJson(j: Job, height: bigint): Record<string, unknown> {
  const located = (d: Job['disputes'][number]) => !d.solverNext.every((x) => x === 0);
  return {
    id: hex(j.id), submitter: encodeAddress(j.submitter), status: JOB_STATUS_NAMES[j.status], outcome: j.outcome || null,
    deadline: String(j.deadline),
    terms: {
      specJson: new TextDecoder().decode(j.terms.spec), runtime: j.terms.runtime, datasetRoot: hex(j.terms.datasetRoot), datasetSize: j.terms.datasetSize,
      q: j.terms.q, committeeSize: j.terms.committeeSize, windows: j.terms.windows, solverStake: String(j.terms.solverStake), bounty: String(j.terms.bounty),
      attestReward: String(j.terms.attestReward), parent: j.terms.parent ? hex(j.terms.parent) : null,
      dispute: { ...j.terms.dispute, bond: String(j.terms.dispute.bond), demandFee: String(j.terms.dispute.demandFee) },
    },
    solver: j.solver ? encodeAddress(j.solver) : null, daPeer: j.daPeer, daAddrs: j.daAddrs, seed: j.seed ? hex(j.seed) : null,
    commitment: j.commitment ? { traceRoot: hex(j.commitment.traceRoot), checkpointsRoot: hex(j.commitment.checkpointsRoot), finalChunkRoot: hex(j.commitment.finalChunkRoot), finalStepHash: hex(j.commitment.finalStepHash) } : null,
    segments: j.segments, committee: j.committee.map((m) => ({ address: encodeAddress(m.address), stake: String(m.stake) })),
    seats: j.seats.map(encodeAddress), draws: j.draws,
    openings: j.openings.length, attestations: j.attestations.length, reveals: j.reveals.length,
    verdict: j.verdict || null, windowEnd: j.windowEnd ? String(j.windowEnd) : null, divergedAt: j.divergedAt || null,
    disputes: j.disputes.map((d, index) => ({
      index, kind: DISPUTE_KIND_NAMES[d.kind], by: encodeAddress(d.by), member: d.member ? encodeAddress(d.member) : null, segment: d.segment,
      bond: String(d.bond), stage: DISPUTE_STAGE_NAMES[d.stage], deadline: d.stage === DisputeStage.Resolved ? null : String(d.deadline),
      step: located(d) ? d.step : null, winner: d.winner === DisputeWinner.Solver ? 'solver' : d.winner === DisputeWinner.Other ? 'other' : null,
      reason: d.reason || null, openHeight: String(d.openHeight),
      supplies: d.supplies.map((s) => ({ party: encodeAddress(s.party), total: s.total, received: s.bytes.length })),
      samples: { received: d.samples.length, needed: located(d) && d.step >= 0 ? batchNeeded(j, d.step).length : null },
    })),
    demands: j.demands.map((x, index) => ({
      index, by: encodeAddress(x.by), checkpoint: x.checkpoint, chunk: x.chunk, fee: String(x.fee), height: String(x.height), deadline: String(x.deadline),
      answer: x.answer.length ? hex(x.answer) : null,
    })),
    height: String(height),
  };
}

export function jobView(c: TestChain, id: Uint8Array): JobView {
  return parseJobView(jobGetJson(c.job(id), c.height));
}

/** The solver's record of an honest run of `spec` for `job` (its seed), written by the artifact writer as training does. */
export async function solverArtifacts(dir: string, job: Job, spec: ModelSpec, data: Dataset): Promise<SolverArtifacts> {
  const w = SolverArtifacts.create(dir, { jobId: job.id, specJson: canonicalSpecJson(spec), datasetRoot: datasetRoot(data), seed: job.seed! });
  runTraceSync(createTrainer(spec, data, job.seed!), job.id, { sink: w });
  return w.finish();
}

/** h0 and each sampled segment's hashes after its start, from the solver's record: an honest member's digest input. */
export async function digestInput(art: SolverArtifacts, job: Job): Promise<{ h0: Uint8Array; segments: Uint8Array[][] }> {
  const [h0] = await art.stepHashes(0, 0);
  const segments: Uint8Array[][] = [];
  for (const j of job.segments) {
    const r = segmentBounds(art.T, art.k, j);
    segments.push(await art.stepHashes(r.from + 1, r.to));
  }
  return { h0: h0!, segments };
}

export interface FlowOptions {
  terms: JobTerms;
  spec: ModelSpec;
  data: Dataset;
  /** where the solver keeps its artifacts */
  dir: string;
  daPeer?: string;
  daAddrs?: string[];
  /** changes what the solver trains (a cheat) */
  hooks?: readonly TraceHook[];
  /** changes what the solver records (a cheat that commits other checkpoint data than it trained) */
  sink?: (w: SyncTraceSink) => SyncTraceSink;
  /** commit the run's loss curve (docs/jobs.md §1.1): the losses the hooks report, under a loss root */
  withLosses?: boolean;
}

/** Submits, accepts, trains into artifacts on disk, commits and opens: returns with the job attesting. */
export async function toAttesting(c: TestChain, o: Outbox, f: FlowOptions): Promise<{ id: Uint8Array; art: SolverArtifacts }> {
  o.send(c.submitter, { kind: 'job-submit', terms: f.terms });
  const id = o.block().txHashes[0]!;
  o.send(c.solver, { kind: 'job-accept', jobId: id, daPeer: f.daPeer ?? '12D3KooWtestpeer', daAddrs: f.daAddrs ?? [] });
  o.block();
  while (c.job(id).status !== JobStatus.Training) o.block();
  const job = c.job(id);
  const w = SolverArtifacts.create(f.dir, { jobId: id, specJson: canonicalSpecJson(f.spec), datasetRoot: datasetRoot(f.data), seed: job.seed! });
  const losses: number[] = [];
  const record: TraceHook = { onStep: (t, loss) => { losses[t] = loss ?? Number.NaN; } };
  runTraceSync(createTrainer(f.spec, f.data, job.seed!), id, { sink: f.sink ? f.sink(w) : w, hooks: [...(f.hooks ?? []), record] });
  if (f.withLosses) w.setLosses(losses);
  const art = await w.finish();
  o.send(c.solver, { kind: 'trace-commit', jobId: id, ...art.commitment() });
  o.block();
  while (c.job(id).status !== JobStatus.Challenged) o.block();
  o.send(c.solver, { kind: 'job-open', jobId: id, openings: art.openings(requiredOpenings(art.T, art.k, c.job(id).segments)) });
  o.block();
  return { id, art };
}

/** Reveals every required range (the solver's JobReveal items from its record). */
export async function reveal(c: TestChain, o: Outbox, id: Uint8Array, art: SolverArtifacts): Promise<void> {
  const job = c.job(id);
  o.send(c.solver, { kind: 'job-reveal', jobId: id, items: await art.revealItems(requiredRanges(art.T, art.k, job.segments)) });
}

/**
 * The chain's real det referee (ml-runtime/referee), installed on the test chain and its replica,
 * with a record of every step it was asked to run (a test checks what the parties put on chain).
 */
export async function installReferee(c: TestChain): Promise<{ calls: RefereeStepInput[] }> {
  const real = await loadDetReferee();
  const calls: RefereeStepInput[] = [];
  const spy: StepReferee = {
    runtimes: real.runtimes,
    step: (input) => { calls.push(input); return real.step(input); },
    initialHash: (input) => real.initialHash(input),
  };
  c.withReferee(spy);
  return { calls };
}
