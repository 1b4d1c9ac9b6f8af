// A watchtower's chain over a TestChain held in the same process: it reads the vm state directly and
// queues its signed transactions for the next block, which the test builds with block(). Every block
// goes through TestChain.block, which fails the test if any transaction is rejected: a watchtower
// that sends a move the chain refuses cannot pass.
import { JobStatus, type BlockResult, type TxPayload } from '../../vm/index.ts';
import { fromVmJob, type ChainStatus, type SentTx, type TxState, type WatchChain, type WatchJob } from '../../node/watchtower/index.ts';
import { CHAIN_ID, FEE, PARAMS, type Acct, type TestChain } from './job-test-chain.ts';
import { seedCredentials, type DaCredentials } from '../../node/jobs/index.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

export class TestWatchChain implements WatchChain {
  readonly address: Uint8Array;
  private queue: { raw: Uint8Array; tx: SentTx }[] = [];
  private readonly included = new Map<string, bigint>();
  /** every transaction the watchtower sent, in order */
  readonly sent: SentTx[] = [];

  constructor(readonly c: TestChain, readonly key: Acct) {
    this.address = key.address;
  }

  async status(): Promise<ChainStatus> {
    return { chainId: CHAIN_ID, height: this.c.height, maxTxBytes: PARAMS.maxTxBytes };
  }

  daCredentials(): DaCredentials {
    return seedCredentials(this.key.seed, () => this.c.height);
  }

  async provisionalJobs(): Promise<Uint8Array[]> {
    return this.c.state.activeJobs.filter((id) => this.c.state.getJob(id)?.status === JobStatus.Provisional);
  }

  async job(id: Uint8Array): Promise<WatchJob | null> {
    const j = this.c.state.getJob(id);
    return j ? fromVmJob(j) : null;
  }

  async balance(): Promise<bigint> {
    return this.c.balance(this.key);
  }

  async send(payload: TxPayload): Promise<SentTx> {
    const nonce = BigInt(this.queue.length) + (this.c.state.getAccount(this.key.address)?.nonce ?? 0n);
    const raw = this.c.tx(this.key, payload);
    const tx: SentTx = { hash: '0x' + bytesToHex(sha256(raw)), nonce, kind: payload.kind, fee: FEE, bytes: raw.length };
    this.queue.push({ raw, tx });
    this.sent.push(tx);
    return tx;
  }

  async txState(tx: SentTx): Promise<TxState> {
    const h = this.included.get(tx.hash);
    if (h !== undefined) return { state: 'included', height: h };
    return this.queue.some((q) => q.tx.hash === tx.hash) ? { state: 'pending' } : { state: 'dropped' };
  }

  /** The watchtower's queued transactions and `others` (after them) in one block. */
  block(others: Uint8Array[] = []): BlockResult {
    const mine = this.queue;
    this.queue = [];
    const b = this.c.block([...mine.map((q) => q.raw), ...others]);
    for (const h of b.txHashes) this.included.set('0x' + bytesToHex(h), this.c.height);
    return b;
  }

  async close(): Promise<void> {}
}
