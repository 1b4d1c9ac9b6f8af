
import type { SparseMerkleTree } from './smt.ts';
import { beaconAtGenesis, validatorsHash } from './beacon.ts';
import type { Account, ChainParams, Job, UnbondingEntry, Validator } from '../types/index.ts';
import type { StepReferee } from '../../ml-runtime/commitment/index.ts';
import { bytesToHex, compareBytes } from '../../primitives/index.ts';

/**
 * The committed state, held in memory by the node (which persists every change in the same
 * LevelDB batch as the block that made it). Execution never mutates it: it reads through a
 * StateOverlay and the node calls `commit` only after the batch is durable.
 */
export class ChainState {
  constructor(
    readonly chainId: string,
    readonly params: ChainParams,
    public height: bigint,
    public lastBlockHash: Uint8Array,
    public lastTimestampMs: bigint,
    public tree: SparseMerkleTree,
    readonly accounts: Map<string, Account>,
    readonly validators: Map<string, Validator>,
    public unbonding: UnbondingEntry[],
    /** The randomness beacon after the last block (beaconAtGenesis(chainId) at height 0). */
    public beacon: Uint8Array = beaconAtGenesis(chainId),
    /** Every job ever submitted, by hex id (ended jobs stay: the registry of proven models). Never mutated in place. */
    readonly jobs: Map<string, Job> = new Map(),
    /** Ids of the jobs that have not ended, ascending: the order the end-of-block tick visits them in. */
    public activeJobs: Uint8Array[] = [],
  ) {}

  /**
   * The referee's step function (docs/disputes.md §4), injected by the node (ml-runtime's det
   * referee) the way consensus hooks are: not state, and the vm never loads tfjs itself. Block
   * application fails with REFEREE_MISSING if a dispute needs it and none is set.
   */
  referee: StepReferee | null = null;

  get stateRoot(): Uint8Array {
    return this.tree.root();
  }

  getAccount(address: Uint8Array): Account | undefined {
    return this.accounts.get(bytesToHex(address));
  }

  getJob(id: Uint8Array): Job | undefined {
    return this.jobs.get(bytesToHex(id));
  }

  /** All jobs, ascending by id (never in Map insertion order). */
  listJobs(): Job[] {
    return [...this.jobs.values()].sort((a, b) => compareBytes(a.id, b.id));
  }

  getValidator(address: Uint8Array): Validator | undefined {
    return this.validators.get(bytesToHex(address));
  }

  /**
   * The active validators (stake > 0, not jailed), ordered by address bytes (never by Map insertion
   * order). The set after block H is the set that votes on and proposes block H + 1.
   */
  validatorList(): Validator[] {
    return [...this.validators.values()].filter((v) => v.stake > 0n && !v.jailed).sort((a, b) => compareBytes(a.address, b.address));
  }

  /** validatorsHash of the active set: what the next block's header must carry. */
  validatorsHash(): Uint8Array {
    return validatorsHash(this.validatorList());
  }

  totalStake(): bigint {
    let t = 0n;
    for (const v of this.validators.values()) t += v.stake;
    return t;
  }
}
