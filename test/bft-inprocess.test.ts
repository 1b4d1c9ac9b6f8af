// Four validators running Tendermint over real libp2p (TCP, noise, yamux, gossipsub) on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTx, signTx } from '../vm/index.ts';
import { devAccount } from '../genesis/index.ts';
import { startBftNet, waitFor } from './helpers/bft-net.ts';
import { RpcClient } from '../rpc/index.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

test('4 validators agree on every block; a transaction sent to one node commits on all', { timeout: 120_000 }, async (t) => {
  const net = await startBftNet(4);
  t.after(() => net.stop());
  const [a, , c] = net.nodes;
  await waitFor(() => net.nodes.every((x) => x.state.height >= 5n), 60_000, 'height 5 on every node');
  const tx = encodeTx(signTx({ chainId: net.genesis.chainId, nonce: 0n, fee: 1n, payload: { kind: 'transfer', to: devAccount(1).address, amount: 42n } }, devAccount(0).seed));
  c!.submit(tx);
  const hash = sha256(tx);
  await waitFor(async () => (await Promise.all(net.nodes.map((x) => x.store.getReceipt(hash)))).every(Boolean), 30_000, 'the receipt on every node');
  await waitFor(() => net.nodes.every((x) => x.state.height >= 10n), 60_000, 'height 10 on every node');
  const top = net.nodes.reduce((m, x) => (x.state.height < m ? x.state.height : m), a!.state.height);
  for (let h = 1n; h <= top; h++) {
    const hashes = await Promise.all(net.nodes.map(async (x) => bytesToHex((await x.store.getCommit(h))!.blockHash)));
    assert.equal(new Set(hashes).size, 1, `height ${h}: ${hashes}`);
    const roots = await Promise.all(net.nodes.map(async (x) => bytesToHex((await x.store.getBlock(h))!.header.stateRoot)));
    assert.equal(new Set(roots).size, 1);
  }
  for (const x of net.nodes) assert.equal(x.state.getAccount(devAccount(1).address)!.balance, 1_000_000_000_042n);
  const commit = await a!.store.getBftCommit(2n);
  assert.ok(commit && commit.length > 0, 'BFT commits are stored with their blocks');
  const rpc = new RpcClient(a!.rpcUrl!);
  const status = await rpc.call('node_status', []);
  assert.equal(status.consensus.engine, 'bft');
  assert.equal(status.consensus.validators, 4);
  assert.ok(BigInt(status.consensus.height!) >= BigInt(status.height));
  const peers = await rpc.call('net_peers', []);
  assert.ok(peers.peers.length >= 1 && peers.peers.every((p: any) => typeof p.peerId === 'string' && p.addrs.length > 0));
  assert.equal((await rpc.call('node_syncing', [])).syncing, false);
  const vals = await rpc.call('chain_getValidators', []);
  assert.equal(vals.validators.length, 4);
  const c2 = await rpc.call('chain_getCommit', [2]);
  assert.ok(c2.signatures.length >= 3, '+2/3 of 4 validators signed block 2');
});

test('a validator that equivocates is caught, its evidence goes into a block, and it is slashed and jailed', { timeout: 120_000 }, async (t) => {
  const net = await startBftNet(4, { equivocator: 3 });
  t.after(() => net.stop());
  const [a] = net.nodes;
  const cheat = net.nodes[3]!.validatorAddress!;
  const before = a!.state.getValidator(cheat)!.stake;
  await waitFor(() => net.nodes.slice(0, 3).every((x) => x.state.getValidator(cheat)?.jailed === true), 90_000, 'the equivocator jailed on every honest node');
  const after = a!.state.getValidator(cheat)!;
  assert.equal(after.stake, before - (before * 500n) / 10_000n, 'slashed by slashFractionBps');
  assert.ok(!a!.state.validatorList().some((v) => bytesToHex(v.address) === bytesToHex(cheat)), 'no longer in the active set');
  const h = a!.state.height;
  await waitFor(() => net.nodes.slice(0, 3).every((x) => x.state.height >= h + 3n), 60_000, 'progress without the jailed validator');
  let found = false;
  for (let k = 1n; k <= a!.state.height && !found; k++) found = ((await a!.store.getBlock(k))!.evidence.length > 0);
  assert.ok(found, 'the evidence is in a committed block');
});

test('a validator cut off from its peers catches up when reconnected; a full node follows without voting', { timeout: 120_000 }, async (t) => {
  const net = await startBftNet(4);
  t.after(() => net.stop());
  const [a, , c] = net.nodes;
  await waitFor(() => net.nodes.every((x) => x.state.height >= 3n), 60_000, 'height 3');
  // Partition validator 2: it refuses every peer (both directions) until the bans are lifted, so
  // the partition lasts however long a loaded machine takes for the others to commit 8 blocks.
  const others = net.nodes.filter((x) => x !== c);
  for (const x of others) c!.p2p!.ban(x.p2p!.peerId, 120_000, 'test partition');
  await waitFor(() => c!.p2p!.peers().length === 0, 10_000, 'validator 2 isolated');
  const cutAt = c!.state.height;
  await waitFor(() => a!.state.height >= cutAt + 8n, 60_000, 'the other three keep committing');
  assert.ok(c!.state.height <= cutAt + 1n, 'the isolated validator cannot commit alone');
  for (const x of others) assert.equal(c!.p2p!.unban(x.p2p!.peerId), true);
  await waitFor(() => c!.state.height >= a!.state.height - 1n && c!.state.height > cutAt + 5n, 60_000, 'validator 2 catches up after the partition heals');
  for (let h = 1n; h <= c!.state.height; h++) {
    assert.equal(bytesToHex((await c!.store.getCommit(h))!.blockHash), bytesToHex((await a!.store.getCommit(h))!.blockHash), `height ${h}`);
  }

  const full = await net.follower();
  await waitFor(() => full.state.height >= a!.state.height - 1n && full.state.height > 5n, 60_000, 'the full node follows');
  assert.equal(full.validatorAddress, null);
  for (let h = 1n; h <= full.state.height; h++) {
    assert.equal(bytesToHex((await full.store.getCommit(h))!.blockHash), bytesToHex((await a!.store.getCommit(h))!.blockHash));
    const commit = (await full.store.getCommit(h))!;
    assert.ok(commit.signatures.length >= 3);
  }
});
