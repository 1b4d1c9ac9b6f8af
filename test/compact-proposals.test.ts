// Compact proposals on a real network (four validators, libp2p, LevelDB): proposals carry
// transaction hashes; validators rebuild the blocks from their mempools, and a validator lacking a
// transaction (it never reached it by gossip) fetches the full proposal from the peer that sent it,
// so the block commits with the same hash everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockHash, encodeTx, signTx } from '../vm/index.ts';
import { devAccount } from '../genesis/index.ts';
import { startBftNet, waitFor } from './helpers/bft-net.ts';
import { parsePrometheusText } from './helpers/prom-text.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

async function compactCounts(url: string): Promise<{ rebuilt: number; fetched: number }> {
  const f = parsePrometheusText(await (await fetch(url + 'metrics')).text()).get('polchain_compact_proposals_total');
  const v = (outcome: string) => f?.samples.find((s) => s.labels.outcome === outcome)?.value ?? NaN;
  return { rebuilt: v('rebuilt'), fetched: v('fetched') };
}

test('blocks travel as compact proposals; a transaction only the proposer holds is fetched, and the block commits everywhere', { timeout: 180_000 }, async (t) => {
  const net = await startBftNet(4);
  t.after(() => net.stop());
  const chainId = net.genesis.chainId;
  const transfer = (from: number, nonce: bigint, amount: bigint) =>
    encodeTx(signTx({ chainId, nonce, fee: 1n, payload: { kind: 'transfer', to: devAccount(9).address, amount } }, devAccount(from).seed));
  const committedEverywhere = (raw: Uint8Array) => waitFor(async () => (await Promise.all(net.nodes.map((x) => x.store.getReceipt(sha256(raw))))).every(Boolean), 60_000, 'a receipt on every node');
  await waitFor(() => net.nodes.every((x) => x.state.height >= 2n), 60_000, 'height 2');

  // gossiped transactions: every validator holds them, so blocks are rebuilt, never fetched
  const gossiped = Array.from({ length: 20 }, (_, i) => transfer(i % 4, BigInt(Math.floor(i / 4)), 1n));
  for (const [i, raw] of gossiped.entries()) net.nodes[i % 4]!.submit(raw);
  for (const raw of gossiped) await committedEverywhere(raw);
  const before = await Promise.all(net.nodes.map((x) => compactCounts(x.rpcUrl!)));
  for (const [i, c] of before.entries()) {
    assert.ok(c.rebuilt >= 1, `node ${i} rebuilt a compact proposal (${JSON.stringify(c)})`);
  }

  // one transaction put straight into node 2's mempool, never gossiped: the others lack it when node 2 proposes it
  const hidden = transfer(5, 0n, 7n);
  net.nodes[2]!.mempool.add(hidden);
  await committedEverywhere(hidden);
  const loc = await Promise.all(net.nodes.map((x) => x.store.getTxLocation(sha256(hidden))));
  const height = loc[0]!.height;
  assert.ok(loc.every((l) => l?.height === height), 'the same height on every node');
  const hashes = await Promise.all(net.nodes.map(async (x) => bytesToHex(blockHash((await x.store.getBlock(height))!.header))));
  assert.equal(new Set(hashes).size, 1, 'the same block on every node');
  const block = (await net.nodes[0]!.store.getBlock(height))!;
  assert.deepEqual(block.header.proposer, net.nodes[2]!.validatorAddress, 'node 2 proposed it');
  const after = await Promise.all(net.nodes.map((x) => compactCounts(x.rpcUrl!)));
  const fetched = after.map((c, i) => c.fetched - before[i]!.fetched);
  assert.equal(fetched[2], 0, 'the proposer fetches nothing');
  // the block needs the precommits of 3 of the 4: node 2 and at least two others, each of which had to
  // fetch the full proposal to vote for it (a third may instead take the committed block from block sync)
  const fetchedBy = fetched.filter((n, i) => i !== 2 && n >= 1).length;
  assert.ok(fetchedBy >= 2, `at least two other validators fetched the full proposal (${JSON.stringify(after)})`);
});
