
import type { Account, Job, UnbondingEntry, Validator } from '../types/index.ts';
import type { ChainState } from './chain-state.ts';
import {
  accountTreeKey, encodeAccount, encodeBeacon, encodeJob, encodeJobIndex, encodeUnbonding, encodeValidator, BEACON_TREE_KEY,
  JOB_INDEX_TREE_KEY, jobTreeKey, UNBONDING_TREE_KEY, validatorTreeKey,
} from './encoding.ts';

import type { SparseMerkleTree } from './smt.ts';
import { bytesToHex, compareBytes, sha256 } from '../../primitives/index.ts';

/** A state change ready to persist: the LevelDB value is exactly the bytes hashed into the tree. */
export interface StateWrite {
  kind: 'account' | 'validator' | 'unbonding' | 'beacon' | 'job' | 'jobIndex';
  address: Uint8Array | null; // account/validator address, or the job id for 'job'
  encoded: Uint8Array | null; // null deletes
}

export interface StateChanges {
  accounts: Map<string, { address: Uint8Array; account: Account }>;
  validators: Map<string, { address: Uint8Array; validator: Validator | null }>;
  unbonding: UnbondingEntry[] | null; // null: unchanged
  beacon: Uint8Array | null; // null: unchanged
  jobs: Map<string, Job>; // by hex id; jobs are never deleted
  activeJobs: Uint8Array[] | null; // null: unchanged
}

/** Copy-on-write view over committed state used while executing one block. */
export class StateOverlay {
  private readonly accounts = new Map<string, { address: Uint8Array; account: Account }>();
  private readonly validators = new Map<string, { address: Uint8Array; validator: Validator | null }>();
  private unbondingQueue: UnbondingEntry[] | null = null;
  private newBeacon: Uint8Array | null = null;
  private readonly jobs = new Map<string, Job>();
  private activeIndex: Uint8Array[] | null = null;

  constructor(readonly base: ChainState) {}

  account(address: Uint8Array): Account {
    const k = bytesToHex(address);
    const own = this.accounts.get(k);
    if (own) return own.account;
    const a = this.base.accounts.get(k);
    return a ? { balance: a.balance, nonce: a.nonce } : { balance: 0n, nonce: 0n };
  }

  setAccount(address: Uint8Array, account: Account): void {
    this.accounts.set(bytesToHex(address), { address, account });
  }

  validator(address: Uint8Array): Validator | undefined {
    const k = bytesToHex(address);
    const own = this.validators.get(k);
    if (own) return own.validator ?? undefined;
    return this.base.validators.get(k);
  }

  setValidator(address: Uint8Array, validator: Validator | null): void {
    this.validators.set(bytesToHex(address), { address, validator });
  }

  /** Number of active validators (positive stake, not jailed) after this overlay's changes. */
  activeValidatorCount(): number {
    const active = (v: Validator | null | undefined) => !!v && v.stake > 0n && !v.jailed;
    let n = 0;
    for (const [k, v] of this.base.validators) {
      const own = this.validators.get(k);
      if (active(own ? own.validator : v)) n++;
    }
    for (const [k, own] of this.validators) if (!this.base.validators.has(k) && active(own.validator)) n++;
    return n;
  }

  /**
   * The active validators (positive stake, not jailed) after this overlay's changes, ascending by
   * address (never in Map order).
   */
  validatorList(): Validator[] {
    const out: Validator[] = [];
    for (const [k, v] of this.base.validators) if (!this.validators.has(k)) out.push(v);
    for (const own of this.validators.values()) if (own.validator) out.push(own.validator);
    return out.filter((v) => v.stake > 0n && !v.jailed).sort((a, b) => compareBytes(a.address, b.address));
  }

  setBeacon(beacon: Uint8Array): void {
    this.newBeacon = beacon;
  }

  /** The beacon after this block (once set), else the committed one. */
  get beacon(): Uint8Array {
    return this.newBeacon ?? this.base.beacon;
  }

  /** Jobs are immutable values: callers replace them with setJob, never mutate the one returned. */
  job(id: Uint8Array): Job | undefined {
    const k = bytesToHex(id);
    return this.jobs.get(k) ?? this.base.jobs.get(k);
  }

  setJob(job: Job): void {
    this.jobs.set(bytesToHex(job.id), job);
  }

  get activeJobs(): readonly Uint8Array[] {
    return this.activeIndex ?? this.base.activeJobs;
  }

  /** `ids` must be ascending. */
  setActiveJobs(ids: Uint8Array[]): void {
    this.activeIndex = ids;
  }

  get unbonding(): readonly UnbondingEntry[] {
    return this.unbondingQueue ?? this.base.unbonding;
  }

  setUnbonding(q: UnbondingEntry[]): void {
    this.unbondingQueue = q;
  }

  changes(): StateChanges {
    return {
      accounts: this.accounts, validators: this.validators, unbonding: this.unbondingQueue, beacon: this.newBeacon,
      jobs: this.jobs, activeJobs: this.activeIndex,
    };
  }
}

/** Applies changes to a tree (structure-sharing, the old tree stays valid) and returns what to persist. */
export function applyChangesToTree(tree: SparseMerkleTree, changes: StateChanges): { tree: SparseMerkleTree; writes: StateWrite[] } {
  const entries: Array<[Uint8Array, Uint8Array | null]> = [];
  const writes: StateWrite[] = [];
  for (const { address, account } of changes.accounts.values()) {
    const encoded = encodeAccount(account);
    entries.push([accountTreeKey(address), sha256(encoded)]);
    writes.push({ kind: 'account', address, encoded });
  }
  for (const { address, validator } of changes.validators.values()) {
    const encoded = validator ? encodeValidator(validator) : null;
    entries.push([validatorTreeKey(address), encoded ? sha256(encoded) : null]);
    writes.push({ kind: 'validator', address, encoded });
  }
  if (changes.unbonding) {
    const encoded = encodeUnbonding(changes.unbonding);
    entries.push([UNBONDING_TREE_KEY, changes.unbonding.length ? sha256(encoded) : null]);
    writes.push({ kind: 'unbonding', address: null, encoded });
  }
  if (changes.beacon) {
    const encoded = encodeBeacon(changes.beacon);
    entries.push([BEACON_TREE_KEY, sha256(encoded)]);
    writes.push({ kind: 'beacon', address: null, encoded });
  }
  for (const job of changes.jobs.values()) {
    const encoded = encodeJob(job);
    entries.push([jobTreeKey(job.id), sha256(encoded)]);
    writes.push({ kind: 'job', address: job.id, encoded });
  }
  if (changes.activeJobs) {
    // absent when empty (as at genesis), so a chain without jobs keeps its v2 state roots
    const encoded = changes.activeJobs.length ? encodeJobIndex(changes.activeJobs) : null;
    entries.push([JOB_INDEX_TREE_KEY, encoded ? sha256(encoded) : null]);
    writes.push({ kind: 'jobIndex', address: null, encoded });
  }
  return { tree: entries.length ? tree.update(entries) : tree, writes };
}
