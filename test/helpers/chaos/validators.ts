// The chaos driver's devnet: N validators from `createDevnet` (the data dirs `polchain devnet`
// writes), each its own `polchain start` process with a real LevelDB and libp2p over TCP on
// 127.0.0.1. Faults are real: SIGKILL (optionally the moment a block is committed), restart on the
// same data dir, and a partition through the node's own test switch (SIGUSR2 bans every peer in both
// directions for a while, while the process keeps running, proposing and timing out alone).
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RpcClient } from '../../../rpc/index.ts';
import { createDevnet } from '../../../node/cli/index.ts';
import { peerIdFromSeed } from '../../../node/p2p/index.ts';
import { hexToBytes } from '../../../primitives/index.ts';
import { startNode, TEST_PASSPHRASE, type NodeProcess } from '../node-process.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface NetOptions {
  dir: string;
  validators: number;
  blockIntervalMs: number;
  /** how long one partition lasts (the node's --test-fault-partition-ms) */
  partitionMs: number;
}

export class ChaosNet {
  readonly nodes: Array<NodeProcess | null>;
  /** `/ip4/127.0.0.1/tcp/P/p2p/ID` of every validator, for the junk peer */
  readonly p2pAddrs: string[] = [];
  chainId = '';
  private readonly rpcs: Array<RpcClient | null>;

  constructor(readonly o: NetOptions) {
    this.nodes = Array.from({ length: o.validators }, () => null);
    this.rpcs = this.nodes.map(() => null);
  }

  nodeDir(i: number): string { return join(this.o.dir, `node${i}`); }

  /**
   * Writes the devnet and rewrites each validator's bootstrap list to name every other validator,
   * as real validators peer with each other: with `polchain devnet`'s star around validator 0, a
   * kill of validator 0 would cut the others apart, which tests the topology rather than consensus.
   */
  async create(): Promise<void> {
    // below Linux's ephemeral range (32768+), so that no outgoing connection takes a killed
    // validator's port before it restarts
    const base = 20000 + Math.floor(Math.random() * 12000);
    await createDevnet(this.o.dir, this.o.validators, base, 0, this.o.blockIntervalMs, TEST_PASSPHRASE);
    for (let i = 0; i < this.o.validators; i++) {
      const seed = hexToBytes((await readFile(join(this.nodeDir(i), 'p2p.key'), 'utf8')).trim());
      this.p2pAddrs.push(`/ip4/127.0.0.1/tcp/${base + i}/p2p/${await peerIdFromSeed(seed)}`);
    }
    for (let i = 0; i < this.o.validators; i++) {
      const path = join(this.nodeDir(i), 'config.json');
      const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      config.bootstrap = this.p2pAddrs.filter((_, j) => j !== i).join(',');
      await writeFile(path, JSON.stringify(config, null, 2) + '\n');
    }
  }

  async start(i: number): Promise<void> {
    const n = await startNode(this.nodeDir(i), ['--test-fault-partition-ms', String(this.o.partitionMs)], 60_000);
    this.nodes[i] = n;
    this.rpcs[i] = new RpcClient(n.url, { timeoutMs: 10_000 });
    for (let tries = 0; !this.chainId; tries++) {
      // a node may answer a typed "starting" error until it is ready
      try { this.chainId = (await this.rpcs[i]!.call('node_status', [])).chainId; } catch (e) { if (tries > 100) throw e; await sleep(200); }
    }
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((_, i) => this.start(i)));
  }

  /** Live validators' indices. */
  live(): number[] { return this.nodes.flatMap((n, i) => (n && n.proc.exitCode === null && n.proc.signalCode === null ? [i] : [])); }

  rpc(i: number): RpcClient | null { return this.live().includes(i) ? this.rpcs[i]! : null; }

  /** SIGKILL now. */
  async kill(i: number): Promise<void> {
    await this.nodes[i]?.kill();
    this.nodes[i] = null;
    this.rpcs[i] = null;
  }

  /**
   * SIGKILL in the same tick as the node's "committed block" log line, i.e. right after the block
   * is durable and before the next height's WAL, votes and sign history have settled. Returns the
   * height it had just committed.
   */
  async killAfterCommit(i: number, timeoutMs = 30_000): Promise<number> {
    const n = this.nodes[i]!;
    const height = await new Promise<number>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => { n.proc.stderr!.off('data', onData); reject(new Error(`validator ${i} committed no block in ${timeoutMs} ms`)); }, timeoutMs);
      const onData = (d: Buffer) => {
        buf = (buf + d.toString()).slice(-4096);
        const m = /"height":(\d+),[^\n]*"msg":"committed block"/.exec(buf);
        if (!m) return;
        n.proc.kill('SIGKILL');
        clearTimeout(timer);
        n.proc.stderr!.off('data', onData);
        resolve(Number(m[1]));
      };
      n.proc.stderr!.on('data', onData);
    });
    await this.kill(i);
    return height;
  }

  /** Cuts validator i off from every peer for partitionMs (it keeps running). */
  partition(i: number): void {
    this.nodes[i]!.proc.kill('SIGUSR2');
  }

  async height(i: number): Promise<number> {
    const r = this.rpc(i);
    if (!r) return -1;
    return Number((await r.call('node_status', [])).height);
  }

  async heights(): Promise<number[]> {
    return Promise.all(this.nodes.map((_, i) => this.height(i).catch(() => -1)));
  }

  /** Waits until every live validator is at or above `min`. */
  async waitAll(min: number, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hs = await this.heights();
      if (this.live().every((i) => hs[i]! >= min)) return;
      if (Date.now() > end) throw new Error(`heights ${hs.join(', ')} did not all reach ${min} in ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  /** Waits until every live validator is within `lag` heights of the highest. */
  async waitCaughtUp(timeoutMs: number, lag = 1): Promise<void> {
    const hs = await this.heights();
    await this.waitAll(Math.max(...hs) - lag, timeoutMs);
  }

  /** Size in bytes of validator i's consensus WAL (which holds the current height only), 0 if absent. */
  async walBytes(i: number): Promise<number> {
    return stat(join(this.nodeDir(i), 'cs.wal')).then((s) => s.size, () => 0);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n?.kill()));
  }
}
