// npm run bench:consensus — a 4-validator devnet (separate processes, BFT over libp2p on 127.0.0.1):
// block interval, submit-to-commit latency and the highest sustained transfer rate, with
// node:crypto ed25519 verifications/s from the same run as the baseline ceiling.
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeVerifications } from './ed25519-baseline.ts';
import { encodeTx, signTx } from '../vm/index.ts';
import { devAccountSeed } from '../genesis/index.ts';
import { RpcClient, type BatchCall, type NodeApi } from '../rpc/index.ts';
import { createDevnet } from '../node/cli/index.ts';
import { startNode, TEST_PASSPHRASE, type NodeProcess } from '../test/helpers/node-process.ts';
import { parsePrometheusText } from '../test/helpers/prom-text.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

const N = 4;
const BLOCK_INTERVAL = Number(process.env.BENCH_BLOCK_INTERVAL ?? 200);
// dev accounts 1..SENDERS (account 0 measures latency); 40 x 250 = 10,000 transfers keeps the load up for several seconds
const SENDERS = Number(process.env.BENCH_SENDERS ?? 40);
const LOAD_TXS = Number(process.env.BENCH_LOAD_TXS ?? SENDERS * 250); // 250 nonces each stays within the mempool nonce gap
// A warm-up load first, committed and not measured: V8 compiles the hot paths during a fresh
// process's first seconds of load (its optimizing compiler took ~25% of the validators' CPU in the
// first 3 s of load, ~4% by the end), and a validator that has run for more than a minute is warm.
const WARMUP_TXS = Number(process.env.BENCH_WARMUP_TXS ?? SENDERS * 50);
const LATENCY_SAMPLES = 30;
// BENCH_CPU_PROF=DIR: every validator process writes a V8 CPU profile into DIR when it stops
// (open in Chrome DevTools, or summarise with `node bench/cpu-profile-top.mjs DIR/*.cpuprofile`).
// BENCH_NODE_LOGS=DIR: every validator's output is written to DIR/node<i>.log when it stops;
// BENCH_NODE_FLAGS="--trace-gc ...": node flags for the validator processes.
const PROF_DIR = process.env.BENCH_CPU_PROF;
const say = (s: string) => process.stderr.write(s + '\n');
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function verifyRate(): number {
  const n = 10_000;
  return n / (timeVerifications(n).wallMs / 1000);
}

/**
 * CPU seconds (user + system) the validator processes used so far, from /proc (null elsewhere): a
 * measure of work per transaction that other load on the machine does not inflate, unlike wall time.
 */
async function nodesCpuSeconds(procs: NodeProcess[]): Promise<number | null> {
  try {
    let ticks = 0;
    for (const n of procs) {
      const stat = await readFile(`/proc/${n.proc.pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    }
    return ticks / 100; // USER_HZ
  } catch {
    return null;
  }
}

const dir = await mkdtemp(join(tmpdir(), 'polchain-bench-consensus-'));
const nodes: NodeProcess[] = [];
try {
  const verify = verifyRate();
  await createDevnet(dir, N, 31000 + Math.floor(Math.random() * 20000), 0, BLOCK_INTERVAL, TEST_PASSPHRASE, undefined, SENDERS + 1);
  const nodeFlags = [...(PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROF_DIR] : []), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  for (let i = 0; i < N; i++) nodes.push(await startNode(join(dir, `node${i}`), [], 30_000, nodeFlags));
  say(`devnet of ${N} validator processes up, block interval setting ${BLOCK_INTERVAL} ms`);
  const rpcs = nodes.map((n) => new RpcClient(n.url));
  const { chainId } = await rpcs[0]!.call('node_status', []);
  const height = async () => BigInt((await rpcs[0]!.call('node_status', [])).height);
  while ((await height()) < 5n) await sleep(100);

  // 1. Submit-to-commit latency: one transfer at a time, to a rotating node, until its receipt exists.
  const latencies: number[] = [];
  const seed = devAccountSeed(0);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const tx = encodeTx(signTx({ chainId, nonce: BigInt(i), fee: 1n, payload: { kind: 'transfer', to: new Uint8Array(20).fill(1), amount: 1n } }, seed));
    const hash = '0x' + bytesToHex(sha256(tx));
    const rpc = rpcs[i % N]!;
    const t = performance.now();
    await rpc.call('tx_submit', ['0x' + bytesToHex(tx)]);
    while (!(await rpc.call('tx_getReceipt', [hash]))) await sleep(5);
    latencies.push(performance.now() - t);
  }
  say(`latency: ${LATENCY_SAMPLES} transfers, median ${pct(latencies, 50).toFixed(0)} ms`);

  // 2. Sustained load: LOAD_TXS transfers from SENDERS accounts spread over all nodes, as fast as RPC
  // takes them, after WARMUP_TXS of the same kind (nonces before the measured ones).
  const senders = Array.from({ length: SENDERS }, (_, i) => devAccountSeed(i + 1));
  const transfers = (from: number, n: number) => Array.from({ length: n }, (_, j) => {
    const i = from + j;
    return encodeTx(signTx({ chainId, nonce: BigInt(Math.floor(i / senders.length)), fee: 1n, payload: { kind: 'transfer', to: new Uint8Array(20).fill(2), amount: 1n } }, senders[i % senders.length]!));
  });
  /** Submits in batches of 100 round-robin over the nodes and returns once the last sender's last transfer has a receipt. */
  const load = async (txs: Uint8Array[]) => {
    const lastHashes = txs.slice(-senders.length).map((t) => '0x' + bytesToHex(sha256(t)));
    for (let b = 0; b < Math.ceil(txs.length / 100); b++) {
      const chunk: BatchCall<NodeApi, 'tx_submit'>[] = txs.slice(b * 100, (b + 1) * 100).map((t) => ({ method: 'tx_submit', params: ['0x' + bytesToHex(t)] }));
      const res = await rpcs[b % N]!.batch(chunk);
      for (const r of res) if (!r.ok) throw new Error(`submit failed: ${r.error.message}`);
    }
    for (;;) {
      const rs = await rpcs[0]!.batch(lastHashes.map((h) => ({ method: 'tx_getReceipt', params: [h] })));
      if (rs.every((r) => r.ok && r.result)) break;
      await sleep(20);
    }
  };
  if (WARMUP_TXS > 0) {
    const w0 = performance.now();
    await load(transfers(0, WARMUP_TXS));
    say(`warm-up: ${WARMUP_TXS} transfers committed in ${((performance.now() - w0) / 1000).toFixed(1)} s (not measured)`);
  }
  const txs = transfers(WARMUP_TXS, LOAD_TXS);
  const startHeight = await height();
  const cpu0 = await nodesCpuSeconds(nodes);
  const t0 = performance.now();
  await load(txs);
  const loadS = (performance.now() - t0) / 1000;
  const cpu1 = await nodesCpuSeconds(nodes);
  const cpuUsPerTx = cpu0 === null || cpu1 === null ? null : Math.round(((cpu1 - cpu0) * 1e6) / LOAD_TXS);
  const e2eTps = LOAD_TXS / loadS;
  say(`load: ${LOAD_TXS} transfers committed in ${loadS.toFixed(1)} s`);

  // 3. Block interval from consecutive header timestamps (all blocks of the run), and the sustained
  // rate: the transfers of the load's blocks after its first, over the chain time they span (the
  // first block's timestamp to the last's). Unlike the end-to-end rate it leaves out the ramp (the
  // first block, which only started filling) and the drain (waiting for the last receipt).
  const top = Number(await height());
  const ts: number[] = [];
  const txCounts: number[] = [];
  for (let h = 2; h <= top; h++) {
    const b = await rpcs[0]!.call('chain_getBlock', [h]);
    ts.push(Number(b.timestampMs));
    txCounts.push(h > Number(startHeight) ? b.txs.length : 0);
  }
  const intervals = ts.slice(1).map((t, i) => t - ts[i]!);
  const loaded = txCounts.flatMap((n, i) => (n > 0 ? [i] : []));
  const first = loaded[0]!, last = loaded[loaded.length - 1]!;
  const sustainedTps = last > first ? txCounts.slice(first + 1, last + 1).reduce((a, n) => a + n, 0) / ((ts[last]! - ts[first]!) / 1000) : e2eTps;
  // compact proposals the validators rebuilt from their mempools, and those they had to fetch whole (a transaction missing)
  const compact = { rebuilt: 0, fetched: 0 };
  for (const n of nodes) {
    const family = parsePrometheusText(await (await fetch(new URL('metrics', n.url))).text()).get('polchain_compact_proposals_total');
    for (const s of family?.samples ?? []) if (s.labels.outcome === 'rebuilt' || s.labels.outcome === 'fetched') compact[s.labels.outcome] += s.value;
  }
  const out = {
    block_ms_p50: pct(intervals, 50), block_ms_p95: pct(intervals, 95),
    commit_ms_p50: Math.round(pct(latencies, 50)), commit_ms_p95: Math.round(pct(latencies, 95)),
    max_tps: Math.round(sustainedTps), e2e_tps: Math.round(e2eTps), node_cpu_us_per_tx: cpuUsPerTx, verify_per_s: Math.round(verify), tps_ratio: +(sustainedTps / verify).toFixed(3),
    validators: N, warmup_txs: WARMUP_TXS, load_txs: LOAD_TXS, blocks: top, load_blocks: loaded.length, txs_per_load_block: Math.round(LOAD_TXS / Math.max(1, loaded.length)),
    load_block_ms_p50: pct(loaded.slice(1).map((i) => ts[i]! - ts[i - 1]!), 50), block_interval_setting_ms: BLOCK_INTERVAL,
    compact_rebuilt: compact.rebuilt, compact_fetched: compact.fetched,
  };
  console.log(`block interval      p50 ${out.block_ms_p50} ms   p95 ${out.block_ms_p95} ms   (${intervals.length} blocks; p50 ${out.load_block_ms_p50} ms under load)`);
  console.log(`submit -> commit    p50 ${out.commit_ms_p50} ms   p95 ${out.commit_ms_p95} ms`);
  console.log(`sustained transfers ${out.max_tps} /s over ${loaded.length} blocks of ~${out.txs_per_load_block}   (ratio to ed25519 verify/s ${out.tps_ratio}; end to end ${out.e2e_tps} /s)`);
  console.log(`validator CPU       ${out.node_cpu_us_per_tx ?? '?'} us per transfer during the load, all 4 processes together`);
  console.log(`compact proposals   ${compact.rebuilt} rebuilt from the mempool, ${compact.fetched} fetched whole (a transaction missing), all validators`);
  console.log(JSON.stringify(out));
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
  // BENCH_NODE_LOGS=DIR: each validator's stdout and stderr (e.g. with NODE_OPTIONS=--trace-gc)
  if (process.env.BENCH_NODE_LOGS) await Promise.all(nodes.map((n, i) => writeFile(join(process.env.BENCH_NODE_LOGS!, `node${i}.log`), n.logs())));
  await rm(dir, { recursive: true, force: true });
}
