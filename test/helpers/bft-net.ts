// In-process validator networks over real libp2p on 127.0.0.1, each node with its own LevelDB.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';

import { devGenesis, type Genesis } from '../../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../../consensus/index.ts';
import { PolchainNode } from '../../node/index.ts';
import { addressFromPublicKey, publicKeyFromSeed, sha256 } from '../../primitives/index.ts';

export const validatorSeed = (i: number) => sha256(new TextEncoder().encode(`bft test validator ${i}`));

export function bftGenesis(n: number): Genesis {
  return devGenesis({
    validators: Array.from({ length: n }, (_, i) => { const pk = publicKeyFromSeed(validatorSeed(i)); return { address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(validatorSeed(i))) }; }),
    genesisTimeMs: 1_000n, devAccounts: 10, chainId: 'polchain-bft-test',
  });
}

export interface BftNet {
  nodes: PolchainNode[]; dirs: string[]; genesis: Genesis; bootstrap: string[];
  stop(): Promise<void>; start(i: number): Promise<PolchainNode>;
  /** A full node (no validator key) following the network. */
  follower(): Promise<PolchainNode>;
}

export async function startBftNet(
  n: number, opts: { blockIntervalMs?: number; equivocator?: number; params?: Partial<Genesis['params']> } = {},
): Promise<BftNet> {
  const base = bftGenesis(n);
  const genesis: Genesis = opts.params ? { ...base, params: { ...base.params, ...opts.params } } : base;
  const dirs = await Promise.all(Array.from({ length: n }, () => mkdtemp(join(tmpdir(), 'polchain-bft-'))));
  const nodes: PolchainNode[] = [];
  let bootstrap: string[] = [];
  const start = async (i: number) => {
    const node = await PolchainNode.start({
      dataDir: dirs[i]!, genesis, validatorSeed: validatorSeed(i), logger: pino({ level: process.env.BFT_LOG ?? 'silent' }).child({ node: i }),
      rpc: { enabled: true, host: '127.0.0.1', port: 0 }, blockIntervalMs: opts.blockIntervalMs ?? 100, emptyBlocks: true,
      faults: { equivocate: opts.equivocator === i },
      engine: 'bft', p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: i === 0 ? [] : bootstrap, keySeed: sha256(validatorSeed(i), Uint8Array.of(1)) },
    });
    nodes[i] = node;
    return node;
  };
  await start(0);
  bootstrap = nodes[0]!.p2p!.multiaddrs().map(String);
  for (let i = 1; i < n; i++) await start(i);
  const extra: PolchainNode[] = [];
  return {
    nodes, dirs, genesis, start, bootstrap,
    async follower() {
      const dir = await mkdtemp(join(tmpdir(), 'polchain-bft-full-'));
      dirs.push(dir);
      const node = await PolchainNode.start({
        dataDir: dir, genesis, validatorSeed: null, logger: pino({ level: process.env.BFT_LOG ?? 'silent' }).child({ node: 'full' }),
        rpc: { enabled: false, host: '127.0.0.1', port: 0 }, blockIntervalMs: opts.blockIntervalMs ?? 100, emptyBlocks: true,
        engine: 'bft', p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, keySeed: sha256(new TextEncoder().encode(dir)) },
      });
      extra.push(node);
      return node;
    },
    async stop() {
      await Promise.all(extra.map((x) => x.stop()));
      await Promise.all(nodes.map((x) => x?.stop()));
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
