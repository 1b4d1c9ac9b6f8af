// npm run bench:sync [-- --live-blocks 100 --warmup-blocks 10 --blocks 3000 --txs-per-block 20 --interval-ms 100 --servers 2]
//
// 1. Live: 4 in-process validators over real libp2p/TCP (test/helpers/bft-net.ts) run real BFT with
//    transfers submitted all along; after --warmup-blocks blocks under that load, the consensus block
//    rate is measured over the next --live-blocks blocks (commit to commit). A fixed block count, not a
//    fixed time: a few seconds hold a dozen blocks, whose rate swung ~3x between back-to-back runs.
// 2. The validators stop; validator 0's chain is extended by --blocks blocks with --txs-per-block
//    transfers each, proposed by the walk's proposer with its real BLS beacon and committed by all
//    four validators' real precommit signatures (bench/sync-chain.ts).
// 3. --servers full nodes serve copies of that data dir; a fresh full node joins and block-syncs to
//    the tip. Measured: blocks/s and txs/s synced, and the ratio to the live block rate.
// Progress on stderr; the last stdout line is one JSON object.
import { cp, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { PolchainNode } from '../node/index.ts';
import { Progress } from '../node/util/index.ts';
import { devAccount } from '../genesis/index.ts';
import { signTxBytes } from '../vm/index.ts';
import { sha256 } from '../primitives/index.ts';
import { startBftNet, validatorSeed, waitFor } from '../test/helpers/bft-net.ts';
import { extendChain, servedBytes } from '../test/helpers/sync-chain.ts';

const { values } = parseArgs({ options: {
  'live-blocks': { type: 'string', default: '100' }, 'warmup-blocks': { type: 'string', default: '10' }, blocks: { type: 'string', default: '3000' },
  'txs-per-block': { type: 'string', default: '20' }, 'interval-ms': { type: 'string', default: '100' }, servers: { type: 'string', default: '2' },
} });
const liveBlocks = Number(values['live-blocks']);
const warmupBlocks = Number(values['warmup-blocks']);
const blocks = Number(values.blocks);
const txsPerBlock = Number(values['txs-per-block']);
const intervalMs = Number(values['interval-ms']);
const servers = Number(values.servers);
const ACCOUNTS = 10;
const log = (m: string) => process.stderr.write(`${m}\n`);

// ---- 1. live consensus --------------------------------------------------------------------------
const net = await startBftNet(4, { blockIntervalMs: intervalMs });
const cleanup: string[] = [...net.dirs];
try {
  const n0 = net.nodes[0]!;
  await waitFor(() => n0.state.height >= 2n, 60_000, 'the first blocks');
  const senders = Array.from({ length: ACCOUNTS }, (_, i) => devAccount(i));
  const nonces = senders.map((a) => n0.state.getAccount(a.address)?.nonce ?? 0n);
  let submitted = 0;
  const submitter = setInterval(() => { // about txsPerBlock per block interval, round-robin over the dev accounts
    for (let t = 0; t < txsPerBlock; t++) {
      const i = submitted % ACCOUNTS;
      const raw = signTxBytes({ chainId: n0.state.chainId, nonce: nonces[i]!, fee: 1n, payload: { kind: 'transfer', to: senders[(i + 1) % ACCOUNTS]!.address, amount: 1n } }, senders[i]!.seed);
      try { n0.submit(raw); nonces[i]!++; submitted++; } catch { /* mempool full: next tick */ }
    }
  }, intervalMs);
  // commit times of the blocks after the warm-up; the rate is (N blocks) / (time from the commit
  // before the first of them to the commit of the last)
  const hStart = n0.state.height + BigInt(warmupBlocks);
  const hEnd = hStart + BigInt(liveBlocks);
  let tStart = 0, tEnd = 0, liveTxs = 0;
  const unsub = n0.onBlock((r) => {
    const h = r.block.header.height;
    if (h === hStart) tStart = performance.now();
    if (h > hStart && h <= hEnd) liveTxs += r.block.txs.length;
    if (h === hEnd) tEnd = performance.now();
  });
  const liveBar = new Progress({ label: 'live consensus', unit: 'blocks', total: warmupBlocks + liveBlocks });
  const h0 = n0.state.height;
  await waitFor(() => { liveBar.update(Number(n0.state.height - h0)); return tEnd > 0; }, 600_000, `${warmupBlocks + liveBlocks} live blocks`);
  clearInterval(submitter);
  unsub();
  liveBar.finish({ height: Number(n0.state.height) });
  const liveSec = (tEnd - tStart) / 1000;
  const consensusBps = liveBlocks / liveSec;
  log(`live: ${liveBlocks} blocks after ${warmupBlocks} of warm-up, ${liveTxs} transfers in ${liveSec.toFixed(1)} s = ${consensusBps.toFixed(2)} blocks/s (block interval ${intervalMs} ms)`);
  await Promise.all(net.nodes.map((n) => n.stop()));

  // ---- 2. extend validator 0's chain with the validators' real signatures -------------------------
  const extBar = new Progress({ label: 'extend chain', unit: 'blocks', total: blocks });
  const ext = await extendChain({
    dataDir: net.dirs[0]!, genesis: net.genesis, validatorSeeds: [0, 1, 2, 3].map(validatorSeed), blocks, txsPerBlock, accounts: ACCOUNTS,
    blockIntervalMs: BigInt(intervalMs), onProgress: (d) => extBar.update(d),
  });
  extBar.finish();
  const bytes = await servedBytes(net.dirs[0]!, 0n, ext.to);
  log(`chain: heights 1..${ext.to} (${ext.to - ext.from} extended, ${ext.txs} transfers in them), ${(bytes / 1e6).toFixed(1)} MB of blocks + commits`);

  // ---- 3. a fresh full node block-syncs from full nodes serving that chain -------------------------
  const serveDirs = [net.dirs[0]!];
  for (let i = 1; i < servers; i++) {
    const d = await mkdtemp(join(tmpdir(), 'polchain-sync-serve-'));
    cleanup.push(d);
    await cp(net.dirs[0]!, d, { recursive: true });
    serveDirs.push(d);
  }
  const full = (dir: string, bootstrap: string[], name: string) => PolchainNode.start({
    dataDir: dir, genesis: net.genesis, validatorSeed: null, noValidator: true, logger: pino({ level: process.env.BFT_LOG ?? 'silent' }).child({ node: name }),
    rpc: { enabled: false, host: '127.0.0.1', port: 0 }, blockIntervalMs: intervalMs, emptyBlocks: true,
    engine: 'bft', p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, keySeed: sha256(new TextEncoder().encode(dir)) },
  });
  const serving: PolchainNode[] = [];
  for (const [i, d] of serveDirs.entries()) serving.push(await full(d, serving.flatMap((s) => s.p2p!.multiaddrs().map(String)), `serve${i}`));
  const joinDir = await mkdtemp(join(tmpdir(), 'polchain-sync-join-'));
  cleanup.push(joinDir);
  const s0 = performance.now();
  const cpu0 = process.cpuUsage(); // all threads of this process (the beacon workers too): steadier than wall time on a shared machine
  const joiner = await full(joinDir, serving.flatMap((s) => s.p2p!.multiaddrs().map(String)), 'join');
  let txs = 0;
  let firstAt = 0;
  joiner.onBlock((r) => { txs += r.block.txs.length; firstAt ||= performance.now(); });
  const bar = new Progress({ label: 'block sync', unit: 'blocks', total: Number(ext.to) });
  await waitFor(() => { bar.update(Number(joiner.state.height)); return joiner.state.height >= ext.to; }, 3_600_000, 'the joiner to reach the tip');
  const syncMs = performance.now() - s0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerBlock = (cpu.user + cpu.system) / 1000 / Number(ext.to);
  bar.finish();
  const syncBps = Number(ext.to) / (syncMs / 1000);
  // Start-up (node start, peer dial, first sync tick, beacon workers) costs seconds once; a node thousands
  // of blocks behind pays it once, so the steady rate (first synced block to the tip) is printed too.
  const steadyBps = (Number(ext.to) - 1) / ((syncMs - (firstAt - s0)) / 1000);
  log(`sync: ${ext.to} blocks, ${txs} transfers in ${(syncMs / 1000).toFixed(1)} s from start (first block after ${((firstAt - s0) / 1000).toFixed(1)} s) = ${syncBps.toFixed(1)} blocks/s, ${(txs / (syncMs / 1000)).toFixed(0)} txs/s; ratio ${(syncBps / consensusBps).toFixed(1)}x the live block rate (steady ${steadyBps.toFixed(1)} blocks/s = ${(steadyBps / consensusBps).toFixed(1)}x); ${cpuMsPerBlock.toFixed(1)} ms of CPU per block (joiner and servers, all threads)`);
  await joiner.stop();
  await Promise.all(serving.map((s) => s.stop()));
  console.log(JSON.stringify({
    sync_blocks: Number(ext.to), sync_txs: txs, sync_blocks_per_s: round(syncBps), sync_txs_per_s: round(txs / (syncMs / 1000)),
    consensus_blocks_per_s: round(consensusBps), sync_ratio: round(syncBps / consensusBps),
    sync_steady_blocks_per_s: round(steadyBps), sync_steady_ratio: round(steadyBps / consensusBps), sync_startup_ms: Math.round(firstAt - s0), sync_ms: Math.round(syncMs), sync_cpu_ms_per_block: round(cpuMsPerBlock), bytes,
    live_blocks: liveBlocks, live_txs: liveTxs, txs_per_block: txsPerBlock, block_interval_ms: intervalMs, servers,
  }));
} finally {
  await Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true })));
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
