// Issue 12, defect 1, on a real network (four validators, libp2p, LevelDB): a transaction that cannot
// execute is refused at RPC submit with the vm's code; one a block leaves out (a lost race) leaves
// every node's mempool, so the sender's next transaction at account_get.pendingNonce commits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTx, signTx, type TxPayload } from '../vm/index.ts';
import { devAccount } from '../genesis/index.ts';
import { RpcClient, RpcClientError } from '../rpc/index.ts';
import { startBftNet, waitFor } from './helpers/bft-net.ts';
import { terms } from './helpers/job-work.ts';
import { bytesToHex, encodeAddress, sha256 } from '../primitives/index.ts';

test('refused at submit with the vm\'s code; a race loser leaves every mempool and its sender moves on', { timeout: 180_000 }, async (t) => {
  const net = await startBftNet(4);
  t.after(() => net.stop());
  const chainId = net.genesis.chainId;
  const signed = (i: number, nonce: bigint, payload: TxPayload, fee = 1n) => encodeTx(signTx({ chainId, nonce, fee, payload }, devAccount(i).seed));
  const hex = (raw: Uint8Array) => '0x' + bytesToHex(raw);
  const onAll = (raw: Uint8Array) => waitFor(async () => (await Promise.all(net.nodes.map((x) => x.store.getReceipt(sha256(raw))))).every(Boolean), 60_000, 'a receipt on every node');
  const rpcs = net.nodes.map((x) => new RpcClient(x.rpcUrl!));
  await waitFor(() => net.nodes.every((x) => x.state.height >= 2n), 60_000, 'height 2');

  // refused at tx_submit with the code block execution gives; nothing enters any mempool
  const refusal = async (raw: Uint8Array) => {
    const e = await rpcs[1]!.call('tx_submit', [hex(raw)]).then(() => null, (x: unknown) => x);
    assert.ok(e instanceof RpcClientError && e.code === -32002, String(e));
    return (e.data as { code: string }).code;
  };
  assert.equal(await refusal(signed(4, 0n, { kind: 'unbond', amount: 10n })), 'UNBOND_NOT_VALIDATOR');
  const bls = new Uint8Array(48); // not a compressed G1 point
  assert.equal(await refusal(signed(4, 0n, { kind: 'stake', consensusKey: devAccount(4).publicKey, blsKey: bls, amount: 5n, blsPop: new Uint8Array(96) })), 'STAKE_BLS_KEY_INVALID');
  const acct4 = await rpcs[1]!.call('account_get', [encodeAddress(devAccount(4).address)]);
  assert.equal(acct4.pendingNonce, '0');

  // a job, then two solvers accept it at once: only one can win
  const submit = signed(0, 0n, { kind: 'job-submit', terms: terms({ windows: { ...terms().windows, accept: 1000 } }) });
  net.nodes[0]!.submit(submit);
  await onAll(submit);
  const jobId = sha256(submit);
  const winner = signed(1, 0n, { kind: 'job-accept', jobId, daPeer: 'p', daAddrs: [] }, 5n);
  const loser = signed(2, 0n, { kind: 'job-accept', jobId, daPeer: 'p', daAddrs: [] }, 1n);
  net.nodes[2]!.submit(winner);
  net.nodes[2]!.submit(loser);
  await onAll(winner);
  const loserAddress = encodeAddress(devAccount(2).address);
  // every node, proposer or not, lets the loser go with the block that made it fail (not when it next proposes)
  for (const [i, x] of net.nodes.entries()) {
    assert.equal(x.mempool.has(sha256(loser)), false, `node ${i} still holds the loser`);
    assert.equal((await rpcs[i]!.call('account_get', [loserAddress])).pendingNonce, '0', `node ${i}: pendingNonce`);
  }
  assert.equal(await net.nodes[0]!.store.getReceipt(sha256(loser)), undefined);
  assert.equal(await refusal(loser), 'JOB_WRONG_STATUS', 'offered again, it is refused');

  // the loser's next transaction, at the nonce account_get suggests on a node that did not build the block, commits everywhere
  const { pendingNonce } = await rpcs[3]!.call('account_get', [loserAddress]);
  const next = signed(2, BigInt(pendingNonce), { kind: 'transfer', to: devAccount(5).address, amount: 3n });
  await rpcs[3]!.call('tx_submit', [hex(next)]);
  await onAll(next);
  const status = await rpcs[0]!.call('node_status', []);
  assert.equal(typeof status.mempool.evicted, 'number');
  assert.equal(typeof status.mempool.expired, 'number');
});
