// The chaos driver shared by test/chaos.test.ts (bounded) and `npm run soak` (for minutes or hours):
// a real 4-validator devnet as separate processes, signed transfers over JSON-RPC, validators
// SIGKILLed and restarted one at a time (every other kill the moment a block is committed),
// partitions, and a junk gossip peer; then the chain's invariants: no receipted transaction lost,
// no fork, the chain advanced after the last restart. WAL bytes per height are sampled throughout.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditChains } from './audit.ts';
import { JunkPeer, type JunkStats } from './junk-peer.ts';
import { TransferLoad } from './load.ts';
import { ChaosNet, sleep } from './validators.ts';

export interface ChaosOptions {
  validators?: number;
  blockIntervalMs?: number;
  /** sending dev accounts (at most 9: the devnet funds 10 and one receives) */
  senders?: number;
  /** bounded run: this many transfers; the run ends when they are sent and the faults are done */
  transfers?: number;
  /** soak: keep going (faults and load) this long */
  durationMs?: number;
  /** fault quotas for a bounded run (a soak cycles kill, kill-after-commit, partition until time is up) */
  kills?: number;
  partitions?: number;
  partitionMs?: number;
  /** new transfers per second at most */
  rate?: number;
  junk?: boolean;
  /** pause between two faults */
  faultGapMs?: number;
  /** called about once a second */
  onStatus?: (s: ChaosStatus) => void;
  log?: (line: string) => void;
  /** keep the devnet directory (with the validators' data) afterwards */
  keepDir?: boolean;
}

export interface ChaosStatus {
  elapsedMs: number; sent: number; receipted: number; pending: number; height: number;
  kills: number; restarts: number; partitions: number; junk: number;
}

export interface WalStats { max: number; mean: number; samples: number }

export interface ChaosReport {
  seconds: number; validators: number; dir: string;
  sent: number; receipted: number; pending: number; lost: number; duplicates: number; forks: number;
  kills: number; kills_after_commit: number; restarts: number; partitions: number;
  height: number; advanced_after_last_restart: number; txs_in_chain: number;
  wal_bytes_per_height: WalStats; junk: JunkStats; submit_errors: Record<string, number>;
  lost_hashes: string[]; fork_heights: number[];
}

type Fault = 'kill' | 'kill-after-commit' | 'partition';
const CYCLE: Fault[] = ['kill', 'kill-after-commit', 'partition'];

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const n = o.validators ?? 4;
  const t0 = Date.now();
  const say = o.log ?? (() => undefined);
  const log = (line: string) => say(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}`);
  const dir = await mkdtemp(join(tmpdir(), 'polchain-chaos-'));
  const net = new ChaosNet({ dir, validators: n, blockIntervalMs: o.blockIntervalMs ?? 200, partitionMs: o.partitionMs ?? 4000 });
  const deadline = o.durationMs === undefined ? Infinity : t0 + o.durationMs;
  const counts = { kills: 0, killsAfterCommit: 0, restarts: 0, partitions: 0 };
  const wal = new Map<string, number>();
  let heights: number[] = [];
  let junk: JunkPeer | null = null;
  let faultsDone = false;
  let finished = false;
  try {
    await net.create();
    await net.startAll();
    log(`devnet of ${n} validator processes in ${dir}`);
    await net.waitAll(2, 60_000);
    // A bounded run releases its transfers in equal shares, one before each fault and one after the
    // last, so that every fault meets load however fast this machine is.
    const faultCount = (o.kills ?? 0) + (o.partitions ?? 0);
    const share = (k: number) => (o.transfers === undefined ? undefined : Math.round((o.transfers * Math.min(k + 1, faultCount + 1)) / (faultCount + 1)));
    const load = new TransferLoad(net, { senders: o.senders ?? 8, window: 8, limit: share(0), rate: o.rate, resendMs: 3000 });
    if (o.junk ?? true) junk = new JunkPeer(net.chainId, net.p2pAddrs);

    // WAL size and height of each live validator, a few times a second; the status line once a second.
    const monitor = (async () => {
      let lastStatus = 0;
      while (!finished) {
        heights = await net.heights();
        for (const i of net.live()) {
          if (heights[i]! < 0) continue;
          const key = `${i}:${heights[i]}`;
          wal.set(key, Math.max(wal.get(key) ?? 0, await net.walBytes(i)));
        }
        if (o.onStatus && Date.now() - lastStatus >= 1000) {
          lastStatus = Date.now();
          o.onStatus({
            elapsedMs: Date.now() - t0, sent: load.sent.size, receipted: load.receipts.size, pending: load.pending, height: Math.max(...heights),
            kills: counts.kills, restarts: counts.restarts, partitions: counts.partitions, junk: junk?.stats.published ?? 0,
          });
        }
        await sleep(250);
      }
    })();
    // a soak loads until its time is up; a bounded run until the faults are done and every transfer is sent
    const loadDone = () => finished || Date.now() >= deadline || (o.durationMs === undefined && faultsDone && (o.transfers === undefined || load.allSent));
    const loading = load.run(50, loadDone);
    const junking = junk?.run(300, loadDone);

    // Faults, one validator at a time; each waits for the network to settle before the next.
    let lastRestartHeight = 0;
    const quota = { kill: o.kills ?? Infinity, partition: o.partitions ?? Infinity };
    for (let c = 0; Date.now() < deadline - 20_000; c++) {
      const fault = CYCLE[c % CYCLE.length]!;
      const isKill = fault !== 'partition';
      if ((isKill ? counts.kills >= quota.kill : counts.partitions >= quota.partition)) {
        if (counts.kills >= quota.kill && counts.partitions >= quota.partition) break;
        continue;
      }
      const v = c % n;
      await sleep(o.faultGapMs ?? 1000);
      load.o.limit = share(counts.kills + counts.partitions + 1);
      if (isKill) {
        const at = fault === 'kill' ? (await net.kill(v), await net.height((v + 1) % n)) : await net.killAfterCommit(v);
        counts.kills++;
        if (fault === 'kill-after-commit') counts.killsAfterCommit++;
        log(`${fault} validator ${v} at height ${at}`);
        await sleep(1500);
        await net.start(v);
        counts.restarts++;
        lastRestartHeight = Math.max(...(await net.heights()));
        log(`restarted validator ${v} (network at height ${lastRestartHeight})`);
      } else {
        net.partition(v);
        counts.partitions++;
        log(`partitioned validator ${v} for ${net.o.partitionMs} ms`);
        await sleep(net.o.partitionMs + 500);
      }
      await net.waitCaughtUp(120_000, 2);
      log(`caught up: heights ${(await net.heights()).join(', ')}; ${load.sent.size} sent, ${load.receipts.size} receipted`);
    }
    faultsDone = true;
    load.o.limit = o.transfers;
    await Promise.all([loading, junking]);
    await junk?.stop();
    await load.drain(60_000);
    log(`load done: ${load.sent.size} sent, ${load.receipts.size} receipted; junk ${JSON.stringify(junk?.stats ?? null)}`);
    // The chain goes on after the last restart, and every validator has every receipted block.
    const maxReceipt = Math.max(0, ...[...load.receipts.values()].map((r) => r.height));
    await net.waitAll(Math.max(lastRestartHeight + 3, maxReceipt), 120_000);
    const audit = await auditChains(net.live().map((i) => net.rpc(i)!), load.receipts);
    log(`audited heights 1..${audit.commonHeight} on ${n} validators`);
    finished = true;
    await monitor;
    const sizes = [...wal.values()];
    return {
      seconds: Math.round((Date.now() - t0) / 1000), validators: n, dir,
      sent: load.sent.size, receipted: load.receipts.size, pending: load.pending, lost: audit.lost.length, duplicates: audit.duplicates.length,
      forks: audit.forks.length, kills: counts.kills, kills_after_commit: counts.killsAfterCommit, restarts: counts.restarts, partitions: counts.partitions,
      height: audit.commonHeight, advanced_after_last_restart: audit.commonHeight - lastRestartHeight, txs_in_chain: audit.txsInChain,
      wal_bytes_per_height: { max: Math.max(0, ...sizes), mean: sizes.length ? Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length) : 0, samples: sizes.length },
      junk: junk?.stats ?? { published: 0, delivered: 0, oversized: 0, mutated: 0, identities: 0, failed: 0 },
      submit_errors: Object.fromEntries(load.submitErrors), lost_hashes: audit.lost.slice(0, 20), fork_heights: audit.forks.slice(0, 20),
    };
  } catch (e) {
    for (const [i, node] of net.nodes.entries()) if (node) log(`validator ${i} log tail:\n${node.logs().slice(-3000)}`);
    throw e;
  } finally {
    finished = true;
    await junk?.stop();
    await net.stopAll();
    if (!o.keepDir) await rm(dir, { recursive: true, force: true });
  }
}
