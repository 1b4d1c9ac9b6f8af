// Gossiped transactions pass the same admission as submitted ones: what a block could not execute
// is not admitted (nor relayed: the verdict is not 'accept'), and a stake with a bad BLS proof is the peer's fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../vm/index.ts';
import { Mempool, DEFAULT_MEMPOOL } from '../mempool/index.ts';
import { admitTxBatch } from './tx-gossip.ts';
import { alice, bob, testState, transfer, tx, stakePayload } from '../../test/helpers/chain-fixtures.ts';

test('a gossiped unbond from a non-validator or a stake below the minimum is not admitted; a bad proof of possession rejects the batch', () => {
  const m = new Mempool(testState(10_000n), DEFAULT_MEMPOOL);
  const unbond = tx(alice, 0n, { kind: 'unbond', amount: 5n });
  const lowStake = tx(alice, 0n, stakePayload(alice, 5n));
  assert.equal(admitTxBatch(m, encode([unbond, lowStake])), 'ignore');
  assert.equal(m.size, 0);
  assert.equal(m.pendingNonce(alice.address), 0n);
  const forgedPop = tx(bob, 0n, { ...stakePayload(bob, 500n), blsPop: stakePayload(alice, 500n).blsPop });
  assert.equal(admitTxBatch(m, encode([forgedPop])), 'reject');
  assert.equal(admitTxBatch(m, encode([unbond, transfer(alice, bob, 1n, 0n)])), 'accept');
  assert.equal(m.size, 1);
});
