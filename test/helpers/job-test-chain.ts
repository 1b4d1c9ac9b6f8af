// Test harness for job tests: a small chain with four staked validators, signed transactions, and
// blocks that are built by one state and re-applied (from their wire bytes) by a replica, which must
// reach the same state root, receipts and job updates. No consensus hooks: beacon signatures are
// arbitrary 96-byte strings, which is what makes each beacon (and so each challenge) unpredictable here.
import assert from 'node:assert/strict';
import { applyBlock, buildBlock, commitBlock, createGenesisState, decodeBlock, encodeBlock, encode, signBlsPop, signTxBytes, isVmError, type StakePayload, type BlockContext, type BlockResult, type ChainParams, type ChainState, type Job, type JobUpdate, type TxPayload } from '../../vm/index.ts';
import { sha256, bytesToHex, publicKeyFromSeed, addressFromPublicKey, concatBytes } from '../../primitives/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../../consensus/index.ts';

export interface Acct { name: string; seed: Uint8Array; address: Uint8Array }

export function acct(name: string): Acct {
  const seed = sha256(new TextEncoder().encode(`polchain vm job test ${name}`));
  return { name, seed, address: addressFromPublicKey(publicKeyFromSeed(seed)) };
}

export const CHAIN_ID = 'polchain-jobs-test';

/** A stake of `amount` by `a` with its own consensus and BLS keys and the BLS proof of possession the chain checks. */
export function stakeOf(a: Acct, amount: bigint): StakePayload {
  const blsSecret = blsSecretFromSeed(a.seed);
  const blsKey = blsPublicKey(blsSecret);
  return { kind: 'stake', consensusKey: publicKeyFromSeed(a.seed), blsKey, amount, blsPop: signBlsPop(blsSecret, CHAIN_ID, a.address, blsKey) };
}
export const PARAMS: ChainParams = {
  unbondingPeriod: 10n, minFee: 1n, minStake: 100n, maxTxBytes: 65536, maxBlockTxs: 1000, maxBlockBytes: 4 << 20, slashFractionBps: 500,
};
export const BALANCE = 1_000_000_000n;
export const STAKES = [100_000n, 200_000n, 300_000n, 400_000n];
export const FEE = 1n;

export class TestChain {
  readonly state: ChainState;
  readonly replica: ChainState;
  readonly validators = STAKES.map((_, i) => acct(`validator ${i}`));
  readonly submitter = acct('submitter');
  readonly solver = acct('solver');
  readonly other = acct('other');
  /** Fees the proposer (validators[0]) has collected. */
  fees = 0n;
  /** Every block's state root, in order (for determinism checks). */
  readonly roots: string[] = [];
  /** Every job status change, in block order. */
  readonly updates: JobUpdate[] = [];
  private readonly pending = new Map<string, bigint>();

  constructor(readonly salt = '') {
    const make = () => createGenesisState({
      chainId: CHAIN_ID, genesisTimeMs: 1_000n, params: { ...PARAMS },
      accounts: [this.submitter, this.solver, this.other, ...this.validators].map((a) => ({ address: a.address, balance: BALANCE })),
      validators: this.validators.map((v, i) => ({ address: v.address, consensusKey: publicKeyFromSeed(v.seed), blsKey: new Uint8Array(48).fill(i + 1), stake: STAKES[i]! })),
    });
    this.state = make();
    this.replica = make();
  }

  /** Installs the dispute referee on the chain and its replica (node.ts installs the det referee on every validator's state). */
  withReferee(referee: ChainState['referee']): this {
    this.state.referee = referee;
    this.replica.referee = referee;
    return this;
  }

  get proposer(): Acct {
    return this.validators[0]!;
  }

  get height(): bigint {
    return this.state.height;
  }

  ctx(): BlockContext {
    const h = this.state.height + 1n;
    const part = (i: number) => sha256(encode(['test beacon sig', this.salt, h, i]));
    return { height: h, timestampMs: 1_000n + h * 1_000n, proposer: this.proposer.address, beaconSig: concatBytes(part(0), part(1), part(2)) };
  }

  /** A signed transaction with the sender's next nonce (counting transactions signed for the coming block). */
  tx(from: Acct, payload: TxPayload, fee = FEE): Uint8Array {
    const k = bytesToHex(from.address);
    const nonce = this.pending.get(k) ?? this.state.getAccount(from.address)?.nonce ?? 0n;
    this.pending.set(k, nonce + 1n);
    return signTxBytes({ chainId: CHAIN_ID, nonce, fee, payload }, from.seed);
  }

  /** Builds, re-applies and commits a block; every transaction must be accepted. */
  block(txs: Uint8Array[] = []): BlockResult {
    const built = buildBlock(this.state, this.ctx(), txs);
    assert.deepEqual(built.rejected.map((r) => `${r.error.code}: ${r.error.message}`), [], 'every transaction is accepted');
    const applied = applyBlock(this.replica, decodeBlock(encodeBlock(built.block)));
    assert.equal(bytesToHex(applied.block.header.stateRoot), bytesToHex(built.block.header.stateRoot));
    assert.deepEqual(applied.receiptBytes, built.receiptBytes);
    assert.deepEqual(applied.blockEvents, built.blockEvents);
    assert.deepEqual(applied.jobUpdates, built.jobUpdates);
    commitBlock(this.state, built);
    commitBlock(this.replica, applied);
    assert.equal(bytesToHex(this.replica.stateRoot), bytesToHex(this.state.stateRoot));
    this.fees += FEE * BigInt(txs.length);
    this.roots.push(bytesToHex(this.state.stateRoot));
    this.updates.push(...built.jobUpdates);
    this.pending.clear();
    return built;
  }

  /** Empty blocks until `done(job)` holds; returns the blocks. */
  until(jobId: Uint8Array, done: (j: Job) => boolean, max = 50): BlockResult[] {
    const out: BlockResult[] = [];
    while (!done(this.job(jobId))) {
      assert.ok(out.length < max, `job did not reach the wanted state within ${max} blocks`);
      out.push(this.block());
    }
    return out;
  }

  /**
   * The code a transaction is rejected with at the next height, after checking that the block
   * with it has exactly the state root of the same block without it (a rejection changes nothing).
   */
  rejection(from: Acct, payload: TxPayload): string {
    const nonce = this.state.getAccount(from.address)?.nonce ?? 0n;
    const raw = signTxBytes({ chainId: CHAIN_ID, nonce, fee: FEE, payload }, from.seed);
    const ctx = this.ctx();
    const withTx = buildBlock(this.state, ctx, [raw]);
    const without = buildBlock(this.state, ctx, []);
    assert.equal(withTx.block.txs.length, 0, `${payload.kind} was accepted`);
    assert.equal(bytesToHex(withTx.block.header.stateRoot), bytesToHex(without.block.header.stateRoot), 'a rejected transaction changes nothing');
    const e = withTx.rejected[0]!.error;
    assert.ok(isVmError(e));
    return e.code;
  }

  job(id: Uint8Array): Job {
    const j = this.state.getJob(id);
    assert.ok(j, `job ${bytesToHex(id)} exists`);
    return j;
  }

  /** Balances + stakes + unbonding + escrow and bonds of running jobs: constant unless something burns. */
  supply(): bigint {
    let s = 0n;
    for (const a of this.state.accounts.values()) s += a.balance;
    for (const v of this.state.validators.values()) s += v.stake;
    for (const u of this.state.unbonding) s += u.amount;
    for (const id of this.state.activeJobs) {
      const j = this.job(id);
      s += j.terms.bounty + j.terms.attestReward + (j.solver ? j.terms.solverStake : 0n);
    }
    return s;
  }

  balance(a: Acct): bigint {
    return this.state.getAccount(a.address)?.balance ?? 0n;
  }

  /** Balance plus the fees it collected as proposer (so tests can state its job income exactly). */
  balanceNet(a: Acct): bigint {
    return this.balance(a) - (a === this.proposer ? this.fees : 0n);
  }
}
