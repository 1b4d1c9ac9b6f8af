import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeReceipts } from './receipts-codec.ts';
import { decodeReceipt, encodeReceipt } from './codec.ts';
import { EventKind, type ChainEvent, type EventKindTag, type Receipt } from '../types/index.ts';
import { bytesToHex } from '../../primitives/index.ts';

// a fixed linear congruential sequence: the same cases on every run
let seed = 12345;
const next = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
const bytes = (n: number) => Uint8Array.from({ length: n }, () => next(256));
const pick = <T>(xs: readonly T[]): T => xs[next(xs.length)]!;

const BIGS = [0n, 1n, 127n, 128n, 255n, 256n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
const UINTS = [0, 1, 31, 32, 127, 128, 255, 256, 65_535, 65_536, 2 ** 31, 2 ** 32 - 1];
const KINDS = Object.values(EventKind) as EventKindTag[];

function receipt(): Receipt {
  const events: ChainEvent[] = Array.from({ length: pick([0, 1, 2, 3, 15, 16, 17]) }, () => ({
    kind: pick(KINDS), address: bytes(20), counterparty: next(2) ? bytes(20) : null, amount: pick(BIGS),
  }));
  return { txHash: bytes(32), height: pick(BIGS), index: pick(UINTS), sender: bytes(20), fee: pick(BIGS), events };
}

test('a block\'s receipts encode to exactly the generic canonical bytes, each its own view, and decode back', () => {
  const receipts = Array.from({ length: 600 }, receipt);
  const got = encodeReceipts(receipts);
  assert.equal(got.length, receipts.length);
  for (const [i, r] of receipts.entries()) {
    assert.equal(bytesToHex(got[i]!), bytesToHex(encodeReceipt(r)), `receipt ${i}`);
    assert.deepEqual(decodeReceipt(got[i]!), r);
  }
  assert.deepEqual(encodeReceipts([]), []);
});

test('a field outside the written forms takes the generic encoder for its receipt alone', () => {
  const odd: Receipt[] = [
    { ...receipt(), index: 2 ** 32 }, // not a uint32
    { ...receipt(), sender: bytes(300) }, // a bin longer than 255 bytes
    { ...receipt(), events: Array.from({ length: 3 }, () => ({ kind: KINDS[0]!, address: bytes(20), counterparty: null, amount: -5n })) },
  ];
  const mixed = [receipt(), ...odd, receipt()];
  const got = encodeReceipts(mixed);
  for (const [i, r] of mixed.entries()) assert.equal(bytesToHex(got[i]!), bytesToHex(encodeReceipt(r)), `receipt ${i}`);
});
