// npm run bench:rpc — the JSON-RPC server under load on loopback, every server in its own process:
//  1. framework overhead: an `add` method on the rpc server vs the same addition on a bare fastify route;
//  2. submit throughput: pre-signed transfers from many dev accounts over tx_submit to a real solo node
//     (real LevelDB in a temp dir, producing blocks), vs a bare fastify route doing the same stateless
//     work (parse JSON, decode hex, decode + ed25519-verify the transaction; bench/rpc-serve.ts);
//  3. WebSocket fan-out: the node's block rate with 0 and with 1,000 newHeads subscribers, the share of
//     heads every subscriber got, and the commit-to-receipt latency.
// Last line: one JSON object. Knobs (env): BENCH_RPC_SECS (phase 1, default 2), BENCH_RPC_CONC (50),
// BENCH_RPC_ACCOUNTS (64), BENCH_RPC_PER_ACCOUNT (200), BENCH_RPC_WARMUP_PER_ACCOUNT (32, to both servers), BENCH_WS_SUBSCRIBERS (1000),
// BENCH_RPC_ROUNDS (4), BENCH_WS_BLOCK_MS (100), BENCH_WS_SECS (10), BENCH_CHILD_PROF=DIR (--cpu-prof the servers into DIR).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient, type UntypedApi } from '../rpc/index.ts';
import { serve, benchGenesis } from './rpc-serve.ts';
import { HeadSubscribers, keepAliveAgent, now, pct, post, rate, say, signedTransfers, sleep, startChild, submitAll, type Child } from './rpc-load.ts';

const env = (k: string, d: number) => Number(process.env[k] ?? d);

if (process.argv[2] === '--serve') {
  await serve(process.argv[3]!, process.argv.slice(4));
} else {
  const secs = env('BENCH_RPC_SECS', 2);
  const conc = env('BENCH_RPC_CONC', 50);
  const accounts = env('BENCH_RPC_ACCOUNTS', 64);
  const perAccount = env('BENCH_RPC_PER_ACCOUNT', 200);
  const subscribers = env('BENCH_WS_SUBSCRIBERS', 1000);
  const blockMs = env('BENCH_WS_BLOCK_MS', 100);
  const wsSecs = env('BENCH_WS_SECS', 10);
  const out: Record<string, number> = {};
  const children: Child[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'polchain-bench-rpc-'));
  try {
    // 1. framework overhead on a trivial method
    const addBody = JSON.stringify({ jsonrpc: '2.0', method: 'add', params: [1, 2], id: 1 });
    for (const kind of ['bare-add', 'rpc-add']) {
      const c = await startChild(kind);
      const url = `http://127.0.0.1:${c.info.port}/`;
      const agent = keepAliveAgent(conc);
      await rate(() => post(agent, url, addBody), conc, 1); // warm-up
      out[`${kind.replace('-', '_')}_rps`] = await rate(() => post(agent, url, addBody), conc, secs);
      if (kind === 'rpc-add') {
        const rc = new RpcClient<UntypedApi>(url);
        out.rpc_client_call_rps = await rate(() => rc.call('add', [1, 2]), conc, secs);
        const calls = Array.from({ length: 100 }, (_, i) => ({ method: 'add', params: [i, 1] }));
        out.rpc_client_batch100_calls_per_s = await rate(() => rc.batch(calls), 4, secs, 100);
        await rc.close();
      }
      agent.destroy();
      await c.stop();
    }
    say(`add: bare fastify ${out.bare_add_rps} req/s, rpc server ${out.rpc_add_rps} req/s`);

    // 2. submit throughput: the same pre-signed bodies to the baseline, then to the node
    const { chainId } = benchGenesis(accounts);
    // The warm-up round (not timed) goes to both servers alike: a fresh process runs its first
    // thousand-odd submits in the interpreter and baseline JIT, the node's longer path longer so,
    // which made round 1 the slowest and the ratio a measure of warm-up. 32 per account (2,048 with
    // 64 accounts) leaves both optimised; BENCH_RPC_WARMUP_PER_ACCOUNT=10 is the old 640.
    const warmRounds = env('BENCH_RPC_WARMUP_PER_ACCOUNT', 32);
    say(`signing ${accounts * (perAccount + warmRounds)} transfers from ${accounts} dev accounts...`);
    const bodies = signedTransfers(chainId, accounts, perAccount + warmRounds);
    const warm = bodies.slice(0, accounts * warmRounds);
    const timed = bodies.slice(accounts * warmRounds);
    // Rounds alternate between the two servers so that both see the same machine (the load of other
    // processes on a shared box moves a lot); the node is stopped (SIGSTOP) while the baseline runs,
    // or its block production would take CPU from the baseline.
    const base = await startChild('bare-submit', [String(accounts)]);
    const node = await startChild('node', [join(dir, 'node'), String(accounts), String(blockMs)]);
    children.push(base, node);
    const baseUrl = `http://127.0.0.1:${base.info.port}/`;
    const commits: Array<{ height: number; at: number; hookMs: number; txs: number }> = [];
    node.onMessage((m) => { if (typeof m.height === 'number') commits.push(m); });
    const committedTxs = () => commits.reduce((s, c) => s + c.txs, 0);
    const rounds = env('BENCH_RPC_ROUNDS', 4);
    const roundSize = Math.ceil(timed.length / rounds);
    let baseMs = 0, nodeMs = 0, baseCpu = 0, nodeCpu = 0;
    for (const [r, chunk] of [warm, ...Array.from({ length: rounds }, (_, i) => timed.slice(i * roundSize, (i + 1) * roundSize))].entries()) {
      node.child.kill('SIGSTOP');
      const b0 = await base.cpuUs();
      const b = await submitAll(baseUrl, chunk, conc);
      const b1 = await base.cpuUs();
      node.child.kill('SIGCONT');
      if (b.errors.length) throw new Error(`baseline refused ${b.errors.length}: ${b.errors[0]}`);
      const n0 = await node.cpuUs();
      const n = await submitAll(node.info.url, chunk, conc);
      const n1 = await node.cpuUs();
      if (n.errors.length) throw new Error(`node refused ${n.errors.length}: ${n.errors[0]}`);
      if (r === 0) continue; // warm-up
      baseMs += b.ms;
      nodeMs += n.ms;
      baseCpu += b1 - b0;
      nodeCpu += n1 - n0;
      say(`  round ${r}/${rounds}: bare fastify ${b.tps} submits/s, node ${n.tps} submits/s`);
    }
    await base.stop();
    const submittedAt = now();
    while (committedTxs() < bodies.length) await sleep(20);
    const commitLag = now() - submittedAt;
    out.fastify_baseline_tps = Math.round(timed.length / (baseMs / 1000));
    out.rpc_submit_tps = Math.round(timed.length / (nodeMs / 1000));
    out.rpc_ratio = Number((out.rpc_submit_tps / out.fastify_baseline_tps).toFixed(3));
    // server CPU per submit (the node's includes the blocks it produced meanwhile)
    out.fastify_baseline_cpu_us_per_submit = Math.round(baseCpu / timed.length);
    out.rpc_cpu_us_per_submit = Math.round(nodeCpu / timed.length);
    out.rpc_cpu_ratio = Number((baseCpu / nodeCpu).toFixed(3));
    say(`${timed.length} transfers in ${rounds} rounds, ${conc} keep-alive connections: bare fastify submit route ${out.fastify_baseline_tps} submits/s, node tx_submit ${out.rpc_submit_tps} submits/s; ` +
      `all committed ${commitLag.toFixed(0)} ms after the last reply; server CPU per submit: bare ${out.fastify_baseline_cpu_us_per_submit} µs, node ${out.rpc_cpu_us_per_submit} µs`);

    // 3. WebSocket fan-out of newHeads
    const rateIn = (t0: number, t1: number) => commits.filter((c) => c.at >= t0 && c.at < t1).length / ((t1 - t0) / 1000);
    await sleep(1000);
    let t0 = now();
    say(`block rate with no subscribers: ${wsSecs} s...`);
    await sleep(wsSecs * 1000);
    const rate0 = rateIn(t0, now());
    say(`opening ${subscribers} WebSocket subscribers...`);
    const subs = await HeadSubscribers.open(node.info.wsUrl, subscribers);
    await sleep(1000);
    t0 = now();
    say(`block rate with ${subscribers} subscribers: ${wsSecs} s...`);
    await sleep(wsSecs * 1000);
    const t1 = now();
    const rate1 = rateIn(t0, t1);
    await sleep(1500); // stragglers of the window's last heads
    const window = commits.filter((c) => c.at >= t0 && c.at < t1);
    const latencies: number[] = [];
    let delivered = 0;
    for (const c of window) {
      const got = subs.receipts.get(c.height) ?? [];
      delivered += got.length;
      for (const at of got) latencies.push(at - c.at);
    }
    const closedEarly = subs.closedEarly;
    await subs.close();
    Object.assign(out, {
      ws_subscribers: subscribers, ws_block_interval_ms: blockMs, block_rate_without: Number(rate0.toFixed(2)), block_rate_with: Number(rate1.toFixed(2)),
      block_rate_ratio: Number((rate1 / rate0).toFixed(3)), ws_heads: window.length,
      ws_heads_delivered_ratio: Number((delivered / (window.length * subscribers)).toFixed(4)), ws_closed_by_server: closedEarly,
      ws_latency_ms_p50: Number(pct(latencies, 50).toFixed(2)), ws_latency_ms_p99: Number(pct(latencies, 99).toFixed(2)),
      ws_commit_hook_ms_p50: Number(pct(window.map((c) => c.hookMs), 50).toFixed(2)), ws_commit_hook_ms_p99: Number(pct(window.map((c) => c.hookMs), 99).toFixed(2)),
    });

    console.log(`add method:    bare fastify ${out.bare_add_rps} req/s, rpc server ${out.rpc_add_rps} req/s (ratio ${(out.rpc_add_rps! / out.bare_add_rps!).toFixed(2)}); ` +
      `RpcClient.call ${out.rpc_client_call_rps} req/s, RpcClient.batch(100) ${out.rpc_client_batch100_calls_per_s} calls/s`);
    console.log(`tx_submit:     node ${out.rpc_submit_tps} submits/s vs bare fastify submit route ${out.fastify_baseline_tps} submits/s: ratio ${out.rpc_ratio} (goal >= 0.7); ` +
      `server CPU per submit ${out.rpc_cpu_us_per_submit} µs vs ${out.fastify_baseline_cpu_us_per_submit} µs (ratio ${out.rpc_cpu_ratio})`);
    console.log(`newHeads:      ${subscribers} subscribers, ${window.length} heads: ${(out.ws_heads_delivered_ratio! * 100).toFixed(2)}% delivered to every subscriber, ` +
      `${closedEarly} closed by the server; block rate ${rate0.toFixed(2)}/s without, ${rate1.toFixed(2)}/s with (ratio ${out.block_rate_ratio}); ` +
      `commit-to-receipt p50 ${out.ws_latency_ms_p50} ms, p99 ${out.ws_latency_ms_p99} ms; the commit hook's time p50 ${out.ws_commit_hook_ms_p50} ms, p99 ${out.ws_commit_hook_ms_p99} ms`);
    console.log(JSON.stringify({ bench: 'rpc', ...out }));
  } finally {
    for (const c of children) await c.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
