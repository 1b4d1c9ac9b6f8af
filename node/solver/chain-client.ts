// The solver's side of JSON-RPC: calls with retry and backoff on transport-level failures, job
// reads parsed into views, and transaction submission with nonces from account_get pendingNonce.
import type { Logger } from 'pino';
import { encodeTx, signTx, type TxPayload } from '../../vm/index.ts';
import {
  RpcClient, RpcClientError, isRetryableRpcError, NOT_FOUND, TX_REJECTED,
  type RpcCallName, type RpcCallParams, type RpcCallResult, type RpcNamedParams,
} from '../../rpc/index.ts';
import { SolverError } from './errors.ts';
import { sleepUnlessAborted } from '../util/index.ts';
import { bigintLoose, hexToBytesLoose, parseJobSummary, parseJobView, type JobStatusName, type JobSummaryView, type JobView } from './job-view.ts';
import { bytesToHex, encodeAddress, sha256, addressFromPublicKey, publicKeyFromSeed, errorMessage } from '../../primitives/index.ts';

export interface RetryOptions {
  /** attempts before giving up (default 8; Infinity retries until aborted) */
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
}

/** Errors worth retrying (rpc isRetryableRpcError). */
export const isRetryable = isRetryableRpcError;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepUnlessAborted(ms, signal, () => new SolverError('SOLVER_STOPPED', 'stopped'));
}

export interface NodeStatusView {
  chainId: string;
  height: bigint;
  /** when the node reports it (params.maxTxBytes); otherwise null */
  maxTxBytes: number | null;
}

export interface AccountView {
  balance: bigint;
  nonce: bigint;
  pendingNonce: bigint;
}

export interface SentTx {
  hash: string; // 0x-hex
  nonce: bigint;
  fee: bigint;
  bytes: number;
}

function int32(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new SolverError('SOLVER_BAD_JOB', `job_getDispute ${where}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/** The code inside a TX_REJECTED error's data (e.g. TX_NONCE_STALE), if any. */
export function rejectionCode(e: unknown): string | undefined {
  if (e instanceof RpcClientError) return (e.data as { code?: string } | undefined)?.code;
  return undefined;
}

export class ChainClient {
  readonly rpc: RpcClient;
  readonly address: Uint8Array;
  readonly addressText: string;
  chainId = '';

  constructor(
    rpcUrl: string,
    private readonly seed: Uint8Array,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
    private readonly retry: RetryOptions = {},
  ) {
    this.rpc = new RpcClient(rpcUrl, { timeoutMs: 15_000 });
    this.address = addressFromPublicKey(publicKeyFromSeed(seed));
    this.addressText = encodeAddress(this.address);
  }

  /** Calls a method, retrying retryable failures with exponential backoff (capped) until attempts run out. */
  async call<M extends RpcCallName>(method: M, params: RpcCallParams<M>, retry: RetryOptions = {}): Promise<RpcCallResult<M>> {
    const attempts = retry.attempts ?? this.retry.attempts ?? 8;
    const base = retry.baseMs ?? this.retry.baseMs ?? 200;
    const max = retry.maxMs ?? this.retry.maxMs ?? 5_000;
    for (let i = 1; ; i++) {
      if (this.signal.aborted) throw new SolverError('SOLVER_STOPPED', 'stopped');
      try {
        return await this.rpc.call(method, params);
      } catch (e) {
        if (!isRetryable(e) || i >= attempts) throw e;
        const ms = Math.min(max, base * 2 ** Math.min(i - 1, 16));
        this.log.warn({ method, attempt: i, retryInMs: ms, err: errorMessage(e) }, 'rpc call failed; retrying');
        await sleep(ms, this.signal);
      }
    }
  }

  async status(retry?: RetryOptions): Promise<NodeStatusView> {
    const s = await this.call('node_status', [], retry);
    if (typeof s.chainId !== 'string') throw new SolverError('SOLVER_BAD_JOB', 'node_status has no chainId');
    this.chainId = s.chainId;
    const m: unknown = s.params?.maxTxBytes;
    return { chainId: s.chainId, height: bigintLoose(s.height ?? 0, 'node_status.height'), maxTxBytes: typeof m === 'number' && m > 0 ? m : null };
  }

  /**
   * The mean interval between the last `span` blocks (ms), from their header timestamps; null while the
   * chain has fewer than two blocks or the timestamps do not advance.
   */
  async blockIntervalMs(span = 20): Promise<number | null> {
    const s = await this.call('node_status', []);
    const height = bigintLoose(s.height ?? 0, 'node_status.height');
    const back = height > BigInt(span) ? BigInt(span) : height - 1n;
    if (back < 1n) return null;
    const old = await this.call('chain_getBlock', [Number(height - back)]);
    const ms = Number(bigintLoose(s.latestTimestampMs, 'latestTimestampMs') - bigintLoose(old.timestampMs, 'timestampMs')) / Number(back);
    return ms > 0 ? ms : null;
  }

  async height(): Promise<bigint> {
    return (await this.status()).height;
  }

  async account(): Promise<AccountView> {
    const a = await this.call('account_get', [this.addressText]);
    return { balance: bigintLoose(a.balance, 'balance'), nonce: bigintLoose(a.nonce, 'nonce'), pendingNonce: bigintLoose(a.pendingNonce, 'pendingNonce') };
  }

  /** The job, or null when the node does not know it. */
  async job(idHex: string, retry?: RetryOptions): Promise<JobView | null> {
    try {
      return parseJobView(await this.call('job_get', ['0x' + idHex], retry));
    } catch (e) {
      if (e instanceof RpcClientError && e.code === NOT_FOUND) return null;
      throw e;
    }
  }

  /** job_getTrace: which required reveal ranges are already on chain (by `from`). */
  async revealedFroms(idHex: string): Promise<Set<number>> {
    const t = await this.call('job_getTrace', ['0x' + idHex]);
    const out = new Set<number>();
    for (const r of t.reveals ?? []) out.add(Number(r.from));
    for (const r of t.requiredReveals ?? []) if (r.revealed) out.add(Number(r.from));
    return out;
  }

  /** job_getAttestations: each committee member's posted digest (null when it posted none). */
  async attestations(idHex: string): Promise<Array<{ address: string; digest: Uint8Array | null; unavailable: boolean }>> {
    const r = await this.call('job_getAttestations', ['0x' + idHex]);
    return (r.members ?? []).map((m, i) => ({
      address: m.address,
      digest: m.digest ? hexToBytesLoose(m.digest, `members[${i}].digest`, 32) : null,
      unavailable: m.unavailable === true,
    }));
  }

  /** job_getDispute: the indices of the disputed step's batch samples already on chain. */
  async disputeSamples(idHex: string, index: number): Promise<number[]> {
    const r = await this.call('job_getDispute', ['0x' + idHex, index]);
    return r.sampleIndices.map((x, i) => int32(x, `sampleIndices[${i}]`));
  }

  /** Every job in `status` (all pages), optionally only those solved by `solver`. */
  async jobs(status: JobStatusName, solver?: string): Promise<JobSummaryView[]> {
    const out: JobSummaryView[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 1000; page++) {
      const params: RpcNamedParams<'job_list'> = { status, limit: 100 };
      if (solver) params.solver = solver;
      if (cursor) params.cursor = cursor;
      const r = await this.call('job_list', params);
      for (const j of r.jobs ?? []) out.push(parseJobSummary(j));
      cursor = r.nextCursor ?? null;
      if (!cursor) break;
    }
    return out;
  }

  async receipt(hash: string): Promise<{ fee: bigint; height: bigint } | null> {
    const r = await this.call('tx_getReceipt', [hash]);
    return r ? { fee: bigintLoose(r.fee ?? 0, 'receipt.fee'), height: bigintLoose(r.height ?? 0, 'receipt.height') } : null;
  }

  /** Signs `payload` with the next pending nonce and submits it. A stale nonce is retried with a fresh one. */
  async send(payload: TxPayload, fee: bigint, maxTxBytes: number): Promise<SentTx> {
    for (let attempt = 1; ; attempt++) {
      const { pendingNonce: nonce } = await this.account();
      const raw = encodeTx(signTx({ chainId: this.chainId, nonce, fee, payload }, this.seed));
      if (raw.length > maxTxBytes) throw new SolverError('SOLVER_TX_TOO_LARGE', `${payload.kind} transaction is ${raw.length} bytes; the limit is ${maxTxBytes}`);
      const hash = '0x' + bytesToHex(sha256(raw));
      try {
        await this.call('tx_submit', ['0x' + bytesToHex(raw)]);
        return { hash, nonce, fee, bytes: raw.length };
      } catch (e) {
        const code = rejectionCode(e);
        if (code === 'MEMPOOL_DUPLICATE') return { hash, nonce, fee, bytes: raw.length };
        if ((code === 'TX_NONCE_STALE' || code === 'TX_NONCE_FUTURE' || code === 'MEMPOOL_UNDERPRICED') && attempt < 5) {
          this.log.info({ kind: payload.kind, nonce: String(nonce), code }, 'nonce moved under us; retrying with a fresh one');
          await sleep(100 * attempt, this.signal);
          continue;
        }
        if (e instanceof RpcClientError && e.code === TX_REJECTED) {
          throw new SolverError('SOLVER_TX_FAILED', `${payload.kind} rejected: ${code ?? 'TX_REJECTED'}: ${e.message}`);
        }
        throw e;
      }
    }
  }

  /** Whether a sent transaction is still waiting: no receipt yet and its nonce still pending. */
  async txState(tx: SentTx): Promise<'included' | 'pending' | 'dropped'> {
    if (await this.receipt(tx.hash)) return 'included';
    const a = await this.account();
    // committed nonce beyond ours without our receipt: another tx took the nonce (or ours got in
    // between the two calls: look once more)
    if (a.nonce > tx.nonce) return (await this.receipt(tx.hash)) ? 'included' : 'dropped';
    return a.pendingNonce > tx.nonce ? 'pending' : 'dropped';
  }

  async close(): Promise<void> {
    await this.rpc.close();
  }
}
