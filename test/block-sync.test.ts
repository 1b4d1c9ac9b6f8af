// Block sync with several ranges in flight and beacons checked on worker threads: a fresh full node
// applies a chain signed by the real validator keys strictly in height order, reaching every
// committed state root, and refuses a block whose commit is not signed by +2/3 of the set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { PolchainNode } from '../node/index.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';
import { bftGenesis, validatorSeed, waitFor } from './helpers/bft-net.ts';
import { extendChain } from './helpers/sync-chain.ts';

const genesis = bftGenesis(4);
const seeds = [0, 1, 2, 3].map(validatorSeed);

async function chain(blocks: number, weakCommitAt?: bigint): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-sync-test-'));
  await extendChain({ dataDir: dir, genesis, validatorSeeds: seeds, blocks, txsPerBlock: 3, accounts: 10, blockIntervalMs: 100n, weakCommitAt });
  return dir;
}

function fullNode(dir: string, bootstrap: string[]): Promise<PolchainNode> {
  return PolchainNode.start({
    dataDir: dir, genesis, validatorSeed: null, logger: pino({ level: 'silent' }),
    rpc: { enabled: false, host: '127.0.0.1', port: 0 }, blockIntervalMs: 100, emptyBlocks: true,
    engine: 'bft', p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, keySeed: sha256(new TextEncoder().encode(dir)) },
  });
}

const addrs = (nodes: PolchainNode[]) => nodes.flatMap((n) => n.p2p!.multiaddrs().map(String));

test('a fresh node syncs a long chain from two peers, block after block, to the committed state roots', { timeout: 240_000 }, async (t) => {
  const dir = await chain(150);
  const copy = await mkdtemp(join(tmpdir(), 'polchain-sync-test-'));
  await cp(dir, copy, { recursive: true });
  const joinDir = await mkdtemp(join(tmpdir(), 'polchain-sync-test-'));
  const nodes: PolchainNode[] = [];
  t.after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all([dir, copy, joinDir].map((d) => rm(d, { recursive: true, force: true })));
  });
  nodes.push(await fullNode(dir, []));
  nodes.push(await fullNode(copy, addrs(nodes)));
  const joiner = await fullNode(joinDir, addrs(nodes));
  nodes.push(joiner);
  const heights: bigint[] = [];
  joiner.onBlock((r) => heights.push(r.block.header.height));
  await waitFor(() => joiner.state.height >= 150n, 180_000, 'the joiner at height 150');
  assert.deepEqual(heights, Array.from({ length: 150 }, (_, i) => BigInt(i + 1)), 'every height once, in order');
  for (let h = 1n; h <= 150n; h++) {
    const [mine, theirs] = await Promise.all([joiner.store.getBlock(h), nodes[0]!.store.getBlock(h)]);
    assert.equal(bytesToHex(mine!.header.stateRoot), bytesToHex(theirs!.header.stateRoot), `state root at ${h}`);
  }
  assert.equal(bytesToHex(joiner.state.stateRoot), bytesToHex(nodes[0]!.state.stateRoot));
});

test('a synced block whose commit has only half the voting power is refused, with the blocks before it kept', { timeout: 240_000 }, async (t) => {
  const dir = await chain(80, 70n);
  const joinDir = await mkdtemp(join(tmpdir(), 'polchain-sync-test-'));
  const nodes: PolchainNode[] = [];
  t.after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all([dir, joinDir].map((d) => rm(d, { recursive: true, force: true })));
  });
  const server = await fullNode(dir, []);
  nodes.push(server);
  const joiner = await fullNode(joinDir, addrs(nodes));
  nodes.push(joiner);
  await waitFor(() => joiner.state.height >= 69n, 180_000, 'the joiner at height 69');
  await waitFor(() => joiner.p2p!.score(server.p2p!.peerId) < 0, 30_000, 'the serving peer penalized for the bad commit');
  assert.equal(joiner.state.height, 69n, 'block 70 (half the power signed its commit) is not applied, nor any after it');
  assert.equal(await joiner.store.getBlock(70n), undefined);
});
