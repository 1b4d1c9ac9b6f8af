// Admission runs block execution's checks against the pending state; what a block builder leaves
// out leaves the pool and stays out; entries expire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBlock, commitBlock, type ChainState } from '../../vm/index.ts';
import { Mempool, type MempoolOptions } from './mempool.ts';
import { alice, bob, carol, val, testState, transfer, tx, stakePayload, beaconSigFor } from '../../test/helpers/chain-fixtures.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

const OPTS: MempoolOptions = { maxTxs: 100, maxBytes: 1 << 20, maxNonceGap: 16n, ttlBlocks: 5n };
const errCode = (f: () => unknown) => { try { f(); return 'ok'; } catch (e) { return (e as { code: string }).code; } };
const snapshot = (m: Mempool) => ({ size: m.size, bytes: m.bytes, alice: m.pendingNonce(alice.address), bob: m.pendingNonce(bob.address) });

/** Builds and commits the next block from what `m` reaps; returns the block's result. */
function step(s: ChainState, m: Mempool, extra: Uint8Array[] = []) {
  const { txs, preverified } = m.reap(100, 1 << 20);
  const r = buildBlock(s, { height: s.height + 1n, timestampMs: 1_000n * (s.height + 2n), proposer: val.address, beaconSig: beaconSigFor(val, s) }, [...txs, ...extra], preverified);
  m.evict(r.rejected);
  commitBlock(s, r);
  m.update(s, r.txHashes);
  return r;
}

test('a transaction block execution would refuse is refused at admission with the same code, and nothing changes', () => {
  const s = testState(10_000n);
  const m = new Mempool(s, OPTS);
  m.add(transfer(bob, carol, 5n, 0n));
  const before = snapshot(m);
  // what applyBlock says for each, on the same state
  const vmCode = (raw: Uint8Array) => buildBlock(s, { height: 1n, timestampMs: 2_000n, proposer: val.address }, [raw]).rejected[0]?.error.code;
  const unbond = tx(alice, 0n, { kind: 'unbond', amount: 5n });
  const lowStake = tx(alice, 0n, stakePayload(alice, 5n));
  for (const [raw, code] of [[unbond, 'UNBOND_NOT_VALIDATOR'], [lowStake, 'STAKE_BELOW_MINIMUM']] as const) {
    assert.equal(vmCode(raw), code);
    assert.equal(errCode(() => m.add(raw)), code);
    assert.deepEqual(snapshot(m), before, `${code}: pool and pendingNonce unchanged`);
  }
  // the sender's next transaction at pendingNonce is admitted and executes
  m.add(transfer(alice, bob, 1n, m.pendingNonce(alice.address)));
  assert.deepEqual(step(s, m).rejected, []);
  assert.equal(s.getAccount(alice.address)!.nonce, 1n);
});

test('admission checks against the pending state: the sender\'s earlier pending transactions count', () => {
  const s = testState(10_000n);
  const m = new Mempool(s, OPTS);
  m.add(tx(alice, 0n, stakePayload(alice, 200n))); // minStake 100: alice is a validator in the pending state
  m.add(tx(alice, 1n, { kind: 'unbond', amount: 40n }, 1n)); // ... so she may unbond; 160 stay
  assert.equal(errCode(() => m.add(tx(alice, 2n, { kind: 'unbond', amount: 100n }))), 'STAKE_BELOW_MINIMUM', '60 left would fall below 100');
  assert.equal(errCode(() => m.add(tx(alice, 2n, { kind: 'unbond', amount: 170n }))), 'UNBOND_EXCEEDS_STAKE');
  assert.equal(errCode(() => m.add(transfer(alice, bob, 9_798n, 2n))), 'TX_INSUFFICIENT_BALANCE', 'balance after 200 staked and two fees is 9798');
  m.add(transfer(alice, bob, 9_797n, 2n));
  assert.equal(m.pendingNonce(alice.address), 3n);
  // replacing the stake leaves the unbond behind it unable to execute: it is dropped (the transfer after
  // it now waits behind a gap), and pendingNonce points at the freed nonce
  m.add(transfer(alice, carol, 10n, 0n, 5n));
  assert.equal(m.size, 2);
  assert.equal(m.pendingNonce(alice.address), 1n);
  assert.equal(errCode(() => m.add(tx(alice, 1n, { kind: 'unbond', amount: 40n }, 1n))), 'UNBOND_NOT_VALIDATOR');
  assert.deepEqual(step(s, m).rejected, []);
  assert.equal(s.getValidator(alice.address), undefined);
  assert.equal(s.getAccount(alice.address)!.nonce, 1n);
});

test('a transaction the block builder leaves out leaves the pool, is refused again with its code, and the sender moves on', () => {
  const s = testState(10_000n, [val, carol]);
  const m = new Mempool(s, OPTS);
  // both validators unbond everything: each alone executes, together the second would halt the chain
  const first = tx(carol, 0n, { kind: 'unbond', amount: 1_000n }, 5n);
  const doomed = tx(val, 0n, { kind: 'unbond', amount: 1_000n }, 1n);
  m.add(first);
  m.add(doomed);
  m.add(transfer(val, bob, 1n, 1n)); // val's next, queued behind the doomed unbond
  assert.equal(m.pendingNonce(val.address), 2n);
  const { txs, preverified } = m.reap(100, 1 << 20);
  const r = buildBlock(s, { height: 1n, timestampMs: 2_000n, proposer: val.address, beaconSig: beaconSigFor(val, s) }, txs, preverified);
  assert.deepEqual(r.rejected.map((x) => x.error.code), ['UNBOND_LAST_VALIDATOR', 'TX_NONCE_FUTURE']);
  assert.equal(m.evict(r.rejected), 1, 'the failed unbond leaves; the transfer behind it waits behind the gap');
  assert.equal(m.has(sha256(doomed)), false);
  assert.equal(m.pendingNonce(val.address), 0n, 'pendingNonce no longer counts a transaction that will never execute');
  assert.equal(errCode(() => m.add(doomed)), 'UNBOND_LAST_VALIDATOR', 'gossip cannot bring it back');
  assert.equal(m.stats().evicted, 1);
  commitBlock(s, r);
  m.update(s, r.txHashes);
  m.add(transfer(val, bob, 7n, m.pendingNonce(val.address)));
  assert.equal(m.pendingNonce(val.address), 2n, 'the new nonce 0 fills the gap: the waiting transfer counts again');
  const r2 = step(s, m);
  assert.deepEqual(r2.rejected, []);
  assert.equal(r2.block.txs.length, 2);
  assert.equal(s.getAccount(val.address)!.nonce, 2n);
});

test('after a block, every node\'s pool drops what no longer executes (not only the proposer\'s)', () => {
  // two nodes hold the same transactions; the block comes from the other one
  const proposerState = testState(10_000n, [val, carol]);
  const followerState = testState(10_000n, [val, carol]);
  const follower = new Mempool(followerState, OPTS);
  const first = tx(carol, 0n, { kind: 'unbond', amount: 1_000n }, 5n);
  const doomed = tx(val, 0n, { kind: 'unbond', amount: 1_000n }, 1n);
  follower.add(first);
  follower.add(doomed);
  const r = buildBlock(proposerState, { height: 1n, timestampMs: 2_000n, proposer: val.address, beaconSig: beaconSigFor(val, proposerState) }, [first, doomed]);
  assert.equal(r.block.txs.length, 1);
  commitBlock(followerState, r); // the follower applies the decided block: its rejected list is not known to it
  const dropped = follower.update(followerState, r.txHashes);
  assert.equal(dropped, 1);
  assert.equal(follower.size, 0);
  assert.equal(follower.pendingNonce(val.address), 0n);
  assert.equal(errCode(() => follower.add(doomed)), 'UNBOND_LAST_VALIDATOR');
});

test('entries expire ttlBlocks after they arrived, are counted, and are refused again until the bar lifts', () => {
  const s = testState(10_000n);
  const m = new Mempool(s, { ...OPTS, ttlBlocks: 3n });
  const stuck = transfer(alice, bob, 1n, 1n); // waits behind a nonce gap that nobody fills
  m.add(stuck);
  assert.equal(m.pendingNonce(alice.address), 0n, 'a transaction behind a gap is not counted');
  step(s, m);
  step(s, m);
  assert.equal(m.size, 1, 'two blocks: still waiting');
  step(s, m);
  assert.equal(m.size, 0, 'three blocks after arrival it expired');
  assert.deepEqual(m.stats(), { size: 0, bytes: 0, expired: 1, evicted: 0 });
  assert.equal(errCode(() => m.add(stuck)), 'MEMPOOL_EXPIRED');
  for (let i = 0; i < 3; i++) step(s, m);
  m.add(stuck); // the bar lasts ttlBlocks; then admission judges it afresh
  assert.equal(m.size, 1);
});

test('a stake whose BLS key is no point, or whose proof of possession is wrong or missing, is refused at admission', () => {
  const s = testState(10_000n);
  const m = new Mempool(s, OPTS);
  const good = stakePayload(alice, 200n);
  const notAPoint = new Uint8Array(48).fill(0xab);
  const cases = [
    [tx(alice, 0n, { ...good, blsKey: notAPoint }), 'STAKE_BLS_KEY_INVALID'],
    [tx(alice, 0n, { ...good, blsPop: stakePayload(bob, 200n).blsPop }), 'STAKE_POP_INVALID'],
    [tx(alice, 0n, { ...good, blsPop: stakePayload(alice, 200n, { chainId: 'other-chain' }).blsPop }), 'STAKE_POP_INVALID'],
  ] as const;
  for (const [raw, code] of cases) assert.equal(errCode(() => m.add(raw)), code);
  assert.deepEqual(snapshot(m), { size: 0, bytes: 0, alice: 0n, bob: 0n });
  m.add(tx(alice, 0n, good));
  assert.equal(m.pendingNonce(alice.address), 1n);
});

test('beyond the per-block re-check budget, a queue is re-checked when next used: pendingNonce, selection, admission', () => {
  const s = testState(10_000n, [val, carol]);
  const m = new Mempool(s, { ...OPTS, recheckPerBlock: 0 });
  const first = tx(carol, 0n, { kind: 'unbond', amount: 1_000n }, 5n);
  const doomed = tx(val, 0n, { kind: 'unbond', amount: 1_000n }, 1n);
  m.add(first);
  m.add(doomed);
  m.add(transfer(bob, alice, 1n, 0n));
  const r = buildBlock(s, { height: 1n, timestampMs: 2_000n, proposer: val.address, beaconSig: beaconSigFor(val, s) }, [first]);
  commitBlock(s, r);
  assert.equal(m.update(s, r.txHashes, r.changes), 0, 'nothing executed again within a budget of 0');
  assert.equal(m.has(sha256(doomed)), true);
  const reaped = m.reap(100, 1 << 20).txs.map((t) => bytesToHex(sha256(t)));
  assert.deepEqual(reaped, [bytesToHex(sha256(transfer(bob, alice, 1n, 0n)))], 'selection re-checks val\'s queue and leaves the unbond out');
  assert.equal(m.has(sha256(doomed)), false);
  assert.equal(m.pendingNonce(val.address), 0n);
  assert.equal(m.stats().evicted, 1);
});

test('a transaction refused because the pool is full leaves no trace in its sender\'s pending state', () => {
  const s = testState(10_000n);
  const m = new Mempool(s, { ...OPTS, maxTxs: 2 });
  m.add(transfer(alice, bob, 9_000n, 0n, 9n));
  m.add(transfer(bob, carol, 1n, 0n, 9n));
  // passes the pending-state check (against alice's cached tip), then finds no room
  assert.equal(errCode(() => m.add(transfer(alice, bob, 900n, 1n, 1n))), 'MEMPOOL_FULL');
  // the same nonce again, paying enough to evict bob's: judged as if the refused one had never come
  assert.equal(errCode(() => m.add(transfer(alice, bob, 900n, 1n, 20n))), 'ok');
  assert.equal(m.has(sha256(transfer(bob, carol, 1n, 0n, 9n))), false);
  assert.equal(m.pendingNonce(alice.address), 2n);
});
