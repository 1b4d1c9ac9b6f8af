// Weighted round-robin proposer selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { advanceHeight, makeValidatorSet, proposer, updateValidatorSet, validatorSetAtHeight } from './validator-set.ts';
import { simKey } from './testkit.ts';
import { bytesToHex, compareBytes } from '../primitives/index.ts';

const keys = [0, 1, 2, 3, 4].map(simKey);
const mk = (powers: bigint[]) => makeValidatorSet(powers.map((p, i) => ({ address: keys[i]!.address, consensusKey: keys[i]!.publicKey, power: p })));
const hx = (b: Uint8Array) => bytesToHex(b);

test('over total-power heights each validator proposes round 0 exactly power times', () => {
  const powers = [4n, 3n, 2n, 1n];
  let set = mk(powers);
  const count = new Map<string, number>();
  for (let h = 0; h < 10; h++) {
    const p = hx(proposer(set, 0).address);
    count.set(p, (count.get(p) ?? 0) + 1);
    set = advanceHeight(set);
  }
  powers.forEach((p, i) => assert.equal(count.get(hx(keys[i]!.address)) ?? 0, Number(p)));
});

test('rounds within a height rotate by the same rule; equal powers visit everyone, tie broken by the smaller address', () => {
  const set = mk([5n, 5n, 5n, 5n]);
  const order = [0, 1, 2, 3].map((r) => hx(proposer(set, r).address));
  assert.equal(new Set(order).size, 4);
  const sorted = keys.slice(0, 4).map((k) => k.address).sort(compareBytes).map(hx);
  assert.deepEqual(order, sorted, 'all priorities equal: smallest address first, then the next');
  // reproducible from (set, round) alone, and advanceHeight == the round-0 step
  assert.equal(hx(proposer(set, 2).address), order[2]);
  assert.equal(hx(proposer(advanceHeight(set), 0).address), order[1]);
  assert.equal(hx(proposer(validatorSetAtHeight(set, 3n), 1).address), hx(proposer(advanceHeight(advanceHeight(set)), 1).address));
});

test('a newly added validator does not propose at once; priorities stay bounded', () => {
  let set = mk([10n, 10n, 10n]);
  for (let i = 0; i < 5; i++) set = advanceHeight(set);
  const added = updateValidatorSet(set, [...set.validators, { address: keys[4]!.address, consensusKey: keys[4]!.publicKey, power: 10n }]);
  assert.notEqual(hx(proposer(added, 0).address), hx(keys[4]!.address));
  let s = added;
  let seen = false;
  for (let h = 0; h < 8; h++) { if (hx(proposer(s, 0).address) === hx(keys[4]!.address)) seen = true; s = advanceHeight(s); }
  assert.ok(seen, 'the new validator proposes within two cycles');
  for (const v of s.validators) assert.ok(v.priority <= 2n * s.totalPower && v.priority >= -2n * s.totalPower);
});
