import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBlock, commitBlock } from '../../vm/index.ts';
import { Mempool } from './mempool.ts';
import { alice, bob, carol, val, testState, transfer } from '../../test/helpers/chain-fixtures.ts';
import { sha256, bytesToHex } from '../../primitives/index.ts';

const errCode = (f: () => unknown) => { try { f(); return 'ok'; } catch (e) { return (e as { code: string }).code; } };

test('admission: duplicates, stale and far-future nonces, fees, balance and replacement', () => {
  const s = testState(10_000n);
  const m = new Mempool(s, { maxTxs: 100, maxBytes: 1 << 20, maxNonceGap: 4n, ttlBlocks: 100n });
  const t0 = transfer(alice, bob, 10n, 0n);
  m.add(t0);
  assert.equal(errCode(() => m.add(t0)), 'MEMPOOL_DUPLICATE');
  assert.equal(errCode(() => m.add(transfer(alice, bob, 10n, 5n))), 'MEMPOOL_NONCE_GAP');
  assert.equal(errCode(() => m.add(transfer(alice, bob, 10n, 1n, 0n))), 'TX_FEE_TOO_LOW');
  assert.equal(errCode(() => m.add(transfer(alice, bob, 9_990n, 1n))), 'TX_INSUFFICIENT_BALANCE', 'pending spend counts');
  assert.equal(errCode(() => m.add(transfer(alice, carol, 10n, 0n, 1n))), 'MEMPOOL_UNDERPRICED');
  m.add(transfer(alice, carol, 10n, 0n, 5n)); // replace-by-fee
  assert.equal(m.size, 1);
  assert.equal(m.has(sha256(t0)), false);
  const bad = transfer(bob, alice, 1n, 0n);
  bad[bad.length - 2] ^= 0xff;
  assert.equal(errCode(() => m.add(bad)), 'TX_BAD_SIGNATURE');
  assert.equal(m.size, 1);
});

test('reap keeps per-account nonce order and prefers higher fees; update drops what a block made stale', () => {
  const s = testState();
  const m = new Mempool(s, { maxTxs: 100, maxBytes: 1 << 20, maxNonceGap: 16n, ttlBlocks: 100n });
  m.add(transfer(alice, bob, 1n, 1n, 50n)); // not executable until nonce 0 arrives
  m.add(transfer(bob, alice, 1n, 0n, 2n));
  m.add(transfer(carol, alice, 1n, 0n, 9n));
  assert.equal(m.reap(10, 1 << 20).txs.length, 2, 'alice nonce 1 waits for nonce 0');
  m.add(transfer(alice, bob, 1n, 0n, 1n));
  const { txs } = m.reap(10, 1 << 20);
  const order = txs.map((t) => bytesToHex(sha256(t)));
  assert.equal(order.length, 4);
  assert.equal(order[0], bytesToHex(sha256(transfer(carol, alice, 1n, 0n, 9n))));
  assert.ok(order.indexOf(bytesToHex(sha256(transfer(alice, bob, 1n, 0n, 1n)))) < order.indexOf(bytesToHex(sha256(transfer(alice, bob, 1n, 1n, 50n)))));
  assert.equal(m.pendingNonce(alice.address), 2n);
  // A block (from elsewhere) uses alice's nonce 0 with another tx: the pending one becomes stale.
  const r = buildBlock(s, { height: 1n, timestampMs: 2_000n, proposer: val.address }, [transfer(alice, carol, 3n, 0n, 1n)]);
  commitBlock(s, r);
  const dropped = m.update(s, r.txHashes);
  assert.equal(dropped, 1);
  assert.equal(m.size, 3);
  assert.equal(m.reap(10, 1 << 20).txs.length, 3);
});

test('caps: a full pool evicts the lowest fee for a higher one, otherwise refuses', () => {
  const s = testState();
  const m = new Mempool(s, { maxTxs: 2, maxBytes: 1 << 20, maxNonceGap: 16n, ttlBlocks: 100n });
  m.add(transfer(alice, bob, 1n, 0n, 5n));
  m.add(transfer(bob, alice, 1n, 0n, 3n));
  assert.equal(errCode(() => m.add(transfer(carol, alice, 1n, 0n, 2n))), 'MEMPOOL_FULL');
  m.add(transfer(carol, alice, 1n, 0n, 4n));
  assert.equal(m.size, 2);
  assert.equal(m.has(sha256(transfer(bob, alice, 1n, 0n, 3n))), false);
  const bytesCap = new Mempool(s, { maxTxs: 100, maxBytes: 300, maxNonceGap: 16n, ttlBlocks: 100n });
  bytesCap.add(transfer(alice, bob, 1n, 0n, 1n));
  assert.equal(errCode(() => bytesCap.add(transfer(bob, alice, 1n, 0n, 1n))), 'MEMPOOL_FULL');
  assert.ok(bytesCap.bytes <= 300);
});

test('transactions arriving out of nonce order end in the same pool as in order: the executed prefix, the first failure dropped, the rest behind the gap', () => {
  const pool = (order: number[]) => {
    const s = testState(100n);
    const m = new Mempool(s, { maxTxs: 100, maxBytes: 1 << 20, maxNonceGap: 16n, ttlBlocks: 100n });
    const codes = order.map((n) => errCode(() => m.add(transfer(alice, bob, 30n, BigInt(n), 1n))));
    return { m, codes, held: [0, 1, 2, 3, 4, 5].filter((n) => m.has(sha256(transfer(alice, bob, 30n, BigInt(n), 1n)))) };
  };
  const inOrder = pool([0, 1, 2, 3, 5]);
  assert.deepEqual(inOrder.codes, ['ok', 'ok', 'ok', 'TX_INSUFFICIENT_BALANCE', 'ok'], 'three transfers of 30 + fee 1 fit in 100');
  for (const order of [[5, 3, 1, 0, 2], [1, 3, 0, 5, 2], [2, 1, 0, 3, 5]]) {
    const p = pool(order);
    assert.deepEqual(p.held, [0, 1, 2, 5], `order ${order}`);
    assert.equal(p.m.pendingNonce(alice.address), 3n, `order ${order}`);
    assert.equal(p.m.reap(10, 1 << 20).txs.length, 3, `order ${order}`);
    // nonce 3 again: the pending state after 0..2 leaves 7, so it is refused as in order
    assert.equal(errCode(() => p.m.add(transfer(alice, bob, 30n, 3n, 1n))), 'TX_INSUFFICIENT_BALANCE');
  }
});
