import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBigInt, parseBigIntParam, parseU64Param, U64_MAX, encodeHex, decodeHex, parseHexParam, parseBlockTag, jsonReplacer, schemas } from './encoding.ts';
import { RpcError, INVALID_PARAMS } from './errors.ts';
import { validate } from './schema.ts';

function rejects(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof RpcError && e.code === INVALID_PARAMS && re.test(e.message));
}

test('bigint decimal strings round-trip and reject non-canonical forms', () => {
  const big = 2n ** 200n + 7n;
  assert.equal(encodeBigInt(big), big.toString());
  assert.equal(parseBigIntParam(encodeBigInt(big), 'amount'), big);
  assert.equal(parseBigIntParam('0', 'amount'), 0n);
  for (const bad of ['01', '+1', '1e3', '1.0', ' 1', '1 ', '', '-0', '0x10', '١']) rejects(() => parseBigIntParam(bad, 'amount'), /amount: must be a canonical/);
  rejects(() => parseBigIntParam('-5', 'amount'), /amount/);
  assert.equal(parseBigIntParam('-5', 'delta', { allowNegative: true }), -5n);
  rejects(() => parseBigIntParam('-0', 'delta', { allowNegative: true }), /delta/);
  rejects(() => parseBigIntParam(5, 'amount'), /must be a decimal integer string, got number 5/);
  assert.equal(parseBigIntParam(5, 'amount', { allowNumber: true }), 5n);
  rejects(() => parseBigIntParam('11', 'fee', { max: 10n }), /fee: must be <= 10/);
  rejects(() => parseBigIntParam('1'.repeat(101), 'fee'), /too long/);
});

test('hex is lowercase 0x with whole bytes', () => {
  assert.equal(encodeHex(new Uint8Array([0, 0xab, 0xff])), '0x00abff');
  assert.equal(encodeHex(new Uint8Array()), '0x');
  assert.deepEqual(parseHexParam('0x00abff', 'data'), new Uint8Array([0, 0xab, 0xff]));
  assert.deepEqual(decodeHex('0x01'), new Uint8Array([1]));
  rejects(() => parseHexParam('0xABCD', 'data'), /data: must be lowercase hex/);
  rejects(() => parseHexParam('0xabc', 'data'), /even number of hex digits/);
  rejects(() => parseHexParam('abcd', 'data'), /must start with "0x"/);
  rejects(() => parseHexParam('0xabcd', 'hash', 32), /hash: must be 32 bytes, got 2/);
  rejects(() => parseHexParam(12, 'data'), /got number 12/);
});

test('block tags: height (JSON integer or decimal string), latest, hash', () => {
  assert.deepEqual(parseBlockTag(7, 'at'), { kind: 'height', height: 7n });
  assert.deepEqual(parseBlockTag('7', 'at'), { kind: 'height', height: 7n });
  assert.deepEqual(parseBlockTag('18446744073709551615', 'at'), { kind: 'height', height: U64_MAX });
  rejects(() => parseBlockTag('18446744073709551616', 'at'), /at: must be at most 2\^64-1/);
  rejects(() => parseBlockTag('07', 'at'), /at: must be a canonical non-negative decimal/);
  assert.deepEqual(parseBlockTag('latest', 'at'), { kind: 'latest' });
  const h = '0x' + 'ab'.repeat(32);
  const t = parseBlockTag(h, 'at');
  assert.equal(t.kind, 'hash');
  rejects(() => parseBlockTag(-1, 'at'), /at: height must be a non-negative safe integer/);
  rejects(() => parseBlockTag(1.5, 'at'), /at: height/);
  rejects(() => parseBlockTag('earliest', 'at'), /at: must be a height/);
  rejects(() => parseBlockTag('0x12', 'at'), /must be 32 bytes/);
  assert.equal(validate(schemas.blockTag, 'latest', 'at'), undefined);
  assert.equal(validate(schemas.blockTag, h, 'at'), undefined);
  assert.notEqual(validate(schemas.blockTag, 'pending', 'at'), undefined);
  for (const ok of [7, '7', '0']) assert.equal(validate(schemas.blockTag, ok, 'at'), undefined, String(ok));
  for (const no of ['07', '-1', 1.5, '1e3']) assert.notEqual(validate(schemas.blockTag, no, 'at'), undefined, String(no));
});

test('u64 params: a decimal string or a safe JSON integer mean the same value', () => {
  assert.equal(parseU64Param(5, 'n'), 5n);
  assert.equal(parseU64Param('5', 'n'), 5n);
  assert.equal(parseU64Param('18446744073709551615', 'n'), U64_MAX);
  rejects(() => parseU64Param(2 ** 53, 'n'), /n: must be a non-negative integer up to 2\^53-1 \(use a decimal string/);
  rejects(() => parseU64Param(-1, 'n'), /n: must be a non-negative integer/);
  rejects(() => parseU64Param('18446744073709551616', 'n'), /n: must be at most 2\^64-1/);
  rejects(() => parseU64Param('+5', 'n'), /n: must be a canonical/);
  rejects(() => parseU64Param(true, 'n'), /n: must be a decimal integer string or a JSON integer/);
  for (const ok of [0, 5, '5', '18446744073709551615']) assert.equal(validate(schemas.u64, ok, 'n'), undefined, String(ok));
  for (const no of ['05', -1, 1.5, '184467440737095516150', null]) assert.notEqual(validate(schemas.u64, no, 'n'), undefined, String(no));
});

test('jsonReplacer encodes bigint and bytes', () => {
  assert.equal(JSON.stringify({ a: 10n ** 30n, b: new Uint8Array([1, 2]) }, jsonReplacer), '{"a":"1000000000000000000000000000000","b":"0x0102"}');
  assert.equal(validate(schemas.bigint, '01', 'x')?.includes('pattern'), true);
  assert.equal(validate(schemas.hash, '0x' + '0'.repeat(64), 'x'), undefined);
});
