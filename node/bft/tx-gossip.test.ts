import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, VmError, type VmErrorCode } from '../../vm/index.ts';
import { TxBatcher, admitTxBatch, decodeTxBatch, TX_BATCH_MAX_BYTES } from './tx-gossip.ts';

test('a burst of transactions goes out as few batches, in order, each under the size cap', async () => {
  const sent: Uint8Array[] = [];
  const b = new TxBatcher((x) => sent.push(x));
  const txs = Array.from({ length: 1000 }, (_, i) => new Uint8Array(170).fill(i & 0xff));
  for (const t of txs) b.add(t);
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(sent.length >= 2 && sent.length <= 5, `${sent.length} batches`);
  assert.ok(sent.every((x) => x.length <= TX_BATCH_MAX_BYTES));
  const back = sent.flatMap(decodeTxBatch);
  assert.equal(back.length, 1000);
  assert.deepEqual(back.map((x) => x[0]), txs.map((x) => x[0]));
});

test('malformed batches are refused', () => {
  assert.throws(() => decodeTxBatch(Uint8Array.of(0xc1)));
  assert.throws(() => decodeTxBatch(encode([])));
  assert.throws(() => decodeTxBatch(encode([1, 2])));
  assert.throws(() => decodeTxBatch(encode('tx')));
});

test('a gossiped batch is rejected only for a fault of the sender, typed by its error code', () => {
  const batch = encode([Uint8Array.of(1), Uint8Array.of(2)]);
  const throwing = (code: VmErrorCode) => ({ add: () => { throw new VmError(code, 'x'); } });
  assert.equal(admitTxBatch({ add: () => undefined }, batch), 'accept');
  assert.equal(admitTxBatch(throwing('TX_BAD_SIGNATURE'), batch), 'reject');
  assert.equal(admitTxBatch(throwing('CODEC_NON_CANONICAL'), batch), 'reject');
  assert.equal(admitTxBatch(throwing('TX_NONCE_STALE'), batch), 'ignore');
  assert.equal(admitTxBatch({ add: () => { throw Object.assign(new Error('x'), { code: 'TX_BAD_SIGNATURE' }); } }, batch), 'ignore');
  assert.equal(admitTxBatch({ add: () => undefined }, Uint8Array.of(0xc1)), 'reject');
});
