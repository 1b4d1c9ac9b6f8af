import { Level } from 'level';
import { commitBlock, decodeAccount, decodeBlock, decodeCommit, decodeReceipt, decodeUnbonding, decodeValidator, encodeAccount, encodeBlock, encodeCommit, encodeEvents, encodeParams, encodeUnbonding, encodeValidator, accountTreeKey, validatorTreeKey, PARAMS_TREE_KEY, UNBONDING_TREE_KEY, BEACON_TREE_KEY, encodeBeacon, decodeBeacon, SparseMerkleTree, ChainState, decodeEvents, encode, decodeCanonical, decodeJob, decodeJobIndex, jobTreeKey, JOB_INDEX_TREE_KEY, type Block, type BlockResult, type Commit, type Receipt, type ChainEvent, type Account, type Validator, type UnbondingEntry, type Job, type StateWrite } from '../../vm/index.ts';
import { genesisHash, genesisState, type Genesis } from '../../genesis/index.ts';
import { NodeError } from '../util/index.ts';
import { KEY, readU64be, u64be } from './keys.ts';
import { HeadMarker } from './head-marker.ts';
import { bytesToHex, equalBytes, sha256, errorMessage } from '../../primitives/index.ts';

type Db = Level<Uint8Array, Uint8Array>;

function stateKey(w: StateWrite): Uint8Array {
  switch (w.kind) {
    case 'account': return KEY.account(w.address!);
    case 'validator': return KEY.validator(w.address!);
    case 'unbonding': return KEY.unbonding;
    case 'beacon': return KEY.beacon;
    case 'job': return KEY.job(w.address!);
    case 'jobIndex': return KEY.jobIndex;
  }
}
type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

/**
 * The node's LevelDB. Every committed block is one atomic, fsynced batch holding the block, its
 * commit, receipts, indexes, every state change and the new applied height, so a process killed at
 * any instant restarts at exactly the last committed block.
 */
/**
 * A LevelDB read error (a damaged table or log) or a stored value that does not decode: the
 * database is damaged, never a bug to answer with a stack trace.
 */
export function storeCorrupt(what: string, e?: unknown): NodeError {
  const detail = e === undefined ? '' : `: ${errorMessage(e)}`;
  return new NodeError('STORE_CORRUPT', `the database is damaged: ${what}${detail}; stop the node and run \`polchain db check\``);
}

/** Decodes a stored value, turning a decode failure into STORE_CORRUPT naming the value. */
function stored<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw storeCorrupt(`${what} does not decode`, e);
  }
}

export interface ChainStoreOptions {
  /** Records each committed head outside the database (see head-marker.ts). */
  headMarker?: string;
}

export class ChainStore {
  private readonly marker: HeadMarker | null;

  private constructor(private readonly db: Db, readonly path: string, opts: ChainStoreOptions) {
    this.marker = opts.headMarker ? new HeadMarker(opts.headMarker) : null;
  }

  static async open(path: string, opts: ChainStoreOptions = {}): Promise<ChainStore> {
    const db: Db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (e) {
      const err = e as { code?: string; cause?: { code?: string; message?: string } };
      if (err.cause?.code === 'LEVEL_LOCKED') {
        throw new NodeError('DATADIR_LOCKED', `database ${path} is locked: another polchain process is using this data dir`);
      }
      throw storeCorrupt(`cannot open database ${path}`, err.cause?.message ?? e);
    }
    return new ChainStore(db, path, opts);
  }

  async close(): Promise<void> {
    this.marker?.close();
    await this.db.close();
  }

  private async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      return (await this.db.get(key)) ?? undefined;
    } catch (e) {
      if ((e as { code?: string }).code === 'LEVEL_DATABASE_NOT_OPEN') throw e;
      // metadata keys are ASCII ('mheight'); the others a one-letter family and a binary id
      const name = key[0] === 0x6d ? new TextDecoder().decode(key) : `${String.fromCharCode(key[0]!)}:${bytesToHex(key.subarray(1, 13))}`;
      throw storeCorrupt(`reading key ${name}`, e);
    }
  }

  /** The data dir's identity record (node/config identity.ts), as stored JSON text; undefined before the first start. */
  async getIdentity(): Promise<string | undefined> {
    const b = await this.get(KEY.identity);
    return b ? new TextDecoder().decode(b) : undefined;
  }

  async putIdentity(json: string): Promise<void> {
    await this.db.put(KEY.identity, new TextEncoder().encode(json), { sync: true });
  }

  /** Writes genesis on a fresh database, or checks the stored genesis hash; then loads the state. */
  async initState(genesis: Genesis): Promise<ChainState> {
    const hash = genesisHash(genesis);
    const stored = await this.get(KEY.genesisHash);
    if (!stored) {
      const state = genesisState(genesis);
      const ops: BatchOp[] = [{ type: 'put', key: KEY.genesisHash, value: hash }, { type: 'put', key: KEY.height, value: u64be(0n) }];
      for (const a of genesis.accounts) ops.push({ type: 'put', key: KEY.account(a.address), value: encodeAccount(state.getAccount(a.address)!) });
      for (const v of genesis.validators) ops.push({ type: 'put', key: KEY.validator(v.address), value: encodeValidator(v) });
      ops.push({ type: 'put', key: KEY.beacon, value: encodeBeacon(state.beacon) });
      await this.db.batch(ops, { sync: true });
      return state;
    }
    if (!equalBytes(stored, hash)) {
      throw new NodeError('GENESIS_MISMATCH', `this data dir was initialised with genesis ${bytesToHex(stored)}, but the genesis file hashes to ${bytesToHex(hash)} (if it was never given another genesis, its database is damaged: run \`polchain db check\`)`);
    }
    return this.loadState(genesis);
  }

  /** The state entries, with a LevelDB read error reported as STORE_CORRUPT. */
  private async *stateEntries(): AsyncGenerator<[Uint8Array, Uint8Array]> {
    try {
      yield* this.db.iterator({ gte: KEY.statePrefix, lt: Uint8Array.of(KEY.statePrefix[0]! + 1) });
    } catch (e) {
      if (e instanceof NodeError) throw e;
      throw storeCorrupt('reading the stored state', e);
    }
  }

  private async loadState(genesis: Genesis): Promise<ChainState> {
    const hb = await this.get(KEY.height);
    if (!hb || hb.length !== 8) throw storeCorrupt('it has a genesis but no valid applied height');
    const height = readU64be(hb);
    const accounts = new Map<string, Account>();
    const validators = new Map<string, Validator>();
    let unbonding: UnbondingEntry[] = [];
    let beacon: Uint8Array | undefined;
    const jobs = new Map<string, Job>();
    let activeJobs: Uint8Array[] = [];
    const entries: Array<[Uint8Array, Uint8Array | null]> = [[PARAMS_TREE_KEY, sha256(encodeParams(genesis.chainId, genesis.params))]];
    for await (const [key, value] of this.stateEntries()) {
      const kind = key[1];
      const addr = key.subarray(2);
      if (kind === 0x61 /* a */) {
        accounts.set(bytesToHex(addr), stored(`state entry ${bytesToHex(key)}`, () => decodeAccount(value)));
        entries.push([accountTreeKey(addr), sha256(value)]);
      } else if (kind === 0x76 /* v */) {
        validators.set(bytesToHex(addr), stored(`state entry ${bytesToHex(key)}`, () => decodeValidator(value)));
        entries.push([validatorTreeKey(addr), sha256(value)]);
      } else if (kind === 0x75 /* u */) {
        unbonding = stored(`state entry ${bytesToHex(key)}`, () => decodeUnbonding(value));
        if (unbonding.length) entries.push([UNBONDING_TREE_KEY, sha256(value)]);
      } else if (kind === 0x62 /* b */) {
        beacon = stored(`state entry ${bytesToHex(key)}`, () => decodeBeacon(value));
        entries.push([BEACON_TREE_KEY, sha256(value)]);
      } else if (kind === 0x6a /* j */) {
        jobs.set(bytesToHex(addr), stored(`state entry ${bytesToHex(key)}`, () => decodeJob(value)));
        entries.push([jobTreeKey(addr), sha256(value)]);
      } else if (kind === 0x4a /* J */) {
        activeJobs = stored(`state entry ${bytesToHex(key)}`, () => decodeJobIndex(value));
        entries.push([JOB_INDEX_TREE_KEY, sha256(value)]);
      }
    }
    if (!beacon) throw storeCorrupt('the randomness beacon is missing from the stored state (a data dir from chain protocol v1?)');
    const tree = SparseMerkleTree.empty().update(entries);
    let lastHash: Uint8Array = new Uint8Array(32);
    let lastTs = genesis.genesisTimeMs;
    if (height > 0n) {
      const block = await this.getBlock(height);
      if (!block) throw storeCorrupt(`applied height is ${height} but block ${height} is missing`);
      if (!equalBytes(block.header.stateRoot, tree.root())) {
        throw storeCorrupt(`state on disk hashes to ${bytesToHex(tree.root())}, block ${height} says ${bytesToHex(block.header.stateRoot)}`);
      }
      lastHash = (await this.getCommit(height))!.blockHash;
      lastTs = block.header.timestampMs;
    }
    return new ChainState(genesis.chainId, genesis.params, height, lastHash, lastTs, tree, accounts, validators, unbonding, beacon, jobs, activeJobs);
  }

  /** Told how many seconds each committed block's fsynced batch took: for metrics. */
  onBatchWrite: ((seconds: number) => void) | undefined;

  /** Persists a block atomically, then applies it to the in-memory state. */
  async commit(
    state: ChainState, r: BlockResult, commit: Commit,
    bft?: { commit: Uint8Array; decidedBy: Validator[]; priorities?: ReadonlyArray<{ address: Uint8Array; priority: bigint }> },
  ): Promise<void> {
    const h = r.block.header.height;
    const ops: BatchOp[] = [
      ...(bft ? [
        { type: 'put' as const, key: KEY.bftCommit(h), value: bft.commit },
        { type: 'put' as const, key: KEY.decidedBy(h), value: encode(bft.decidedBy.map(encodeValidator)) },
      ] : []),
      ...(bft?.priorities ? [
        { type: 'put' as const, key: KEY.proposerPriorities, value: encode([h, bft.priorities.map((p) => [p.address, p.priority.toString()])]) },
      ] : []),
      { type: 'put', key: KEY.block(h), value: r.encoded ?? encodeBlock(r.block) },
      { type: 'put', key: KEY.commit(h), value: encodeCommit(commit) },
      { type: 'put', key: KEY.hashToHeight(r.hash), value: u64be(h) },
      { type: 'put', key: KEY.height, value: u64be(h) },
    ];
    if (r.blockEvents.length) ops.push({ type: 'put', key: KEY.events(h), value: encodeEvents(r.blockEvents) });
    // One record per transaction: its receipt, which names its height and index (getTxLocation).
    for (let i = 0; i < r.txHashes.length; i++) ops.push({ type: 'put', key: KEY.receipt(r.txHashes[i]!), value: r.receiptBytes[i]! });
    for (const w of r.writes) {
      const key = stateKey(w);
      ops.push(w.encoded ? { type: 'put', key, value: w.encoded } : { type: 'del', key });
    }
    const t0 = performance.now();
    await this.writeAtomically(ops);
    this.onBatchWrite?.((performance.now() - t0) / 1000);
    this.marker?.record({ height: h, hash: r.hash });
    commitBlock(state, r);
  }

  /**
   * One fsynced, atomic LevelDB write batch, filled op by op through a chained batch: the array form
   * (`db.batch(ops)`) clones and re-validates every op object in JS and reads it back property by
   * property in the binding, about twice the CPU per op (a block writes one op per transaction).
   */
  private async writeAtomically(ops: BatchOp[]): Promise<void> {
    const batch = this.db.batch();
    try {
      for (const op of ops) {
        if (op.type === 'put') batch.put(op.key, op.value);
        else batch.del(op.key);
      }
    } catch (e) {
      await batch.close();
      throw e;
    }
    await batch.write({ sync: true });
  }

  /** Records `height` as committed in the head marker (a start that found none, or an older one). */
  markHead(height: bigint, hash: Uint8Array): void {
    this.marker?.record({ height, hash });
  }

  async appliedHeight(): Promise<bigint> {
    const b = await this.get(KEY.height);
    return b ? readU64be(b) : 0n;
  }

  async getBlock(height: bigint): Promise<Block | undefined> {
    const b = await this.get(KEY.block(height));
    return b ? stored(`block ${height}`, () => decodeBlock(b)) : undefined;
  }

  async getBlockBytes(height: bigint): Promise<Uint8Array | undefined> {
    return this.get(KEY.block(height));
  }

  async getHeightByHash(hash: Uint8Array): Promise<bigint | undefined> {
    const b = await this.get(KEY.hashToHeight(hash));
    return b ? readU64be(b) : undefined;
  }

  async getCommit(height: bigint): Promise<Commit | undefined> {
    const b = await this.get(KEY.commit(height));
    return b ? stored(`commit ${height}`, () => decodeCommit(b)) : undefined;
  }

  async getDecidedBy(height: bigint): Promise<Validator[] | undefined> {
    const b = await this.get(KEY.decidedBy(height));
    return b ? stored(`validators of block ${height}`, () => (decodeCanonical(b, 'validator list') as Uint8Array[]).map(decodeValidator)) : undefined;
  }

  /** The proposer priorities of the set that decided block `height`, if they were stored with it. */
  async getProposerPriorities(height: bigint): Promise<Map<string, bigint> | undefined> {
    const b = await this.get(KEY.proposerPriorities);
    if (!b) return undefined;
    const v = stored('proposer priorities', () => decodeCanonical(b, 'proposer priorities'));
    const bad = (why: string) => storeCorrupt(`proposer priorities: ${why}`);
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'bigint' || !Array.isArray(v[1])) throw bad('expected [height, entries]');
    if (v[0] !== height) return undefined;
    const out = new Map<string, bigint>();
    for (const e of v[1] as unknown[]) {
      if (!Array.isArray(e) || e.length !== 2 || !(e[0] instanceof Uint8Array) || e[0].length !== 20 || typeof e[1] !== 'string' || !/^-?\d{1,40}$/.test(e[1])) throw bad('malformed entry');
      out.set(bytesToHex(e[0]), BigInt(e[1]));
    }
    return out;
  }

  async getBftCommit(height: bigint): Promise<Uint8Array | undefined> {
    return this.get(KEY.bftCommit(height));
  }

  /**
   * Where a committed transaction is: the height and index its receipt names. (Data dirs written
   * before this also hold a `t<hash>` location record per transaction, with the same two values
   * beside the same receipt; it is no longer written or read.)
   */
  async getTxLocation(txHash: Uint8Array): Promise<{ height: bigint; index: number } | undefined> {
    const r = await this.getReceipt(txHash);
    return r ? { height: r.height, index: r.index } : undefined;
  }

  async getReceiptBytes(txHash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.get(KEY.receipt(txHash));
  }

  async getReceipt(txHash: Uint8Array): Promise<Receipt | undefined> {
    return (await this.getStoredReceipt(txHash))?.receipt;
  }

  /** The receipt and the bytes it was read from (hashed into the block's receiptsRoot), in one read. */
  async getStoredReceipt(txHash: Uint8Array): Promise<{ receipt: Receipt; bytes: Uint8Array } | undefined> {
    const bytes = await this.get(KEY.receipt(txHash));
    return bytes ? { receipt: stored(`receipt of tx ${bytesToHex(txHash)}`, () => decodeReceipt(bytes)), bytes } : undefined;
  }

  async getBlockEvents(height: bigint): Promise<ChainEvent[]> {
    const b = await this.get(KEY.events(height));
    return b ? stored(`events of block ${height}`, () => decodeEvents(b)) : [];
  }
}

