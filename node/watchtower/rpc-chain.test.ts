// The watchtower's JSON-RPC chain against a scripted node (node:http): transactions signed with the
// pending nonce, a stale nonce retried, a rejection typed, transport failures retried with backoff,
// provisional jobs read across pages, and a sent transaction followed to included or dropped.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { verifyTxBytes } from '../../vm/index.ts';
import { RpcWatchChain, WatchError } from './index.ts';
import { bytesToHex, encodeAddress, sha256, utf8 } from '../../primitives/index.ts';

type Handler = (method: string, params: unknown) => unknown;

/** A JSON-RPC server whose answers `handle` decides; a thrown {code, message, data} is an error response; 'HANG' drops the socket. */
async function node(t: TestContext, handle: Handler): Promise<string> {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const c of req) body += c;
    const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown };
    let answer: object;
    try {
      const result = handle(method, params);
      if (result === 'HANG') return void req.socket.destroy();
      answer = { jsonrpc: '2.0', id, result };
    } catch (e) {
      answer = { jsonrpc: '2.0', id, error: e };
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const SEED = sha256(utf8('watch rpc test key'));
const chainOf = (url: string, ac = new AbortController()) => new RpcWatchChain({ rpcUrl: url, seed: SEED, log: pino({ level: 'silent' }), signal: ac.signal, fee: 3n, attempts: 4 });

test('a dispute-open is signed with the pending nonce; a stale nonce is retried with a fresh one; a rejection is WATCH_TX_FAILED', async (t) => {
  let pending = 5;
  const submitted: Uint8Array[] = [];
  let stale = 1;
  let reject = false;
  const url = await node(t, (m, p) => {
    if (m === 'node_status') return { chainId: 'polchain-test', height: '10', params: { maxTxBytes: 4096 } };
    if (m === 'account_get') return { balance: '900', nonce: '5', pendingNonce: String(pending) };
    if (m === 'tx_submit') {
      const raw = Uint8Array.from(Buffer.from((p as string[])[0]!.slice(2), 'hex'));
      if (reject) throw { code: -32002, message: 'bad', data: { code: 'JOB_DEADLINE_PASSED' } };
      if (stale-- > 0) {
        pending++; // someone else's transaction took the nonce
        throw { code: -32002, message: 'stale', data: { code: 'TX_NONCE_STALE' } };
      }
      submitted.push(raw);
      return { hash: '0x' + bytesToHex(sha256(raw)) };
    }
    throw { code: -32601, message: `no ${m}` };
  });
  const c = chainOf(url);
  t.after(() => c.close());
  const st = await c.status();
  assert.deepEqual(st, { chainId: 'polchain-test', height: 10n, maxTxBytes: 4096 });
  const payload = { kind: 'dispute-open' as const, jobId: new Uint8Array(32).fill(7), target: 'solver' as const, segment: 2, member: null, hashes: [new Uint8Array(32).fill(1)] };
  const tx = await c.send(payload);
  assert.equal(submitted.length, 1);
  const vtx = verifyTxBytes(submitted[0]!, 'polchain-test', 4096); // signed by our key for this chain
  assert.equal(vtx.tx.body.nonce, 6n, 'the fresh pending nonce after the stale one');
  assert.equal(vtx.tx.body.fee, 3n);
  assert.deepEqual(vtx.tx.body.payload, payload);
  assert.deepEqual(vtx.sender, c.address);
  assert.equal(tx.hash, '0x' + bytesToHex(sha256(submitted[0]!)));
  assert.deepEqual([tx.nonce, tx.fee, tx.kind], [6n, 3n, 'dispute-open']);
  reject = true;
  await assert.rejects(c.send(payload), (e: unknown) => e instanceof WatchError && e.code === 'WATCH_TX_FAILED' && /dispute-open rejected: JOB_DEADLINE_PASSED/.test(e.message));
});

test('transport failures are retried with backoff, then thrown; provisional jobs come across pages', async (t) => {
  let hangs = 2;
  const pages: Record<string, { jobs: Array<{ id: string }>; nextCursor: string | null }> = {
    '': { jobs: [{ id: `0x${'01'.repeat(32)}` }], nextCursor: `0x${'01'.repeat(32)}` },
    [`0x${'01'.repeat(32)}`]: { jobs: [{ id: `0x${'02'.repeat(32)}` }], nextCursor: null },
  };
  const seen: unknown[] = [];
  const url = await node(t, (m, p) => {
    if (m === 'job_list') {
      seen.push(p);
      if (hangs-- > 0) return 'HANG';
      return pages[(p as { cursor?: string }).cursor ?? '']!;
    }
    throw { code: -32601, message: `no ${m}` };
  });
  const c = chainOf(url);
  t.after(() => c.close());
  const ids = await c.provisionalJobs();
  assert.deepEqual(ids.map((b) => bytesToHex(b)), ['01'.repeat(32), '02'.repeat(32)]);
  assert.deepEqual(seen[0], { status: 'provisional', limit: 100 });
  assert.equal(seen.length, 4, 'two dropped connections retried, then two pages');
  hangs = 10;
  await assert.rejects(c.provisionalJobs(), /cannot reach|socket|closed|ECONNRESET|hang up/i);
});

test('job() reads the sample indices of a dispute in the referee stage from job_getDispute when job_get gives counts', async (t) => {
  const { canonicalSpecJson } = await import('../../ml-runtime/index.ts');
  const { SPEC } = await import('../../test/helpers/job-work.ts');
  const hx = (b: number) => `0x${'00'.repeat(31)}${b.toString(16).padStart(2, '0')}`;
  const asked: unknown[] = [];
  const dispute = (index: number, stage: string, received: number) => ({
    index, kind: 'solver', by: encodeAddress(new Uint8Array(20).fill(1)), segment: 2, bond: '700', stage, deadline: '60', step: stage === 'respond' ? null : 7,
    winner: null, reason: null, openHeight: '50', endHeight: null, supplies: [], samples: { received, needed: 30 },
  });
  const url = await node(t, (m, p) => {
    if (m === 'job_get') {
      return {
        id: hx(9), status: 'provisional', verdict: 'paid', windowEnd: '70', deadline: '70',
        terms: { specJson: canonicalSpecJson(SPEC), runtime: 'det-1', datasetRoot: hx(2), datasetSize: 256, solverStake: '5000', parent: null, dispute: { bond: '700' } },
        solver: null, daPeer: 'p', daAddrs: [], seed: hx(3), commitment: null, segments: [0],
        disputes: [dispute(0, 'referee', 2), dispute(1, 'respond', 0), dispute(2, 'referee', 0)],
      };
    }
    if (m === 'job_getDispute') {
      asked.push(p);
      return { sampleIndices: [11, 4] };
    }
    throw { code: -32601, message: `no ${m}` };
  });
  const c = chainOf(url);
  t.after(() => c.close());
  const j = (await c.job(new Uint8Array(32).fill(9)))!;
  assert.deepEqual(asked, [[`0x${'09'.repeat(32)}`, 0]], 'only the referee-stage dispute with samples on chain is looked up');
  assert.deepEqual(j.disputes.map((d) => d.samples), [[4, 11], [], []]);
  assert.ok(j.disputes.every((d) => d.samplesUnknown === undefined));
});

test('a sent transaction is included (with its height), pending while in the mempool, dropped when its nonce comes back', async (t) => {
  let receipt: object | null = null;
  let account = { balance: '1', nonce: '4', pendingNonce: '5' };
  const url = await node(t, (m) => {
    if (m === 'tx_getReceipt') return receipt;
    if (m === 'account_get') return account;
    if (m === 'job_get') throw { code: -32001, message: 'no such job' };
    throw { code: -32601, message: `no ${m}` };
  });
  const c = chainOf(url);
  t.after(() => c.close());
  const tx = { hash: `0x${'aa'.repeat(32)}`, nonce: 4n, kind: 'state-supply' as const, fee: 1n, bytes: 100 };
  assert.deepEqual(await c.txState(tx), { state: 'pending' });
  account = { balance: '1', nonce: '4', pendingNonce: '4' };
  assert.deepEqual(await c.txState(tx), { state: 'dropped' }, 'the mempool dropped it: its nonce is free again');
  account = { balance: '1', nonce: '5', pendingNonce: '5' };
  assert.deepEqual(await c.txState(tx), { state: 'dropped' }, 'another transaction took the nonce');
  receipt = { height: '12', fee: '1' };
  assert.deepEqual(await c.txState(tx), { state: 'included', height: 12n });
  assert.equal(await c.balance(), 1n);
  assert.equal(await c.job(new Uint8Array(32)), null, 'an unknown job is null');
});
