import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeVarint, encodeVarint, readFrame } from './framing.ts';
import { PeerScoreBook } from './scores.ts';
import { decodeItems, decodeRangeRequest, encodeItems, encodeRangeRequest } from './sync.ts';
import { P2pError } from './errors.ts';

async function* chunks(...parts: number[][]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Uint8Array.from(p);
}
const code = (c: string) => (e: unknown) => e instanceof P2pError && e.code === c;

test('varint round trip and strictness', () => {
  for (const v of [0n, 1n, 127n, 128n, 300n, 16_383n, 16_384n, 2n ** 32n, 2n ** 53n]) {
    const enc = encodeVarint(v);
    assert.deepEqual(decodeVarint(enc), { value: v, bytes: enc.length });
  }
  assert.deepEqual(encodeVarint(300), Uint8Array.of(0xac, 0x02));
  assert.equal(decodeVarint(Uint8Array.of(0x80)), undefined, 'incomplete');
  assert.throws(() => decodeVarint(Uint8Array.of(0x80, 0x00)), code('P2P_MALFORMED_FRAME'));
  assert.throws(() => decodeVarint(new Uint8Array(9).fill(0xff)), code('P2P_MALFORMED_FRAME'));
});

test('readFrame: split chunks, early size cap, truncation', async () => {
  assert.deepEqual(await readFrame(chunks([3, 1], [2], [3, 9, 9]), 10), Uint8Array.of(1, 2, 3));
  assert.deepEqual(await readFrame(chunks([0x82], [0x01, ...new Array(130).fill(5)]), 200), new Uint8Array(130).fill(5));
  assert.deepEqual(await readFrame(chunks([0]), 0), new Uint8Array(0));
  // the cap is checked from the length alone: the body never has to arrive
  await assert.rejects(readFrame(chunks([0xff, 0xff, 0x03]), 1000), code('P2P_FRAME_TOO_LARGE'));
  await assert.rejects(readFrame(chunks([5, 1, 2]), 10), code('P2P_MALFORMED_FRAME'));
  await assert.rejects(readFrame(chunks(), 10), code('P2P_STREAM_CLOSED'));
  await assert.rejects(readFrame(chunks([0x81]), 1000), code('P2P_MALFORMED_FRAME'));
  await assert.rejects(readFrame(chunks([0x80, 0x00]), 10), code('P2P_MALFORMED_FRAME'));
});

test('sync codecs reject malformed input', () => {
  assert.deepEqual(decodeRangeRequest(encodeRangeRequest(5n, 3)), { from: 5n, count: 3 });
  assert.throws(() => decodeRangeRequest(Uint8Array.of(5)), code('P2P_MALFORMED_FRAME'));
  assert.throws(() => decodeRangeRequest(Uint8Array.of(5, 0)), code('P2P_MALFORMED_FRAME'));
  assert.throws(() => decodeRangeRequest(Uint8Array.of(5, 1, 0)), code('P2P_MALFORMED_FRAME'));
  const items = [Uint8Array.of(1), new Uint8Array(0), new Uint8Array(200).fill(4)];
  assert.deepEqual(decodeItems(encodeItems(items), 3), items);
  assert.throws(() => decodeItems(encodeItems(items), 2), code('P2P_MALFORMED_FRAME'));
  assert.throws(() => decodeItems(Uint8Array.of(1, 5, 1), 3), code('P2P_MALFORMED_FRAME'));
  assert.throws(() => decodeItems(Uint8Array.of(1, 1, 1, 9), 3), code('P2P_MALFORMED_FRAME'));
});

test('peer scores: cap, ban below threshold, expiry with an injected clock', () => {
  let now = 0;
  const book = new PeerScoreBook({ now: () => now, banThreshold: -20, banMs: 1000, maxScore: 5 });
  for (let i = 0; i < 10; i++) book.adjust('p', 1);
  assert.equal(book.score('p'), 5);
  assert.equal(book.adjust('p', -10).bannedUntil, undefined);
  assert.equal(book.adjust('p', -10).bannedUntil, undefined, '-15 is not below -20');
  assert.equal(book.adjust('p', -10).bannedUntil, 1000);
  assert.ok(book.isBanned('p'));
  book.forget('p');
  assert.ok(book.isBanned('p'), 'forget keeps bans');
  now = 999;
  assert.ok(book.isBanned('p'));
  now = 1000;
  assert.equal(book.isBanned('p'), false);
  assert.equal(book.score('p'), 0);
  book.adjust('q', -3);
  book.forget('q');
  assert.equal(book.score('q'), -3, 'bad history survives a reconnect');
});

test('peer scores: unban lifts a running ban at once and restarts the score at 0', () => {
  let now = 0;
  const book = new PeerScoreBook({ now: () => now, banThreshold: -20, banMs: 1000, maxScore: 5 });
  book.adjust('p', -30);
  assert.ok(book.isBanned('p'));
  now = 10;
  assert.equal(book.unban('p'), true);
  assert.equal(book.isBanned('p'), false);
  assert.equal(book.score('p'), 0);
  assert.deepEqual(book.banned(), []);
  assert.equal(book.unban('p'), false, 'nothing to lift');
  book.ban('q', 500);
  now = 600;
  assert.equal(book.unban('q'), false, 'an expired ban is not a running one');
});

test('peer scores: memory stays bounded under many identities', () => {
  const book = new PeerScoreBook({ now: () => 0, maxEntries: 100 });
  book.adjust('bad', -40);
  for (let i = 0; i < 1000; i++) book.adjust(`p${i}`, -1);
  assert.ok((book as unknown as { scores: Map<string, number> }).scores.size <= 100);
  assert.equal(book.score('bad'), -40, 'the worst offender is remembered');
});
