// In-process proof-of-learning job simulator on the real vm and ml-runtime (docs/jobs.md):
// a chain with 4 validators, funded submitter and solver accounts, blocks built with buildBlock and
// committed (optionally re-applied with applyBlock on a replica state whose root must match), a
// Solver that trains honestly or cheats with one of several strategies and answers every phase
// from its own (possibly fake) trace with valid Merkle proofs over what it committed, and committee
// members that really replay the sampled segments (or are lazy, copy, or report data unavailable).
// Everything stays in memory; meant for tiny models in tests, and for the bench's MNIST MLP.
import { applyBlock, buildBlock, decodeTx, commitBlock, createGenesisState, signTxBytes, JobStatus, type BlockResult, type ChainParams, type ChainState, type Job, type JobTerms, type JobWindows, type TxPayload, type TraceCommitPayload, type JobOpenPayload, type JobRevealPayload, type Validator, attestationDigest, UNAVAILABLE_DIGEST } from '../../vm/index.ts';
import { devAccount } from '../../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../../consensus/index.ts';
import { segmentCount, parseSpec, validateSpec, canonicalSpecJson, datasetRoot, makeDataset, createTrainer, initialState, trainStep, runTrace, replaySegment, makeCheckpoint, checkpointsRoot as cpRootOf, checkpointLeaf, checkpointSteps, traceRoot as traceRootOf, chunkBytes, chunkProof, verifyChunk, decodeState, encodedStateLength, stepHash, selectBackend, CHUNK_SIZE, type Dataset, type ModelSpec, type TrainState, type Trainer } from '../../ml-runtime/index.ts';
import { bytesToHex, equalBytes, sha256 as vmSha256, leafHash, merkleRoot, merkleProof, merkleRangeProof, sha256, utf8, type MerkleProof } from '../../primitives/index.ts';

// ---------------------------------------------------------------------------------------------
// Chain

export const SIM_CHAIN = 'polchain-jobsim';
/** Job transactions carry Merkle proofs: room for large transactions and blocks. */
export const SIM_PARAMS: ChainParams = {
  unbondingPeriod: 10n, minFee: 1n, minStake: 100n, maxTxBytes: 1 << 20, maxBlockTxs: 20_000, maxBlockBytes: 64 << 20, slashFractionBps: 500,
};
export const SIM_BALANCE = 1_000_000_000_000n;
export const SIM_VALIDATOR_STAKE = 1_000_000n;
export const SIM_WINDOWS: JobWindows = { accept: 4, commit: 4, challengeDelay: 2, open: 3, attest: 3, reveal: 3 };

export interface SimAccount { name: string; seed: Uint8Array; publicKey: Uint8Array; address: Uint8Array }

function simAccount(i: number, name: string): SimAccount {
  return { name, ...devAccount(i) };
}

export interface SimOptions {
  /** number of validators (default 4), dev accounts 10.. */
  validators?: number;
  /** stake per validator (default SIM_VALIDATOR_STAKE each) */
  stakes?: bigint[];
  /** number of solver accounts (default 2), dev accounts 1.. */
  solvers?: number;
  balance?: bigint;
  /** re-apply every block with applyBlock on a second state and require the same state root (default true) */
  replica?: boolean;
  /** mixed into every beacon signature so that two sims draw different beacons */
  salt?: string;
}

const TERMINAL = new Set<number>([JobStatus.Finalized, JobStatus.Slashed, JobStatus.Expired]);
export const isTerminal = (j: Job): boolean => TERMINAL.has(j.status);

const hex = bytesToHex;

/** The payload kind of raw transaction bytes (for logs of rejections). */
function kindOf(bytes: Uint8Array): string {
  try { return decodeTx(bytes, SIM_PARAMS.maxTxBytes).body.payload.kind; } catch { return 'undecodable'; }
}

export class JobSim {
  readonly state: ChainState;
  readonly replica: ChainState | null;
  readonly validators: SimAccount[];
  readonly submitter: SimAccount;
  readonly solvers: SimAccount[];
  readonly genesisBalance = new Map<string, bigint>();
  readonly genesisSupply: bigint;
  /** fees paid (as sender) and earned (as proposer) per address */
  readonly feesPaid = new Map<string, bigint>();
  readonly feesEarned = new Map<string, bigint>();
  /** blocks re-applied on the replica with an equal state root */
  replicaChecks = 0;
  /** CPU time of building, re-applying and committing blocks (the vm's share) */
  blockCpuMs = 0;
  /** every job update reported by the vm, in block order */
  readonly updates: Array<{ height: bigint; jobId: string; status: number; outcome: string }> = [];
  readonly results: BlockResult[] = [];
  /** the beacon after each block, by height */
  readonly beacons = new Map<bigint, Uint8Array>();
  /** transactions rejected in blocks built with allowRejected */
  readonly rejections: Array<{ height: bigint; kind: string; code: string; message: string }> = [];
  private readonly datasets = new Map<string, Dataset>();
  private readonly pending = new Map<string, bigint>();
  private readonly byAddress = new Map<string, SimAccount>();
  private readonly salt: string;
  /** keep every BlockResult (default false: only the last one) */
  keepResults = false;

  constructor(o: SimOptions = {}) {
    const nv = o.validators ?? 4;
    const balance = o.balance ?? SIM_BALANCE;
    this.salt = o.salt ?? '';
    this.validators = Array.from({ length: nv }, (_, i) => simAccount(10 + i, `validator${i}`));
    this.submitter = simAccount(0, 'submitter');
    this.solvers = Array.from({ length: o.solvers ?? 2 }, (_, i) => simAccount(1 + i, `solver${i}`));
    const all = [this.submitter, ...this.solvers, ...this.validators];
    for (const a of all) this.byAddress.set(hex(a.address), a);
    const validators: Validator[] = this.validators.map((v, i) => ({
      address: v.address, consensusKey: v.publicKey, blsKey: blsPublicKey(blsSecretFromSeed(v.seed)), stake: o.stakes?.[i] ?? SIM_VALIDATOR_STAKE,
    }));
    const genesis = () => createGenesisState({
      chainId: SIM_CHAIN, genesisTimeMs: 1_000n, params: { ...SIM_PARAMS }, accounts: all.map((a) => ({ address: a.address, balance })), validators,
    });
    this.state = genesis();
    this.replica = o.replica === false ? null : genesis();
    for (const a of all) this.genesisBalance.set(hex(a.address), balance);
    this.genesisSupply = this.supply();
  }

  accountOf(address: Uint8Array): SimAccount {
    const a = this.byAddress.get(hex(address));
    if (!a) throw new Error(`no sim account ${hex(address)}`);
    return a;
  }

  balance(address: Uint8Array): bigint {
    return this.state.getAccount(address)?.balance ?? 0n;
  }

  /** Genesis balance minus fees paid plus fees earned as proposer: what the balance is without job money. */
  feeAdjusted(address: Uint8Array): bigint {
    const k = hex(address);
    return (this.genesisBalance.get(k) ?? 0n) - (this.feesPaid.get(k) ?? 0n) + (this.feesEarned.get(k) ?? 0n);
  }

  /** Balances + stakes + unbonding + escrow and bonds held by jobs still running. */
  supply(): bigint {
    let s = 0n;
    for (const a of this.state.accounts.values()) s += a.balance;
    for (const v of this.state.validators.values()) s += v.stake;
    for (const u of this.state.unbonding) s += u.amount;
    for (const j of this.listJobs()) {
      if (isTerminal(j)) continue;
      s += j.terms.bounty + j.terms.attestReward;
      if (j.solver) s += j.terms.solverStake;
    }
    return s;
  }

  job(id: Uint8Array): Job {
    const j = this.state.getJob(id);
    if (!j) throw new Error(`job ${hex(id)} not in state`);
    return j;
  }

  listJobs(): Job[] {
    return this.state.listJobs();
  }

  // --- transactions ---

  /** Signs a transaction with the sender's next nonce (counting transactions already signed for the coming block). */
  tx(from: SimAccount, payload: TxPayload, fee = 1n): Uint8Array {
    const k = hex(from.address);
    const nonce = this.pending.get(k) ?? this.state.getAccount(from.address)?.nonce ?? 0n;
    this.pending.set(k, nonce + 1n);
    return signTxBytes({ chainId: SIM_CHAIN, nonce, fee, payload }, from.seed);
  }

  registerDataset(ds: Dataset): Uint8Array {
    const root = datasetRoot(ds);
    this.datasets.set(hex(root), ds);
    return root;
  }

  dataset(root: Uint8Array): Dataset {
    const d = this.datasets.get(hex(root));
    if (!d) throw new Error(`no dataset registered with root ${hex(root)}`);
    return d;
  }

  terms(spec: ModelSpec, ds: Dataset, o: Partial<Omit<JobTerms, 'spec' | 'datasetRoot' | 'datasetSize'>> = {}): JobTerms {
    return {
      spec: utf8(canonicalSpecJson(spec)), runtime: 'det-1', datasetRoot: this.registerDataset(ds), datasetSize: ds.count,
      q: 4, committeeSize: 3, windows: { ...SIM_WINDOWS }, solverStake: 50_000n, bounty: 100_000n, attestReward: 1_200n, parent: null, ...o,
    };
  }

  /** A signed JobSubmit and the job id it creates (the transaction hash). */
  submitTx(terms: JobTerms, from = this.submitter): { tx: Uint8Array; jobId: Uint8Array } {
    const tx = this.tx(from, { kind: 'job-submit', terms });
    return { tx, jobId: vmSha256(tx) };
  }

  // --- blocks ---

  /** Beacon signature for a height: any 96 bytes do without consensus hooks; derived so beacons differ per height. */
  beaconSig(height: bigint): Uint8Array {
    const out = new Uint8Array(96);
    for (let i = 0; i < 3; i++) out.set(sha256(utf8(`jobsim beacon ${this.salt} ${height} ${i}`)), 32 * i);
    return out;
  }

  /**
   * Builds the next block from `txs` and commits it. Every transaction must be included unless
   * `allowRejected`; then the rejected ones are returned with their error codes.
   */
  next(txs: Uint8Array[] = [], o: { allowRejected?: boolean } = {}): BlockResult {
    const c0 = process.cpuUsage();
    try {
      return this.nextBlock(txs, o);
    } finally {
      const d = process.cpuUsage(c0);
      this.blockCpuMs += (d.user + d.system) / 1000;
    }
  }

  private nextBlock(txs: Uint8Array[], o: { allowRejected?: boolean }): BlockResult {
    const s = this.state;
    const height = s.height + 1n;
    const proposer = this.validators[Number(height % BigInt(this.validators.length))]!;
    const r = buildBlock(s, { height, timestampMs: s.lastTimestampMs + 1000n, proposer: proposer.address, beaconSig: this.beaconSig(height) }, txs);
    this.pending.clear();
    if (r.rejected.length && !o.allowRejected) {
      throw new Error(`block ${height}: ${r.rejected.length} transaction(s) rejected: ${r.rejected.map((x) => `${x.error.code}: ${x.error.message}`).join('; ')}`);
    }
    if (this.replica) {
      const applied = applyBlock(this.replica, r.block);
      if (!equalBytes(applied.block.header.stateRoot, r.block.header.stateRoot)) throw new Error(`block ${height}: replica state root differs`);
      commitBlock(this.replica, applied);
      this.replicaChecks++;
    }
    commitBlock(s, r);
    this.beacons.set(height, s.beacon);
    for (const x of r.rejected) this.rejections.push({ height, kind: kindOf(x.bytes), code: x.error.code, message: x.error.message });
    if (this.replica && !equalBytes(this.replica.stateRoot, s.stateRoot)) throw new Error(`block ${height}: committed roots differ`);
    for (const rc of r.receipts) {
      const k = hex(rc.sender);
      this.feesPaid.set(k, (this.feesPaid.get(k) ?? 0n) + rc.fee);
      const p = hex(proposer.address);
      this.feesEarned.set(p, (this.feesEarned.get(p) ?? 0n) + rc.fee);
    }
    for (const u of r.jobUpdates) this.updates.push({ height, jobId: hex(u.jobId), status: u.status, outcome: u.outcome });
    if (this.keepResults) this.results.push(r);
    else this.results[0] = r;
    return r;
  }

  /** Rejection code of one transaction against the current state (nothing is committed). */
  judge(txBytes: Uint8Array): string {
    const s = this.state;
    const height = s.height + 1n;
    const r = buildBlock(s, { height, timestampMs: s.lastTimestampMs + 1000n, proposer: this.validators[0]!.address, beaconSig: this.beaconSig(height) }, [txBytes]);
    this.pending.clear();
    return r.rejected.length ? r.rejected[0]!.error.code : 'ok';
  }

  // --- job driving ---

  /**
   * Advances every plan's job block by block, each party acting as soon as the job's status allows,
   * until all jobs have ended (or maxBlocks). Returns the number of blocks produced.
   */
  async drive(plans: JobPlan[], o: { maxBlocks?: number; onBlock?: (r: BlockResult) => void; allowRejected?: boolean } = {}): Promise<number> {
    const max = o.maxBlocks ?? 200;
    for (let b = 0; b < max; b++) {
      const txs: Uint8Array[] = [];
      let active = 0;
      for (const p of plans) {
        const job = this.state.getJob(p.jobId);
        if (!job) continue; // not submitted yet
        if (isTerminal(job)) continue;
        active++;
        txs.push(...(await this.actionsFor(p, job)));
      }
      if (active === 0) return b;
      const r = this.next(txs, { allowRejected: o.allowRejected });
      o.onBlock?.(r);
    }
    throw new Error(`jobs still running after ${max} blocks: ${plans.map((p) => this.state.getJob(p.jobId)?.status).join(',')}`);
  }

  private async actionsFor(p: JobPlan, job: Job): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    if (p.notBefore !== undefined && this.state.height < p.notBefore) return out;
    const solver = p.solver;
    switch (job.status) {
      case JobStatus.Open:
        if (!p.sent.accept) {
          p.sent.accept = true;
          out.push(this.tx(solver.account, { kind: 'job-accept', jobId: job.id, daPeer: 'sim', daAddrs: [] }));
        }
        break;
      case JobStatus.Training:
        if (!p.sent.commit && p.withhold !== 'commit') {
          p.sent.commit = true;
          const run = await solver.train(this, job, p.strategy);
          p.run = run;
          out.push(this.tx(solver.account, solver.commitPayload(run)));
        }
        break;
      case JobStatus.Challenged:
        if (!p.sent.open && p.withhold !== 'open') {
          p.sent.open = true;
          out.push(this.tx(solver.account, p.openPayload ? await p.openPayload(job, solver.run(job.id)) : solver.openPayload(job)));
          // 'data': the openings go on chain, but the solver's DA serves nothing
          if (p.withhold === 'data') solver.run(job.id).serving = false;
        }
        break;
      case JobStatus.Attesting:
        for (const m of job.committee) {
          const k = hex(m.address);
          if (p.sent.attest.has(k) || job.attestations.some((a) => equalBytes(a.address, m.address))) continue;
          const behaviour = p.members?.(m.address) ?? 'replay';
          let digest: Uint8Array | null = null;
          if (behaviour === 'replay') {
            const t0 = process.cpuUsage();
            const a = replayAttestation(this, job, m.address, solver);
            const dt = process.cpuUsage(t0);
            const ms = (dt.user + dt.system) / 1000;
            p.verifyCpuMs += ms;
            p.verifyByMember.set(k, (p.verifyByMember.get(k) ?? 0) + ms);
            p.replayedSteps += a.steps;
            digest = a.digest;
          } else if (behaviour === 'unavailable') digest = UNAVAILABLE_DIGEST;
          else if (behaviour === 'copy') digest = job.attestations.find((a) => !equalBytes(a.address, m.address))?.digest ?? null;
          if (!digest) continue; // lazy, or nothing to copy yet
          p.sent.attest.add(k);
          out.push(this.tx(this.accountOf(m.address), { kind: 'job-attest', jobId: job.id, digest }));
        }
        break;
      case JobStatus.Revealing:
        if (!p.sent.reveal && p.withhold !== 'reveal') {
          p.sent.reveal = true;
          out.push(this.tx(solver.account, p.revealPayload ? await p.revealPayload(job, solver.run(job.id)) : solver.revealPayload(job)));
        }
        break;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Plans, strategies, committee behaviour

/**
 * How the solver produces its trace. Every strategy commits to what it computed (valid proofs over
 * its own fake trace); `segments` lists the segments it did not honestly compute where that is partial.
 */
export type Strategy =
  | { kind: 'honest' }
  /** within these segments every update is skipped (the state is carried over, step counter advanced) */
  | { kind: 'skip'; segments: number[] }
  /** states interpolated linearly between state_0 and the honest final state */
  | { kind: 'interpolate' }
  /** batch indices from another seed (initial weights from the right one) */
  | { kind: 'batch-order'; seed: Uint8Array }
  /** the training set in reverse order */
  | { kind: 'other-data' }
  /** the spec's learning rate times `factor` */
  | { kind: 'other-lr'; factor: number }
  /** random step hashes and garbage checkpoints: no training at all */
  | { kind: 'random-hashes' }
  /** an honest run on tfjs's own 'cpu' backend instead of det */
  | { kind: 'cpu-backend' }
  /** initial weights from another seed, then honest steps */
  | { kind: 'foreign-init'; seed: Uint8Array }
  /** trains `at` steps, then pads to T with the last state (step counter advanced) */
  | { kind: 'early-stop'; at: number }
  /** the states of another job's run (its seed), re-hashed under this job's id */
  | { kind: 'reuse'; seed: Uint8Array }
  /** 'reuse' with the seed of job `of` (known once that job is training) */
  | { kind: 'reuse-job'; of: Uint8Array };

/** 'commit': accepts, never commits; 'open': never sends JobOpen; 'data': opens on chain but serves no checkpoint data; 'reveal': never reveals */
export type Withhold = 'none' | 'commit' | 'open' | 'data' | 'reveal';
export type MemberBehaviour = 'replay' | 'lazy' | 'copy' | 'unavailable';

export interface JobPlan {
  jobId: Uint8Array;
  solver: Solver;
  strategy: Strategy;
  withhold: Withhold;
  /** committee behaviour per member address (default: replay) */
  members?: (address: Uint8Array) => MemberBehaviour;
  /** replaces the solver's JobOpen / JobReveal payload (to send a forged one) */
  openPayload?: (job: Job, run: SolverRun) => TxPayload | Promise<TxPayload>;
  revealPayload?: (job: Job, run: SolverRun) => TxPayload | Promise<TxPayload>;
  /** the solver does nothing before this height (spreads jobs over blocks, hence over beacons) */
  notBefore?: bigint;
  sent: { accept: boolean; commit: boolean; open: boolean; reveal: boolean; attest: Set<string> };
  run: SolverRun | null;
  /** CPU time all replaying committee members spent on this job (fetch + decode + replay + digest) */
  verifyCpuMs: number;
  /** the same, per member (hex address) */
  verifyByMember: Map<string, number>;
  replayedSteps: number;
}

export function plan(jobId: Uint8Array, solver: Solver, strategy: Strategy = { kind: 'honest' }, extra: Partial<Pick<JobPlan, 'withhold' | 'members' | 'openPayload' | 'revealPayload' | 'notBefore'>> = {}): JobPlan {
  return {
    jobId, solver, strategy, withhold: 'none', ...extra,
    sent: { accept: false, commit: false, open: false, reveal: false, attest: new Set() }, run: null, verifyCpuMs: 0, verifyByMember: new Map(), replayedSteps: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Solver

export interface CheckpointRecord {
  step: number;
  chunkRoot: Uint8Array;
  stepHash: Uint8Array;
  /** the bytes served for this checkpoint (the canonical state encoding, or garbage); null until re-derived (sparse runs) */
  bytes: Uint8Array | null;
}

export interface SolverRun {
  jobId: Uint8Array;
  T: number;
  k: number;
  stepHashes: Uint8Array[];
  checkpoints: CheckpointRecord[];
  traceRoot: Uint8Array;
  checkpointsRoot: Uint8Array;
  finalChunkRoot: Uint8Array;
  finalStepHash: Uint8Array;
  /** segments the run did not compute honestly (all of them for whole-run cheats) */
  faked: number[];
  /** CPU time of producing the trace (steps, hashing, checkpoint encoding) */
  trainCpuMs: number;
  /** the training state after each step, when kept (tiny runs) */
  states: TrainState[] | null;
  /** false: DA serves nothing (openings are withheld from the committee) */
  serving: boolean;
  /** the final training state (honest runs) */
  finalState: TrainState | null;
  /** sparse runs: recomputes the encoding of checkpoint `index` from the nearest kept state */
  rederive: ((index: number) => Uint8Array) | null;
  /** CPU time spent re-deriving opened checkpoints after the challenge */
  rederiveCpuMs: number;
  leafHashCache?: Uint8Array[];
  cpLeafHashCache?: Uint8Array[];
}

const specCache = new Map<string, ModelSpec>();
export function specOfJob(job: Job): ModelSpec {
  const text = new TextDecoder().decode(job.terms.spec);
  let s = specCache.get(text);
  if (!s) { s = parseSpec(text); specCache.set(text, s); }
  return s;
}

function carry(s: TrainState, step: number): TrainState {
  return { step, params: s.params, slots: s.slots };
}

function lerpState(a: TrainState, b: TrainState, t: number, T: number): TrainState {
  const mix = (x: Float32Array, y: Float32Array) => {
    const o = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) o[i] = x[i]! + ((y[i]! - x[i]!) * t) / T;
    return o;
  };
  if (t === T) return b;
  return { step: t, params: a.params.map((p, i) => mix(p, b.params[i]!)), slots: a.slots.map((p, i) => mix(p, b.slots[i]!)) };
}

/** The same samples in reverse order. */
export function reversedDataset(ds: Dataset): Dataset {
  const n = ds.count;
  const fs = ds.featureSize;
  const ls = ds.task === 'classification' ? 1 : ds.outputSize;
  const raw = ds.featureKind === 'u8' ? new Uint8Array(ds.raw.length) : new Float32Array(ds.raw.length);
  const labels = ds.task === 'classification' ? new Uint32Array(ds.labels.length) : new Float32Array(ds.labels.length);
  for (let i = 0; i < n; i++) {
    raw.set(ds.raw.subarray((n - 1 - i) * fs, (n - i) * fs), i * fs);
    labels.set(ds.labels.subarray((n - 1 - i) * ls, (n - i) * ls), i * ls);
  }
  const { features: _f, ...rest } = ds;
  return makeDataset({ ...rest, name: `${ds.name}/reversed`, raw, labels });
}

function allSegments(T: number, k: number): number[] {
  return Array.from({ length: segmentCount(T, k) }, (_, j) => j);
}

/** A trace from state_0 and a transition function; keeps every state (tiny runs only). */
function traceFromStates(jobId: Uint8Array, T: number, k: number, s0: TrainState, next: (s: TrainState, t: number) => TrainState): {
  stepHashes: Uint8Array[]; checkpoints: CheckpointRecord[]; states: TrainState[];
} {
  const states = [s0];
  for (let t = 0; t < T; t++) states.push(next(states[t]!, t));
  return fromStateList(jobId, k, states);
}

function fromStateList(jobId: Uint8Array, k: number, states: TrainState[]): { stepHashes: Uint8Array[]; checkpoints: CheckpointRecord[]; states: TrainState[] } {
  const T = states.length - 1;
  const stepHashes = states.map((s, t) => {
    if (s.step !== t) throw new Error(`state ${t} carries step ${s.step}`);
    return stepHash(jobId, s);
  });
  const checkpoints = checkpointSteps(T, k).map((step) => {
    const cp = makeCheckpoint(jobId, states[step]!);
    return { step, chunkRoot: cp.chunkRoot, stepHash: cp.stepHash, bytes: cp.bytes };
  });
  return { stepHashes, checkpoints, states };
}

function finishRun(jobId: Uint8Array, T: number, k: number, t: { stepHashes: Uint8Array[]; checkpoints: CheckpointRecord[]; states: TrainState[] | null }, faked: number[], cpuMs: number): SolverRun {
  const last = t.checkpoints[t.checkpoints.length - 1]!;
  return {
    jobId, T, k, stepHashes: t.stepHashes, checkpoints: t.checkpoints, traceRoot: traceRootOf(t.stepHashes), checkpointsRoot: cpRootOf(t.checkpoints),
    finalChunkRoot: last.chunkRoot, finalStepHash: t.stepHashes[T]!, faked, trainCpuMs: cpuMs, states: t.states, serving: true,
    finalState: t.states?.[T] ?? null, rederive: null, rederiveCpuMs: 0,
  };
}

export class Solver {
  private readonly runs = new Map<string, SolverRun>();
  /**
   * Honest runs: 0 keeps every state (tiny models); n > 0 runs the ml-runtime's runTrace and keeps
   * only every n-th step's state plus each checkpoint's root and hash (bounded memory): the opened
   * checkpoints are re-derived from the nearest kept state after the challenge.
   */
  keepEvery = 0;
  /** progress callback for long honest runs (t = steps done) */
  onStep: ((t: number, T: number) => void) | null = null;

  constructor(readonly account: SimAccount) {}

  run(jobId: Uint8Array): SolverRun {
    const r = this.runs.get(hex(jobId));
    if (!r) throw new Error(`solver ${this.account.name} has no run for job ${hex(jobId)}`);
    return r;
  }

  /** Produces (and keeps) the trace for a job in `training` status, the way `strategy` says. */
  async train(sim: JobSim, job: Job, strategy: Strategy): Promise<SolverRun> {
    if (!job.seed) throw new Error('job has no seed yet');
    const spec = specOfJob(job);
    const ds = sim.dataset(job.terms.datasetRoot);
    const resolved: Strategy = strategy.kind === 'reuse-job' ? { kind: 'reuse', seed: sim.job(strategy.of).seed! } : strategy;
    const run = await produceRun(spec, ds, job.id, job.seed, resolved, { keepEvery: this.keepEvery, onStep: this.onStep });
    this.runs.set(hex(job.id), run);
    return run;
  }

  /** Installs a run made elsewhere (e.g. one run claimed for two jobs). */
  adopt(run: SolverRun): void {
    this.runs.set(hex(run.jobId), run);
  }

  commitPayload(run: SolverRun): TraceCommitPayload {
    return {
      kind: 'trace-commit', jobId: run.jobId, traceRoot: run.traceRoot, checkpointsRoot: run.checkpointsRoot,
      finalChunkRoot: run.finalChunkRoot, finalStepHash: run.finalStepHash,
    };
  }

  openPayload(job: Job): JobOpenPayload {
    const run = this.run(job.id);
    if (run.rederive) {
      const t0 = process.cpuUsage();
      for (const i of openingIndices(run.T, run.k, job.segments)) if (!run.checkpoints[i]!.bytes) run.checkpoints[i]!.bytes = run.rederive(i);
      const d = process.cpuUsage(t0);
      run.rederiveCpuMs += (d.user + d.system) / 1000;
    }
    return openingsOf(run, job.segments);
  }

  revealPayload(job: Job): JobRevealPayload {
    return revealOf(this.run(job.id), job.segments);
  }

  /** DA: chunk `i` of checkpoint `index` with its proof under the checkpoint's chunk root, or null when withheld. */
  serveChunk(jobId: Uint8Array, index: number, i: number): { chunk: Uint8Array; proof: MerkleProof } | null {
    const r = this.runs.get(hex(jobId));
    if (!r || !r.serving) return null;
    const cp = r.checkpoints[index];
    if (!cp?.bytes) return null;
    const n = Math.max(1, Math.ceil(cp.bytes.length / CHUNK_SIZE));
    if (i < 0 || i >= n) return null;
    return chunkProof(cp.bytes, i);
  }
}

/** Produces a run for (spec, dataset, jobId, seed) under a strategy. Restores the det backend after 'cpu-backend'. */
export async function produceRun(spec: ModelSpec, ds: Dataset, jobId: Uint8Array, seed: Uint8Array, strategy: Strategy,
  o: { keepEvery?: number; onStep?: ((t: number, T: number) => void) | null } = {}): Promise<SolverRun> {
  const T = spec.steps;
  const k = spec.checkpointInterval;
  const tr = createTrainer(spec, ds, seed);
  const all = allSegments(T, k);
  const c0 = process.cpuUsage();
  const cpu = () => { const d = process.cpuUsage(c0); return (d.user + d.system) / 1000; };
  const honestStep = (trainer: Trainer) => (s: TrainState) => trainStep(trainer, s).state;
  switch (strategy.kind) {
    case 'honest': {
      const every = o.keepEvery ?? 0;
      if (every > 0) {
        // the real ml-runtime path; keeps every `every`-th state and each checkpoint's root and hash
        const kept = new Map<number, TrainState>();
        const checkpoints: CheckpointRecord[] = [];
        const r = runTrace(tr, jobId, {
          onCheckpoint: (cp) => checkpoints.push({ step: cp.step, chunkRoot: cp.chunkRoot, stepHash: cp.stepHash, bytes: cp.step === 0 || cp.step === T ? cp.bytes : null }),
          onStep: (t, _loss, _h, st) => { if ((t + 1) % every === 0) kept.set(t + 1, st); o.onStep?.(t + 1, T); },
        });
        kept.set(0, initialState(tr));
        const run = finishRun(jobId, T, k, { stepHashes: r.stepHashes, checkpoints, states: null }, [], cpu());
        run.finalState = r.finalState;
        let last: TrainState = kept.get(0)!; // the last re-derived state: ascending requests continue from it
        run.rederive = (index) => {
          const step = checkpoints[index]!.step;
          let s = kept.get(Math.floor(step / every) * every)!;
          if (last.step <= step && last.step > s.step) s = last;
          while (s.step < step) s = trainStep(tr, s).state;
          last = s;
          const cp = makeCheckpoint(jobId, s);
          if (!equalBytes(cp.chunkRoot, checkpoints[index]!.chunkRoot)) throw new Error(`re-derived checkpoint ${index} differs from the committed one`);
          return cp.bytes;
        };
        return run;
      }
      const t = traceFromStates(jobId, T, k, initialState(tr), honestStep(tr));
      return finishRun(jobId, T, k, t, [], cpu());
    }
    case 'skip': {
      const fake = new Set(strategy.segments);
      const step = honestStep(tr);
      const t = traceFromStates(jobId, T, k, initialState(tr), (s, i) => (fake.has(Math.floor(i / k)) ? carry(s, i + 1) : step(s)));
      return finishRun(jobId, T, k, t, [...fake].sort((a, b) => a - b), cpu());
    }
    case 'early-stop': {
      const step = honestStep(tr);
      const t = traceFromStates(jobId, T, k, initialState(tr), (s, i) => (i < strategy.at ? step(s) : carry(s, i + 1)));
      return finishRun(jobId, T, k, t, all.filter((j) => Math.min((j + 1) * k, T) > strategy.at), cpu());
    }
    case 'interpolate': {
      let s = initialState(tr);
      const s0 = s;
      for (let i = 0; i < T; i++) s = trainStep(tr, s).state; // the final weights (as if obtained elsewhere)
      const sT = s;
      const states = Array.from({ length: T + 1 }, (_, i) => (i === 0 ? s0 : lerpState(s0, sT, i, T)));
      return finishRun(jobId, T, k, fromStateList(jobId, k, states), all, cpu());
    }
    case 'batch-order': {
      const other = createTrainer(spec, ds, strategy.seed);
      return finishRun(jobId, T, k, traceFromStates(jobId, T, k, initialState(tr), honestStep(other)), all, cpu());
    }
    case 'other-data': {
      const other = createTrainer(spec, reversedDataset(ds), seed);
      return finishRun(jobId, T, k, traceFromStates(jobId, T, k, initialState(tr), honestStep(other)), all, cpu());
    }
    case 'other-lr': {
      const opt = { ...spec.optimizer, learningRate: spec.optimizer.learningRate * strategy.factor };
      const other = createTrainer(validateSpec({ ...spec, optimizer: opt }), ds, seed);
      return finishRun(jobId, T, k, traceFromStates(jobId, T, k, initialState(tr), honestStep(other)), all, cpu());
    }
    case 'foreign-init': {
      const s0 = initialState(createTrainer(spec, ds, strategy.seed));
      return finishRun(jobId, T, k, traceFromStates(jobId, T, k, s0, honestStep(tr)), all, cpu());
    }
    case 'reuse-job':
      throw new Error('reuse-job needs the other job\'s seed: use Solver.train');
    case 'reuse': {
      const src = createTrainer(spec, ds, strategy.seed);
      return finishRun(jobId, T, k, traceFromStates(jobId, T, k, initialState(src), honestStep(src)), all, cpu());
    }
    case 'cpu-backend': {
      await selectBackend('cpu');
      try {
        const t = traceFromStates(jobId, T, k, initialState(tr), honestStep(tr));
        return finishRun(jobId, T, k, t, all, cpu());
      } finally {
        await selectBackend('det');
      }
    }
    case 'random-hashes': {
      const tag = hex(jobId);
      const stepHashes = Array.from({ length: T + 1 }, (_, i) => sha256(utf8(`garbage step ${tag} ${i}`)));
      const checkpoints = checkpointSteps(T, k).map((step) => {
        const bytes = sha256(utf8(`garbage checkpoint ${tag} ${step}`));
        return { step, chunkRoot: merkleRoot(chunkBytes(bytes)), stepHash: stepHashes[step]!, bytes: bytes as Uint8Array | null };
      });
      return finishRun(jobId, T, k, { stepHashes, checkpoints, states: null }, all, cpu());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Phase payloads from a run

/** Checkpoint indices a JobOpen must carry: {0} ∪ segments ∪ {last}, ascending. */
export function openingIndices(T: number, k: number, segments: readonly number[]): number[] {
  const last = checkpointSteps(T, k).length - 1;
  return [...new Set([0, ...segments, last])].sort((a, b) => a - b);
}

function cpLeafHashes(run: SolverRun): Uint8Array[] {
  run.cpLeafHashCache ??= run.checkpoints.map((c) => leafHash(checkpointLeaf(c.step, c.chunkRoot, c.stepHash)));
  return run.cpLeafHashCache;
}

function traceLeafHashes(run: SolverRun): Uint8Array[] {
  run.leafHashCache ??= run.stepHashes.map(leafHash);
  return run.leafHashCache;
}

export function openingsOf(run: SolverRun, segments: readonly number[]): JobOpenPayload {
  const leaves = cpLeafHashes(run);
  return {
    kind: 'job-open', jobId: run.jobId,
    openings: openingIndices(run.T, run.k, segments).map((index) => {
      const c = run.checkpoints[index]!;
      return { index, chunkRoot: c.chunkRoot, stepHash: c.stepHash, siblings: merkleProof(leaves, index).siblings };
    }),
  };
}

/**
 * Required reveal ranges (docs/jobs.md §1 JobReveal): [0,0], each sampled segment's [j·k, min((j+1)·k, T)],
 * [T,T], in this order, one item per distinct `from`: when segment 0 is sampled its range [0, k] is the
 * item at 0 (it holds h_0 and the segment's leaves, which a bare [0,0] would leave unrevealed).
 */
export function requiredRanges(T: number, k: number, segments: readonly number[]): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = segments.includes(0) ? [] : [{ from: 0, to: 0 }];
  for (const j of segments) out.push({ from: j * k, to: Math.min((j + 1) * k, T) });
  out.push({ from: T, to: T });
  return out;
}

export function revealOf(run: SolverRun, segments: readonly number[], ranges = requiredRanges(run.T, run.k, segments)): JobRevealPayload {
  const leaves = traceLeafHashes(run);
  return {
    kind: 'job-reveal', jobId: run.jobId,
    items: ranges.map(({ from, to }) => ({ from, hashes: run.stepHashes.slice(from, to + 1), siblings: merkleRangeProof(leaves, from, to) })),
  };
}

// ---------------------------------------------------------------------------------------------
// Committee member: real replay

/**
 * What an honest committee member does (docs/jobs.md §4): derive state_0 from the seed, replay every
 * sampled segment (segment 0 from state_0, the others from the opened checkpoint fetched chunk by
 * chunk from the solver and checked against the opening), and return the attestation digest, or
 * UNAVAILABLE_DIGEST when the data cannot be obtained or does not match the opening.
 */
export function replayAttestation(sim: JobSim, job: Job, member: Uint8Array, da: Pick<Solver, 'serveChunk'>): { digest: Uint8Array; steps: number; unavailable: boolean } {
  if (!job.seed) throw new Error('job has no seed');
  if (job.terms.parent) throw new Error('job-sim does not model parent jobs');
  const spec = specOfJob(job);
  const ds = sim.dataset(job.terms.datasetRoot);
  const tr = createTrainer(spec, ds, job.seed);
  const s0 = initialState(tr);
  const h0 = stepHash(job.id, s0);
  const T = spec.steps;
  const k = spec.checkpointInterval;
  const segHashes: Uint8Array[][] = [];
  let steps = 0;
  const unavailable = { digest: UNAVAILABLE_DIGEST, steps, unavailable: true };
  for (const j of job.segments) {
    const from = j * k;
    const to = Math.min(from + k, T);
    let start: TrainState;
    let startHash = h0;
    if (j === 0) start = s0;
    else {
      const opening = job.openings.find((o) => o.index === j);
      if (!opening) return unavailable;
      const bytes = fetchCheckpoint(da, job.id, j, opening.chunkRoot, encodedStateLength(s0));
      if (!bytes) return unavailable;
      try {
        start = decodeState(bytes, tr.layout);
      } catch {
        return unavailable;
      }
      if (start.step !== from) return unavailable;
      startHash = opening.stepHash;
    }
    let hs: Uint8Array[];
    try {
      hs = replaySegment(spec, ds, job.id, job.seed, start, from, to);
    } catch {
      return unavailable;
    }
    // the fetched state must be the opened one (replay hashes its start state first)
    if (!equalBytes(hs[0]!, startHash)) return unavailable;
    steps += to - from;
    segHashes.push(hs.slice(1));
  }
  return { digest: attestationDigest(job.id, member, h0, segHashes), steps, unavailable: false };
}

/** Fetches a checkpoint's encoding chunk by chunk, each proven under `chunkRoot`; null when anything is missing or wrong. */
function fetchCheckpoint(da: Pick<Solver, 'serveChunk'>, jobId: Uint8Array, index: number, chunkRoot: Uint8Array, expectedLength: number): Uint8Array | null {
  const n = Math.max(1, Math.ceil(expectedLength / CHUNK_SIZE));
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const r = da.serveChunk(jobId, index, i);
    if (!r || r.proof.index !== i || r.proof.count !== n || !verifyChunk(r.chunk, r.proof, chunkRoot)) return null;
    parts.push(r.chunk);
  }
  const len = parts.reduce((a, p) => a + p.length, 0);
  if (len !== expectedLength) return null;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * The verdict's expected digest for `member` from a run's own leaves (what the chain computes from
 * the revealed leaves): lets tests predict which attesters match.
 */
export function expectedDigest(run: SolverRun, job: Job, member: Uint8Array): Uint8Array {
  const segHashes = job.segments.map((j) => run.stepHashes.slice(j * run.k + 1, Math.min((j + 1) * run.k, run.T) + 1));
  return attestationDigest(job.id, member, run.stepHashes[0]!, segHashes);
}

// ---------------------------------------------------------------------------------------------
// Small deterministic helpers for tests

/** Deterministic pseudo-random generator (SHA-256 in counter mode) for choosing faked segments. */
export class Prng {
  private counter = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private off = 0;
  constructor(private readonly seed: Uint8Array) {}
  u32(): number {
    if (this.off + 4 > this.buf.length) { this.buf = sha256(this.seed, utf8(`/${this.counter++}`)); this.off = 0; }
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.off, 4).getUint32(0);
    this.off += 4;
    return v;
  }
  /** uniform in [0, n) (rejection sampling) */
  below(n: number): number {
    const lim = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) { const v = this.u32(); if (v < lim) return v % n; }
  }
  /** `m` distinct values from [0, n), ascending */
  choose(m: number, n: number): number[] {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < m; i++) { const j = i + this.below(n - i); [a[i], a[j]] = [a[j]!, a[i]!]; }
    return a.slice(0, m).sort((x, y) => x - y);
  }
}

export { hex };
