// The node's chain methods over real HTTP and WebSocket, against an in-process node on a real LevelDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { commitSigningBytes, decodeSmtProof, encodeTx, signTx, verifySmtProof } from '../vm/index.ts';
import { devAccount, devGenesis } from '../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { RpcClient } from '../rpc/index.ts';
import { PolchainNode } from '../node/index.ts';
import { addressFromPublicKey, bytesToHex, decodeAddress, encodeAddress, hexToBytes, publicKeyFromSeed, sha256, verify } from '../primitives/index.ts';

const h = (s: string) => hexToBytes(s.slice(2));

test('chain methods and newHeads subscriptions', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-rpc-'));
  const seed = new Uint8Array(32).fill(9);
  const pk = publicKeyFromSeed(seed);
  const genesis = devGenesis({ validators: [{ address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }], genesisTimeMs: 1_000n, devAccounts: 4 });
  const node = await PolchainNode.start({
    dataDir: dir, genesis, validatorSeed: seed, logger: pino({ level: 'silent' }), rpc: { enabled: true, host: '127.0.0.1', port: 0 },
    blockIntervalMs: 50, emptyBlocks: true,
  });
  t.after(async () => { await node.stop(); await rm(dir, { recursive: true, force: true }); });
  const rpc = new RpcClient(node.rpcUrl!);

  const heads: Array<{ height: string; hash: string }> = [];
  const unsubscribe = await rpc.subscribe('newHeads', (x) => heads.push(x));

  const tx = signTx({ chainId: genesis.chainId, nonce: 0n, fee: 3n, payload: { kind: 'transfer', to: devAccount(1).address, amount: 77n } }, devAccount(0).seed);
  const { hash } = await rpc.call('tx_submit', ['0x' + bytesToHex(encodeTx(tx))]);
  assert.equal(hash, '0x' + bytesToHex(sha256(encodeTx(tx))));
  let receipt: any = null;
  for (let i = 0; i < 200 && !receipt; i++) { receipt = await rpc.call('tx_getReceipt', [hash]); if (!receipt) await new Promise((r) => setTimeout(r, 25)); }
  assert.ok(receipt, 'receipt arrives');
  assert.equal(receipt.fee, '3');
  assert.deepEqual(receipt.events.map((e: any) => e.kind), ['transfer', 'fee']);
  assert.equal(receipt.events[0].amount, '77');
  assert.equal(receipt.events[0].counterparty, encodeAddress(devAccount(1).address));

  const byHeight = await rpc.call('chain_getBlock', [Number(receipt.height), true]);
  const tx0 = byHeight.txs[0] as Exclude<(typeof byHeight.txs)[number], string>; // full=true: decoded transactions
  assert.equal(tx0.hash, hash);
  assert.equal(tx0.kind, 'transfer');
  assert.equal(tx0.sender, encodeAddress(devAccount(0).address));
  const byHash = await rpc.call('chain_getBlock', [byHeight.hash]);
  assert.equal(byHash.height, byHeight.height);
  assert.deepEqual(byHash.txs, [hash]);
  const got = await rpc.call('chain_getTx', [hash]);
  assert.equal(got.height, receipt.height);
  assert.equal(got.kind === 'transfer' ? got.amount : got.kind, '77');
  await assert.rejects(rpc.call('chain_getBlock', [10_000_000]), (e: any) => e.code === -32001);
  await assert.rejects(rpc.call('chain_getTx', ['0x' + '00'.repeat(32)]), (e: any) => e.code === -32001);
  assert.equal(await rpc.call('tx_getReceipt', ['0x' + '11'.repeat(32)]), null);

  const commit = await rpc.call('chain_getCommit', [Number(byHeight.height)]);
  assert.equal(commit.blockHash, byHeight.hash);
  assert.ok(verify(pk, commitSigningBytes(genesis.chainId, BigInt(byHeight.height), h(byHeight.hash)), h(commit.signatures[0].signature)));

  const acct = await rpc.call('account_get', [encodeAddress(devAccount(0).address)]);
  assert.equal(acct.nonce, '1');
  assert.equal(acct.pendingNonce, '1');
  assert.equal(BigInt(acct.balance), 1_000_000_000_000n - 80n);
  const proof = await rpc.call('state_getProof', [encodeAddress(devAccount(1).address)]);
  assert.equal(proof.valueHash, '0x' + bytesToHex(sha256(h(proof.accountBytes!))));
  assert.ok(verifySmtProof(h(proof.stateRoot), h(proof.key), h(proof.valueHash!), decodeSmtProof(proof.proof)));
  const absent = await rpc.call('state_getProof', [encodeAddress(new Uint8Array(20).fill(0xab))]);
  assert.equal(absent.account, null);
  assert.ok(verifySmtProof(h(absent.stateRoot), h(absent.key), null, decodeSmtProof(absent.proof)), 'non-inclusion proof');
  assert.deepEqual(decodeAddress(acct.address), devAccount(0).address);

  const vals = await rpc.call('chain_getValidators', []);
  assert.equal(vals.validators.length, 1);
  const doc = await rpc.call('rpc.discover', []);
  for (const m of ['node_status', 'chain_getBlock', 'chain_getTx', 'tx_submit', 'tx_getReceipt', 'account_get', 'state_getProof']) {
    assert.ok(doc.methods.some((x: any) => x.name === m), `OpenRPC lists ${m}`);
  }

  for (let i = 0; i < 100 && heads.length < 3; i++) await new Promise((r) => setTimeout(r, 25));
  await unsubscribe();
  assert.ok(heads.length >= 3, `got ${heads.length} heads`);
  for (let i = 1; i < heads.length; i++) assert.equal(BigInt(heads[i]!.height), BigInt(heads[i - 1]!.height) + 1n, 'heads arrive in order, none skipped');
});
