// The watchtower's chain over a node's JSON-RPC: reads with retry and backoff on transport-level
// failures, and transactions signed with the next pending nonce (account_get pendingNonce), as a
// remote client would (the solver's chain client works the same way; a watchtower may not import it).
import type { Logger } from 'pino';
import { encodeTx, signTx, type TxPayload } from '../../vm/index.ts';
import {
  RpcClient, RpcClientError, isRetryableRpcError, NOT_FOUND, TX_REJECTED,
} from '../../rpc/index.ts';
import { seedCredentials, type DaCredentials } from '../jobs/index.ts';
import type { ChainStatus, SentTx, TxState, WatchChain } from './chain.ts';
import { WatchError } from './errors.ts';
import { sleepUnlessAborted } from '../util/index.ts';
import { parseRpcJob, parseSampleIndices, type WatchJob } from './job-view.ts';
import { addressFromPublicKey, bytesToHex, encodeAddress, errorMessage, publicKeyFromSeed, sha256 } from '../../primitives/index.ts';

/** What a node gives when it does not report its limit (the devnet's default). */
export const DEFAULT_MAX_TX_BYTES = 65536;

/** Errors worth retrying (rpc isRetryableRpcError). */
export const isRetryable = isRetryableRpcError;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepUnlessAborted(ms, signal, () => new WatchError('WATCH_STOPPED', 'stopped'));
}

const big = (v: unknown): bigint => (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? BigInt(v) : 0n);

export interface RpcWatchChainOptions {
  rpcUrl: string;
  seed: Uint8Array;
  log: Logger;
  signal: AbortSignal;
  fee: bigint;
  /** attempts per call before a retryable failure is thrown (default 8) */
  attempts?: number;
}

export class RpcWatchChain implements WatchChain {
  readonly rpc: RpcClient;
  readonly address: Uint8Array;
  private readonly addressText: string;
  private chainId = '';

  constructor(private readonly o: RpcWatchChainOptions) {
    this.rpc = new RpcClient(o.rpcUrl, { timeoutMs: 15_000 });
    this.address = addressFromPublicKey(publicKeyFromSeed(o.seed));
    this.addressText = encodeAddress(this.address);
  }

  daCredentials(): DaCredentials {
    return seedCredentials(this.o.seed, async () => (await this.status()).height);
  }

  /** One call, retried with exponential backoff (200 ms doubling, capped at 5 s) while it fails retryably. */
  private async call(method: string, params: unknown, attempts = this.o.attempts ?? 8): Promise<unknown> {
    for (let i = 1; ; i++) {
      if (this.o.signal.aborted) throw new WatchError('WATCH_STOPPED', 'stopped');
      try {
        // method names beyond the typed table (a newer node's) go through the same client
        return await (this.rpc.call as (m: string, p: unknown) => Promise<unknown>)(method, params);
      } catch (e) {
        if (!isRetryable(e) || i >= attempts) throw e;
        const ms = Math.min(5_000, 200 * 2 ** Math.min(i - 1, 16));
        this.o.log.warn({ method, attempt: i, retryInMs: ms, err: errorMessage(e) }, 'watch: rpc call failed; retrying');
        await sleep(ms, this.o.signal);
      }
    }
  }

  /** node_status; `attempts` overrides the retries (a one-shot command fails fast when no node answers). */
  async status(attempts?: number): Promise<ChainStatus> {
    const s = await this.call('node_status', [], attempts) as { chainId?: unknown; height?: unknown; params?: { maxTxBytes?: unknown } };
    if (typeof s.chainId !== 'string') throw new WatchError('WATCH_BAD_JOB', 'node_status has no chainId');
    this.chainId = s.chainId;
    const m = s.params?.maxTxBytes;
    return { chainId: s.chainId, height: big(s.height), maxTxBytes: typeof m === 'number' && m > 0 ? m : DEFAULT_MAX_TX_BYTES };
  }

  async provisionalJobs(): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 1000; page++) {
      const r = await this.call('job_list', { status: 'provisional', limit: 100, ...(cursor ? { cursor } : {}) }) as { jobs?: Array<{ id?: unknown }>; nextCursor?: string | null };
      for (const j of r.jobs ?? []) {
        if (typeof j.id === 'string') out.push(Uint8Array.from(Buffer.from(j.id.replace(/^0x/, ''), 'hex')));
      }
      cursor = r.nextCursor ?? null;
      if (!cursor) break;
    }
    return out;
  }

  /** job_get, and job_getDispute for each dispute waiting on the referee whose samples job_get gives only as counts. */
  async job(id: Uint8Array): Promise<WatchJob | null> {
    const idHex = '0x' + bytesToHex(id);
    let job: WatchJob;
    try {
      job = parseRpcJob(await this.call('job_get', [idHex]));
    } catch (e) {
      if (e instanceof RpcClientError && e.code === NOT_FOUND) return null;
      throw e;
    }
    for (const d of job.disputes) {
      if (!d.samplesUnknown || d.stage !== 'referee') continue;
      d.samples = parseSampleIndices(await this.call('job_getDispute', [idHex, d.index]));
      delete d.samplesUnknown;
    }
    return job;
  }

  private async account(): Promise<{ balance: bigint; nonce: bigint; pendingNonce: bigint }> {
    const a = await this.call('account_get', [this.addressText]) as { balance?: unknown; nonce?: unknown; pendingNonce?: unknown };
    return { balance: big(a.balance), nonce: big(a.nonce), pendingNonce: big(a.pendingNonce) };
  }

  async balance(): Promise<bigint> {
    return (await this.account()).balance;
  }

  async send(payload: TxPayload): Promise<SentTx> {
    if (!this.chainId) await this.status();
    for (let attempt = 1; ; attempt++) {
      const { pendingNonce: nonce } = await this.account();
      const raw = encodeTx(signTx({ chainId: this.chainId, nonce, fee: this.o.fee, payload }, this.o.seed));
      const tx: SentTx = { hash: '0x' + bytesToHex(sha256(raw)), nonce, kind: payload.kind, fee: this.o.fee, bytes: raw.length };
      try {
        await this.call('tx_submit', ['0x' + bytesToHex(raw)]);
        return tx;
      } catch (e) {
        const code = e instanceof RpcClientError ? (e.data as { code?: string } | undefined)?.code : undefined;
        if (code === 'MEMPOOL_DUPLICATE') return tx;
        if ((code === 'TX_NONCE_STALE' || code === 'TX_NONCE_FUTURE' || code === 'MEMPOOL_UNDERPRICED') && attempt < 5) {
          this.o.log.info({ kind: payload.kind, nonce: String(nonce), code }, 'watch: nonce moved under us; retrying with a fresh one');
          await sleep(100 * attempt, this.o.signal);
          continue;
        }
        if (e instanceof RpcClientError && e.code === TX_REJECTED) {
          throw new WatchError('WATCH_TX_FAILED', `${payload.kind} rejected: ${code ?? 'TX_REJECTED'}: ${e.message}`);
        }
        throw e;
      }
    }
  }

  async txState(tx: SentTx): Promise<TxState> {
    const receipt = async () => {
      const r = await this.call('tx_getReceipt', [tx.hash]) as { height?: unknown } | null;
      return r ? { state: 'included' as const, height: big(r.height) } : null;
    };
    const r = await receipt();
    if (r) return r;
    const a = await this.account();
    // a committed nonce beyond ours without our receipt: another tx took it (or ours landed between the calls)
    if (a.nonce > tx.nonce) return (await receipt()) ?? { state: 'dropped' };
    return a.pendingNonce > tx.nonce ? { state: 'pending' } : { state: 'dropped' };
  }

  async close(): Promise<void> {
    await this.rpc.close();
  }
}
