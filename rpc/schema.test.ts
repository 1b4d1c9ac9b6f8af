import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validate, checkSchema, type JsonSchema } from './schema.ts';
import { RpcConfigError } from './errors.ts';

test('type checks, with integer as a subtype of number', () => {
  assert.equal(validate({ type: 'integer' }, 5, 'x'), undefined);
  assert.match(validate({ type: 'integer' }, 5.5, 'x')!, /^x: must be integer, got number 5.5$/);
  assert.equal(validate({ type: 'number' }, 5, 'x'), undefined);
  assert.match(validate({ type: 'string' }, null, 'x')!, /must be string, got null/);
  assert.equal(validate({ type: ['string', 'null'] }, null, 'x'), undefined);
  assert.match(validate({ type: 'array' }, {}, 'x')!, /must be array, got object/);
  assert.match(validate({ type: 'object' }, [], 'x')!, /must be object, got array/);
});

test('string, number and array constraints name the path', () => {
  assert.match(validate({ type: 'string', pattern: '^0x[0-9a-f]*$' }, '0xZZ', 'h')!, /^h: must match pattern/);
  assert.match(validate({ type: 'string', maxLength: 3 }, 'abcd', 's')!, /at most 3 characters, got 4/);
  assert.match(validate({ type: 'integer', minimum: 1 }, 0, 'n')!, /must be >= 1, got 0/);
  assert.match(validate({ type: 'integer', maximum: 9 }, 10, 'n')!, /must be <= 9, got 10/);
  assert.match(validate({ enum: ['a', 'b'] }, 'c', 'e')!, /must be one of "a", "b", got string "c"/);
  assert.match(validate({ type: 'array', items: { type: 'integer' } }, [1, 'x'], 'arr')!, /^arr\[1\]: must be integer/);
  assert.match(validate({ type: 'array', maxItems: 1 }, [1, 2], 'arr')!, /at most 1 items/);
});

test('objects: required, properties, additionalProperties', () => {
  const s: JsonSchema = { type: 'object', required: ['a'], properties: { a: { type: 'string' } }, additionalProperties: false };
  assert.equal(validate(s, { a: 'x' }, 'o'), undefined);
  assert.match(validate(s, {}, 'o')!, /o: missing required property "a"/);
  assert.match(validate(s, { a: 1 }, 'o')!, /^o\.a: must be string/);
  assert.match(validate(s, { a: 'x', b: 1 }, 'o')!, /unknown property "b"/);
  assert.equal(validate({ type: 'object', properties: {} }, { toString: 1 }, 'o'), undefined);
});

test('oneOf requires exactly one match', () => {
  const s: JsonSchema = { oneOf: [{ type: 'integer' }, { type: 'string', enum: ['latest'] }] };
  assert.equal(validate(s, 3, 't'), undefined);
  assert.equal(validate(s, 'latest', 't'), undefined);
  assert.match(validate(s, 'earliest', 't')!, /must match one of 2 alternatives/);
  assert.match(validate({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 1, 't')!, /matches 2 alternatives/);
});

test('checkSchema rejects unsupported keywords and bad patterns', () => {
  assert.throws(() => checkSchema({ $ref: '#/x' } as unknown as JsonSchema, 'p'), RpcConfigError);
  assert.throws(() => checkSchema({ pattern: '(' }, 'p'), /bad pattern/);
  assert.doesNotThrow(() => checkSchema({ type: 'object', properties: { a: { type: 'string', description: 'd' } } }, 'p'));
});
