// The simulated chain of the job simulator (docs/jobs.md): 4 validators, funded submitter and solver
// accounts, blocks built with buildBlock and committed (optionally re-applied with applyBlock on a
// replica state whose root must match), and the driver that lets every party of each job plan act
// as soon as the job's status allows. Everything stays in memory; meant for tiny models in tests,
// and for the bench's MNIST MLP.
import { disputeTermsFor, applyBlock, buildBlock, decodeTx, commitBlock, createGenesisState, signTxBytes, JobStatus, UNAVAILABLE_DIGEST, type BlockResult, type ChainParams, type ChainState, type Job, type JobTerms, type JobWindows, type TxPayload, type Validator } from '../../../vm/index.ts';
import { devAccount } from '../../../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../../../consensus/index.ts';
import { canonicalSpecJson, datasetRoot, type Dataset, type ModelSpec } from '../../../ml-runtime/index.ts';
import { bytesToHex, equalBytes, sha256, utf8 } from '../../../primitives/index.ts';
import { replayAttestation } from './committee.ts';
import { expectedDigest } from './reveal.ts';
import type { JobPlan } from './plans.ts';
import type { SimAccount } from './solver-runs.ts';

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

const TERMINAL = new Set<number>([JobStatus.Finalized, JobStatus.Slashed, JobStatus.Expired, JobStatus.Diverged]);
export const isTerminal = (j: Job): boolean => TERMINAL.has(j.status);

export const hex = bytesToHex;

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
      q: 16, committeeSize: 5, windows: { ...SIM_WINDOWS }, solverStake: 50_000n, bounty: 100_000n, attestReward: 1_200n, parent: null,
      dispute: disputeTermsFor(spec, { window: 2, move: 4 }), ...o,
    };
  }

  /** A signed JobSubmit and the job id it creates (the transaction hash). */
  submitTx(terms: JobTerms, from = this.submitter): { tx: Uint8Array; jobId: Uint8Array } {
    const tx = this.tx(from, { kind: 'job-submit', terms });
    return { tx, jobId: sha256(tx) };
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
          // a redrawn committee attests afresh: what a member sent counts per committee (job.draws)
          const k = `${job.draws}:${hex(m.address)}`;
          if (p.sent.attest.has(k) || job.attestations.some((a) => equalBytes(a.address, m.address))) continue;
          const behaviour = p.members?.(m.address) ?? 'replay';
          let digest: Uint8Array | null = null;
          if (behaviour === 'replay') {
            const t0 = process.cpuUsage();
            const a = replayAttestation(this, job, m.address, solver);
            const dt = process.cpuUsage(t0);
            const ms = (dt.user + dt.system) / 1000;
            p.verifyCpuMs += ms;
            p.verifyByMember.set(hex(m.address), (p.verifyByMember.get(hex(m.address)) ?? 0) + ms);
            p.replayedSteps += a.steps;
            if (a.missing !== null && !job.demands.some((d) => equalBytes(d.by, m.address))) {
              // data the solver does not serve is demanded on chain, and the UNAVAILABLE goes out in the
              // same block so that it stands on a demand of the member's own (docs/da.md, docs/committee.md §6)
              out.push(this.tx(this.accountOf(m.address), { kind: 'da-demand', jobId: job.id, checkpoint: a.missing, chunk: 0 }));
            }
            digest = a.digest;
          } else if (behaviour === 'unavailable') digest = UNAVAILABLE_DIGEST;
          else if (behaviour === 'copy') digest = job.attestations.find((a) => !equalBytes(a.address, m.address))?.digest ?? null;
          if (!digest) continue; // lazy, or nothing to copy yet
          p.sent.attest.add(k);
          out.push(this.tx(this.accountOf(m.address), { kind: 'job-attest', jobId: job.id, digest }));
        }
        break;
      case JobStatus.Provisional:
        // an honest solver disputes every real digest that disagrees with its trace (node/solver
        // job-defence): a member that did not replay cannot show a preimage and is proven wrong
        if (p.strategy.kind === 'honest' && p.withhold === 'none' && p.defend !== false) {
          const run = solver.run(job.id);
          for (const a of job.attestations) {
            const k = hex(a.address);
            if (equalBytes(a.digest, UNAVAILABLE_DIGEST) || equalBytes(a.digest, expectedDigest(run, job, a.address))) continue;
            if (p.sent.dispute.has(k) || job.disputes.some((d) => d.member && equalBytes(d.member, a.address))) continue;
            p.sent.dispute.add(k);
            out.push(this.tx(solver.account, { kind: 'dispute-open', jobId: job.id, target: 'attestation', segment: 0, member: a.address, hashes: [] }));
          }
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
