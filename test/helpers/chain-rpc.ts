// A JSON-RPC endpoint over a TestChain, for clients that must be tested through their real RPC code
// (polchain job dispute, polchain watch) while the chain runs in the test's process: the methods a
// watchtower uses (node_status, account_get, tx_submit, tx_getReceipt, job_list, job_get), and a
// block whenever there is something to include: the submitted transactions plus whatever `extra`
// adds (a solver's moves). No empty blocks, so no window runs out while a client replays.
// job_get carries `disputes` in the shape of node/rpc-methods' dispute summaries (names for tags,
// 0x-hex bytes, decimal strings for u64s, bech32 addresses, samples as counts), job_getDispute the
// sample indices.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  batchNeeded, DISPUTE_KIND_NAMES, DISPUTE_STAGE_NAMES, DisputeKind, DisputeStage, JOB_STATUS_NAMES, JobStatus, verifyTxBytes, type Dispute, type Job,
} from '../../vm/index.ts';
import { bytesToHex, encodeAddress, decodeAddress, errorMessage } from '../../primitives/index.ts';
import { CHAIN_ID, PARAMS, type TestChain } from './job-test-chain.ts';

const hx = (b: Uint8Array) => `0x${bytesToHex(b)}`;
const WINNER = [null, 'solver', 'other'];

const located = (d: Dispute) => !d.solverNext.every((b) => b === 0);

/** One dispute as job_get summarises it: progress as counts, null for what does not exist yet. */
function disputeSummary(j: Job, d: Dispute, index: number) {
  const resolved = d.stage === DisputeStage.Resolved;
  return {
    index, kind: DISPUTE_KIND_NAMES[d.kind], by: encodeAddress(d.by), member: d.member ? encodeAddress(d.member) : null,
    segment: d.kind === DisputeKind.Solver ? d.segment : null, bond: String(d.bond), stage: DISPUTE_STAGE_NAMES[d.stage],
    deadline: resolved ? null : String(d.deadline), step: located(d) ? d.step : null, winner: WINNER[d.winner], reason: d.reason || null,
    refereeHash: d.refereeHash.length ? hx(d.refereeHash) : null, openHeight: String(d.openHeight), endHeight: d.endHeight ? String(d.endHeight) : null,
    supplies: d.supplies.map((s) => ({ party: encodeAddress(s.party), total: s.total, received: s.bytes.length })),
    samples: { received: d.samples.length, needed: located(d) && d.step >= 0 ? batchNeeded(j, d.step).length : null },
  };
}

export function jobJson(j: Job) {
  const t = j.terms;
  const c = j.commitment;
  return {
    id: hx(j.id), status: JOB_STATUS_NAMES[j.status], outcome: j.outcome || null, verdict: j.verdict, windowEnd: String(j.windowEnd), deadline: String(j.deadline),
    terms: {
      specJson: new TextDecoder().decode(t.spec), runtime: t.runtime, datasetRoot: hx(t.datasetRoot), datasetSize: t.datasetSize, solverStake: String(t.solverStake),
      parent: t.parent ? hx(t.parent) : null, dispute: { window: t.dispute.window, move: t.dispute.move, bond: String(t.dispute.bond), demandFee: String(t.dispute.demandFee) },
    },
    solver: j.solver ? encodeAddress(j.solver) : null, daPeer: j.daPeer, daAddrs: j.daAddrs, seed: j.seed ? hx(j.seed) : null,
    commitment: c ? { traceRoot: hx(c.traceRoot), checkpointsRoot: hx(c.checkpointsRoot), finalChunkRoot: hx(c.finalChunkRoot), finalStepHash: hx(c.finalStepHash), height: String(c.height) } : null,
    segments: j.segments, disputes: j.disputes.map((d, i) => disputeSummary(j, d, i)),
  };
}

export interface ChainRpc {
  url: string;
  /** transactions the chain refused, as `CODE: message` (a test asserts none) */
  refused: string[];
  /** hashes of every transaction submitted over RPC */
  submitted: string[];
  close(): Promise<void>;
}

/** Serves `c` over HTTP; every `blockMs`, a block with the queued transactions and `extra()`'s, if there are any. */
export async function serveChain(c: TestChain, o: { blockMs: number; extra?: () => Promise<Uint8Array[]> }): Promise<ChainRpc> {
  const queue: { raw: Uint8Array; sender: string; hash: string }[] = [];
  const included = new Map<string, bigint>();
  const refused: string[] = [];
  const submitted: string[] = [];
  const call = (method: string, p: unknown[] | Record<string, unknown>): unknown => {
    const a = Array.isArray(p) ? p : [];
    switch (method) {
      case 'node_status': return { chainId: CHAIN_ID, height: String(c.height), params: { maxTxBytes: PARAMS.maxTxBytes } };
      case 'account_get': {
        const addr = decodeAddress(a[0] as string);
        const acct = c.state.getAccount(addr);
        const nonce = acct?.nonce ?? 0n;
        const queued = queue.filter((q) => q.sender === bytesToHex(addr)).length;
        return { balance: String(acct?.balance ?? 0n), nonce: String(nonce), pendingNonce: String(nonce + BigInt(queued)) };
      }
      case 'tx_submit': {
        const raw = Uint8Array.from(Buffer.from((a[0] as string).slice(2), 'hex'));
        const v = verifyTxBytes(raw, CHAIN_ID, PARAMS.maxTxBytes);
        queue.push({ raw, sender: bytesToHex(v.sender), hash: hx(v.hash) });
        submitted.push(hx(v.hash));
        return { hash: hx(v.hash) };
      }
      case 'tx_getReceipt': {
        const h = included.get(a[0] as string);
        return h === undefined ? null : { txHash: a[0], height: String(h), fee: '1' };
      }
      case 'job_list': {
        const want = (p as { status?: string }).status;
        const jobs = c.state.activeJobs.map((id) => c.state.getJob(id)!).filter((j) => !want || JOB_STATUS_NAMES[j.status] === want);
        return { jobs: jobs.map((j) => ({ id: hx(j.id), status: JOB_STATUS_NAMES[j.status] })), nextCursor: null };
      }
      case 'job_get': {
        const j = c.state.getJob(Uint8Array.from(Buffer.from((a[0] as string).slice(2), 'hex')));
        if (!j) throw { code: -32001, message: 'job not found' };
        return { ...jobJson(j), height: String(c.height) };
      }
      case 'job_getDispute': {
        const j = c.state.getJob(Uint8Array.from(Buffer.from((a[0] as string).slice(2), 'hex')));
        const d = j?.disputes[a[1] as number];
        if (!j || !d) throw { code: -32001, message: 'dispute not found' };
        return { ...disputeSummary(j, d, a[1] as number), jobId: a[0], sampleIndices: d.samples.map((x) => x.index), height: String(c.height) };
      }
      default: throw { code: -32601, message: `method ${method} not served here` };
    }
  };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
    let answer: object;
    try {
      answer = { jsonrpc: '2.0', id, result: call(method, params) };
    } catch (e) {
      answer = { jsonrpc: '2.0', id, error: e instanceof Error ? { code: -32603, message: e.message } : e };
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        const more = await (o.extra?.() ?? []);
        if (!queue.length && !more.length) return;
        const mine = queue.splice(0);
        const b = c.block([...mine.map((q) => q.raw), ...more]);
        for (const h of b.txHashes) included.set(hx(h), c.height);
      } catch (e) {
        refused.push(errorMessage(e));
      } finally {
        busy = false;
      }
    })();
  }, o.blockMs);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, refused, submitted,
    async close() {
      clearInterval(timer);
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Whether the job is still in its dispute window. */
export const provisional = (c: TestChain, id: Uint8Array) => c.job(id).status === JobStatus.Provisional;
