// A one-validator node on a fresh data dir with JSON-RPC on 127.0.0.1, blocks every 40 ms and the det
// backend selected: the chain that solver tests run jobs on. Stop it with `stop()`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { PolchainNode } from '../../node/index.ts';
import { devGenesis } from '../../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../../consensus/index.ts';
import { selectBackend } from '../../ml-runtime/index.ts';
import { RpcClient } from '../../rpc/index.ts';
import { addressFromPublicKey, publicKeyFromSeed } from '../../primitives/index.ts';

export interface SoloJobNode {
  dir: string;
  node: PolchainNode;
  rpc: RpcClient;
  stop(): Promise<void>;
}

export async function startSoloJobNode(prefix: string): Promise<SoloJobNode> {
  await selectBackend('det', { allowFallback: false });
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const seed = new Uint8Array(32).fill(9);
  const pk = publicKeyFromSeed(seed);
  const genesis = devGenesis({ validators: [{ address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }], genesisTimeMs: 1_000n, devAccounts: 8 });
  const node = await PolchainNode.start({
    dataDir: join(dir, 'node'), genesis, validatorSeed: seed, logger: pino({ level: 'silent' }), rpc: { enabled: true, host: '127.0.0.1', port: 0 }, blockIntervalMs: 40, emptyBlocks: true,
  });
  return handle(dir, node);
}

/**
 * A one-validator BFT node (blocks every 100 ms, libp2p on 127.0.0.1) whose verifier replays jobs and
 * fetches from solvers over libp2p: the chain that committee and loss-curve tests run on.
 */
export async function startSoloBftNode(prefix: string, devAccounts: number): Promise<SoloJobNode> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const seed = new Uint8Array(32).fill(9);
  const pk = publicKeyFromSeed(seed);
  const genesis = devGenesis({ validators: [{ address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }], genesisTimeMs: 1_000n, devAccounts });
  const node = await PolchainNode.start({
    dataDir: join(dir, 'node'), genesis, validatorSeed: seed, logger: pino({ level: 'silent' }), rpc: { enabled: true, host: '127.0.0.1', port: 0 },
    blockIntervalMs: 100, emptyBlocks: true, engine: 'bft', p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], keySeed: new Uint8Array(32).fill(3) },
  });
  return handle(dir, node);
}

function handle(dir: string, node: PolchainNode): SoloJobNode {
  const rpc = new RpcClient(node.rpcUrl!);
  return {
    dir, node, rpc,
    async stop() {
      await rpc.close();
      await node.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
