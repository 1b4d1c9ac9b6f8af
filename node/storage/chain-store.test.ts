// The store persists the v2 state: the randomness beacon and jailed validators survive a reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBlock, bytesToHex, beaconAtGenesis, type Commit } from '../../vm/index.ts';
import { devGenesis } from '../../genesis/index.ts';
import { ChainStore } from './chain-store.ts';
import { alice, val, beaconSigFor, trackedHooks, equivocation } from '../../test/helpers/chain.ts';

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
