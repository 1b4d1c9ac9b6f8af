import { encode, type Encodable } from '../codec/index.ts';
import type { ChainEvent, Receipt } from '../types/index.ts';

/**
 * The canonical encoding of a block's receipts, written byte by byte into one buffer: exactly the
 * bytes `encode` gives for [txHash, height, index, sender, fee, [[kind, address, counterparty, amount]...]]
 * (its msgpack forms: fixarray / array16, bin8, the 9-byte int64 form of a bigint below 2^63 and the
 * uint64 form above it, positive fixint / uint8 / uint16 / uint32, nil), as the differential test
 * pins. A block encodes one receipt per transaction; through the generic encoder that was ~3.4 µs
 * each plus a copy, and one off-heap buffer per receipt (malloc, then V8's ArrayBuffer sweeper).
 * A field outside these forms (never in a valid receipt) sends that receipt to the generic encoder.
 */
export const receiptFields = (r: Receipt): Encodable[] => [r.txHash, r.height, r.index, r.sender, r.fee, r.events.map(eventFields)];
export const eventFields = (e: ChainEvent): Encodable[] => [e.kind, e.address, e.counterparty, e.amount];

const I64_MIN = -(2n ** 63n);
const I64_END = 2n ** 63n;
const U64_END = 2n ** 64n;

const binSize = (b: Uint8Array): number => (b.length < 0x100 ? 2 + b.length : -1);
const uintSize = (n: number): number => (n >>> 0 !== n ? -1 : n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);
const bigSize = (n: bigint): number => (n >= I64_MIN && n < U64_END ? 9 : -1);
const arraySize = (n: number): number => (n < 0x10 ? 1 : n < 0x10000 ? 3 : -1);

/** Encoded size of a receipt in the forms written here, or -1 if one of its fields needs another form. */
function receiptSize(r: Receipt): number {
  const head = [binSize(r.txHash), bigSize(r.height), uintSize(r.index), binSize(r.sender), bigSize(r.fee), arraySize(r.events.length)];
  let n = 1;
  for (const p of head) {
    if (p < 0) return -1;
    n += p;
  }
  for (const e of r.events) {
    const k = uintSize(e.kind), a = binSize(e.address), c = e.counterparty ? binSize(e.counterparty) : 1, m = bigSize(e.amount);
    if (k < 0 || a < 0 || c < 0 || m < 0) return -1;
    n += 1 + k + a + c + m;
  }
  return n;
}

class Writer {
  pos = 0;
  constructor(readonly out: Uint8Array, readonly view: DataView) {}

  array(n: number): void {
    if (n < 0x10) this.out[this.pos++] = 0x90 | n;
    else { this.out[this.pos++] = 0xdc; this.out[this.pos++] = n >> 8; this.out[this.pos++] = n & 0xff; }
  }

  bin(b: Uint8Array): void {
    this.out[this.pos++] = 0xc4;
    this.out[this.pos++] = b.length;
    this.out.set(b, this.pos);
    this.pos += b.length;
  }

  uint(n: number): void {
    const o = this.out;
    if (n < 0x80) o[this.pos++] = n;
    else if (n < 0x100) { o[this.pos++] = 0xcc; o[this.pos++] = n; }
    else if (n < 0x10000) { o[this.pos++] = 0xcd; o[this.pos++] = n >> 8; o[this.pos++] = n & 0xff; }
    else { o[this.pos++] = 0xce; this.view.setUint32(this.pos, n); this.pos += 4; }
  }

  big(n: bigint): void {
    if (n < I64_END) { this.out[this.pos++] = 0xd3; this.view.setBigInt64(this.pos, n); }
    else { this.out[this.pos++] = 0xcf; this.view.setBigUint64(this.pos, n); }
    this.pos += 8;
  }
}

/**
 * Encodes each receipt (the bytes stored and hashed into receiptsRoot); the results are views into
 * one buffer shared by the block's receipts.
 */
export function encodeReceipts(receipts: readonly Receipt[]): Uint8Array[] {
  const sizes = receipts.map(receiptSize);
  let total = 0;
  for (const s of sizes) if (s > 0) total += s;
  const out = new Uint8Array(total);
  const w = new Writer(out, new DataView(out.buffer));
  return receipts.map((r, i) => {
    if (sizes[i]! < 0) return encode(receiptFields(r));
    const start = w.pos;
    w.array(6); w.bin(r.txHash); w.big(r.height); w.uint(r.index); w.bin(r.sender); w.big(r.fee);
    w.array(r.events.length);
    for (const e of r.events) {
      w.array(4); w.uint(e.kind); w.bin(e.address);
      if (e.counterparty) w.bin(e.counterparty);
      else out[w.pos++] = 0xc0;
      w.big(e.amount);
    }
    return out.subarray(start, w.pos);
  });
}
