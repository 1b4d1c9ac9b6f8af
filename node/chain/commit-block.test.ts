import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildBlock, type Commit } from '../../vm/index.ts';
import { devGenesis, DEV_VALIDATOR_STAKE } from '../../genesis/index.ts';
import { ChainStore } from '../storage/index.ts';
import { Mempool, DEFAULT_MEMPOOL } from '../mempool/index.ts';
import { alice, bob, carol, val, beaconSigFor, tx } from '../../test/helpers/chain-fixtures.ts';
import { commitDecidedBlock } from './commit-block.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

test('a decided block is stored and applied, the decider bookkeeping runs, then the mempool loses included and rejected txs; listeners hear last', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-commit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const genesis = devGenesis({ validators: [val, carol].map((v) => ({ address: v.address, consensusKey: v.publicKey, blsKey: v.blsKey })), genesisTimeMs: 1_000n, devAccounts: 2 });
  const store = await ChainStore.open(dir);
  t.after(() => store.close());
  const state = await store.initState(genesis);
  const mempool = new Mempool(state, DEFAULT_MEMPOOL);
  const good = tx(bob, 0n, { kind: 'transfer', to: alice.address, amount: 5n }, 3n, genesis.chainId);
  // Both validators unbond everything: each executes against the committed state, so both are
  // admitted, but in one block the second (lower fee) would leave no validator: UNBOND_LAST_VALIDATOR.
  const first = tx(carol, 0n, { kind: 'unbond', amount: DEV_VALIDATOR_STAKE }, 2n, genesis.chainId);
  const doomed = tx(val, 0n, { kind: 'unbond', amount: DEV_VALIDATOR_STAKE }, 1n, genesis.chainId);
  mempool.add(good);
  mempool.add(first);
  mempool.add(doomed);
  const { txs, preverified } = mempool.reap(100, 1 << 20);
  const r = buildBlock(state, { height: 1n, timestampMs: 2_000n, proposer: val.address, beaconSig: beaconSigFor(val, state) }, txs, preverified);
  assert.deepEqual(r.rejected.map((x) => x.error.code), ['UNBOND_LAST_VALIDATOR']);
  const commit: Commit = { height: 1n, blockHash: r.hash, signatures: [] };

  const seen: string[] = [];
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(s) });
  const dropped = await commitDecidedBlock({
    state, store, mempool, logger,
    onCommit: (got, c) => {
      seen.push(`notified ${got.block.header.height} mempool=${mempool.size}`);
      assert.equal(c, commit);
    },
  }, {
    result: r, commit,
    onApplied: () => seen.push(`applied ${state.height}`),
  });
  assert.equal(dropped, 0);
  assert.deepEqual(seen, ['applied 1', 'notified 1 mempool=0']);
  assert.equal(mempool.has(sha256(good)), false);
  assert.equal(mempool.has(sha256(doomed)), false, 'a transaction its block rejected leaves the mempool');
  assert.equal(await store.appliedHeight(), 1n);
  assert.equal(bytesToHex((await store.getCommit(1n))!.blockHash), bytesToHex(r.hash));
  assert.ok(await store.getReceipt(sha256(good)));
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /"level":30.*"rejected":1.*"msg":"committed block"/);
});
