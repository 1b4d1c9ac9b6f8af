// The store persists the v3 state: the randomness beacon, jailed validators and jobs survive a reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { buildBlock, beaconAtGenesis, encode, signTxBytes, JobStatus, type Commit, type TxPayload } from '../../vm/index.ts';
import { devGenesis } from '../../genesis/index.ts';
import { ChainStore } from './chain-store.ts';
import { checkStoredChain } from './integrity.ts';
import { alice, bob, val, beaconSigFor, trackedHooks, equivocation, tx } from '../../test/helpers/chain-fixtures.ts';
import { terms } from '../../test/helpers/job-work.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

test('beacon and jailing are persisted and the reloaded state root matches the head block', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const genesis = devGenesis({
    validators: [val, alice].map((a) => ({ address: a.address, consensusKey: a.publicKey, blsKey: a.blsKey })), genesisTimeMs: 1_000n, devAccounts: 0,
  });
  const { hooks, record } = trackedHooks(genesis.chainId);
  let store = await ChainStore.open(dir);
  let state = await store.initState(genesis);
  assert.equal(bytesToHex(state.beacon), bytesToHex(beaconAtGenesis(genesis.chainId)));
  record(state);
  const ctx = { height: 1n, timestampMs: 2_000n, proposer: val.address, beaconSig: beaconSigFor(val, state), evidence: [equivocation(alice, 1n, genesis.chainId)] };
  const r = buildBlock(state, ctx, [], undefined, hooks);
  assert.equal(r.block.evidence.length, 1);
  const commit: Commit = { height: 1n, blockHash: r.hash, signatures: [] };
  await store.commit(state, r, commit);
  assert.equal(bytesToHex(state.beacon), bytesToHex(r.block.header.beacon));
  assert.deepEqual((await store.getBlockEvents(1n)).map((e) => [e.kind, e.amount]), [[6, 50_000n]]);
  await store.close();

  store = await ChainStore.open(dir);
  t.after(() => store.close());
  state = await store.initState(genesis);
  assert.equal(state.height, 1n);
  assert.equal(bytesToHex(state.beacon), bytesToHex(r.block.header.beacon));
  assert.equal(bytesToHex(state.stateRoot), bytesToHex(r.block.header.stateRoot));
  assert.equal(state.getValidator(alice.address)!.jailed, true);
  assert.equal(state.validatorList().length, 1);
  const back = (await store.getBlock(1n))!;
  assert.equal(bytesToHex(back.beaconSig), bytesToHex(r.block.beaconSig));
  assert.equal(back.evidence.length, 1);
});

test('a committed job and the active job index survive a reopen with an identical state root', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-store-jobs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const genesis = devGenesis({ validators: [val].map((a) => ({ address: a.address, consensusKey: a.publicKey, blsKey: a.blsKey })), genesisTimeMs: 1_000n, devAccounts: 3 });
  let store = await ChainStore.open(dir);
  let state = await store.initState(genesis);
  const sign = (from: typeof alice, nonce: bigint, payload: TxPayload) => signTxBytes({ chainId: genesis.chainId, nonce, fee: 1n, payload }, from.seed);
  const produce = async (height: bigint, txs: Uint8Array[]) => {
    const r = buildBlock(state, { height, timestampMs: 1_000n + height * 1_000n, proposer: val.address }, txs);
    assert.deepEqual(r.rejected.map((x) => x.error.code), []);
    await store.commit(state, r, { height, blockHash: r.hash, signatures: [] });
    return r;
  };
  const submitted = await produce(1n, [sign(alice, 0n, { kind: 'job-submit', terms: terms() }), sign(alice, 1n, { kind: 'job-submit', terms: terms({ bounty: 7n }) })]);
  const [a, b] = submitted.txHashes as [Uint8Array, Uint8Array];
  const accepted = await produce(2n, [sign(bob, 0n, { kind: 'job-accept', jobId: a, daPeer: 'peer', daAddrs: ['/ip4/127.0.0.1/tcp/1'] })]);
  assert.deepEqual(accepted.writes.map((w) => w.kind).filter((k) => k.startsWith('job')), ['job']);
  const before = { root: bytesToHex(state.stateRoot), jobs: state.listJobs(), active: state.activeJobs.map(bytesToHex) };
  assert.equal(before.jobs.length, 2);
  assert.equal(state.getJob(a)!.status, JobStatus.Accepted);
  await store.close();

  store = await ChainStore.open(dir);
  t.after(() => store.close());
  state = await store.initState(genesis);
  assert.equal(bytesToHex(state.stateRoot), before.root);
  assert.equal(bytesToHex(state.stateRoot), bytesToHex(accepted.block.header.stateRoot));
  assert.deepEqual(state.listJobs(), before.jobs);
  assert.deepEqual(state.activeJobs.map(bytesToHex), before.active);
  assert.deepEqual(state.activeJobs.map(bytesToHex), [a, b].map(bytesToHex).sort());
  assert.equal(state.getJob(b)!.terms.bounty, 7n);
  // the tick after the reopen draws the seed exactly as it would have without one
  const next = await produce(3n, []);
  assert.deepEqual(next.jobUpdates.map((u) => [bytesToHex(u.jobId), u.status]), [[bytesToHex(a), JobStatus.Training]]);
});

test('a transaction is stored as its receipt alone, which answers where it is; a data dir with the older location records still reads', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-store-loc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const genesis = devGenesis({ validators: [{ address: val.address, consensusKey: val.publicKey, blsKey: val.blsKey }], genesisTimeMs: 1_000n, devAccounts: 2 });
  let store = await ChainStore.open(dir);
  const state = await store.initState(genesis);
  const txs = [0n, 1n, 2n].map((n) => tx(alice, n, { kind: 'transfer', to: bob.address, amount: 5n }, 1n, genesis.chainId));
  for (const [i, height] of [1n, 2n].entries()) {
    const r = buildBlock(state, { height, timestampMs: 1_000n + height * 1_000n, proposer: val.address }, i === 0 ? txs.slice(0, 1) : txs.slice(1));
    await store.commit(state, r, { height, blockHash: r.hash, signatures: [] });
  }
  const db = (store as unknown as { db: Level<Uint8Array, Uint8Array> }).db;
  const keysWith = async (prefix: string) => (await db.keys({ gte: Uint8Array.of(prefix.charCodeAt(0)), lt: Uint8Array.of(prefix.charCodeAt(0) + 1) }).all()).length;
  assert.equal(await keysWith('r'), 3);
  assert.equal(await keysWith('t'), 0, 'no location record beside the receipt');
  const want = [{ height: 1n, index: 0 }, { height: 2n, index: 0 }, { height: 2n, index: 1 }];
  assert.deepEqual(await Promise.all(txs.map((x) => store.getTxLocation(sha256(x)))), want);
  assert.equal(await store.getTxLocation(sha256(Uint8Array.of(1))), undefined);
  // what an earlier version wrote beside each receipt: the data dir opens, answers and checks the same
  for (const [i, x] of txs.entries()) await db.put(Uint8Array.of(0x74, ...sha256(x)), encode([want[i]!.height, want[i]!.index]));
  await store.close();
  store = await ChainStore.open(dir);
  t.after(() => store.close());
  assert.equal((await store.initState(genesis)).height, 2n);
  assert.deepEqual(await Promise.all(txs.map((x) => store.getTxLocation(sha256(x)))), want);
  assert.deepEqual((await checkStoredChain(store, { receipts: true })).problems, []);
});
