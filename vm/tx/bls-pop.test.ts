// The rogue-key defence: every stake proves possession of its BLS key, bound to the staker and the
// chain; a key that is not a usable point is refused before any pairing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyBlock, buildBlock, encode, isVmError, signBlsPop, verifyTxBytes, type ChainState, type StakePayload } from '../index.ts';
import { alice, bob, val, testState, tx, stakePayload, TEST_CHAIN, TEST_PARAMS } from '../../test/helpers/chain-fixtures.ts';
import { sign } from '../../primitives/index.ts';

const ctx = (s: ChainState) => ({ height: s.height + 1n, timestampMs: s.lastTimestampMs + 1000n, proposer: val.address });
const codeOf = (f: () => unknown): string => {
  try { f(); return 'ok'; } catch (e) { if (isVmError(e)) return e.code; throw e; }
};
/** What the vm says, three ways: stateless check, a built block's rejection, and a peer's block carrying it. */
function verdicts(raw: Uint8Array): string[] {
  const s = testState();
  const built = buildBlock(s, ctx(s), [raw]);
  const empty = buildBlock(s, ctx(s), []);
  const peer = { ...empty.block, txs: [raw] };
  let applied = 'ok';
  try { applyBlock(s, peer); } catch (e) { applied = isVmError(e) ? `${e.code}: ${/STAKE_[A-Z_]+/.exec(e.message)?.[0]}` : String(e); }
  return [codeOf(() => verifyTxBytes(raw, TEST_CHAIN, TEST_PARAMS.maxTxBytes)), built.rejected[0]?.error.code ?? 'ok', applied];
}
const stake = (p: Partial<StakePayload>) => tx(alice, 0n, { ...stakePayload(alice, 500n), ...p });
const G1_IDENTITY = Uint8Array.of(0xc0, ...new Array<number>(47).fill(0));

test('a stake with its proof of possession executes, in a built block and in a peer\'s', () => {
  assert.equal(codeOf(() => verifyTxBytes(stake({}), TEST_CHAIN, TEST_PARAMS.maxTxBytes)), 'ok');
  const s = testState();
  const r = buildBlock(s, ctx(s), [stake({})]);
  assert.deepEqual(r.rejected, []);
  assert.equal(applyBlock(testState(), r.block).receipts.length, 1);
});

test('a BLS key that is not a point of the subgroup (48 random bytes, the identity) is refused: STAKE_BLS_KEY_INVALID', () => {
  const random = new Uint8Array(48).map((_, i) => (i * 73 + 41) & 0xff);
  const compressedRandom = random.slice();
  compressedRandom[0] = 0x80 | (random[0]! & 0x1f); // the compression flag set, the x coordinate still random
  for (const blsKey of [random, compressedRandom, G1_IDENTITY]) {
    // even with a "proof" the key's owner could have made, if the key were one
    const raw = stake({ blsKey, blsPop: signBlsPop(alice.blsSecret, TEST_CHAIN, alice.address, blsKey) });
    assert.deepEqual(verdicts(raw), ['STAKE_BLS_KEY_INVALID', 'STAKE_BLS_KEY_INVALID', 'BLOCK_INVALID: STAKE_BLS_KEY_INVALID']);
  }
});

test('a proof of possession for another key, staker or chain, or none at all, is refused', () => {
  const wrong = [
    signBlsPop(bob.blsSecret, TEST_CHAIN, alice.address, alice.blsKey), // signed by another key (the rogue-key attack: no secret for blsKey)
    signBlsPop(alice.blsSecret, TEST_CHAIN, bob.address, alice.blsKey), // copied from another account's stake
    signBlsPop(alice.blsSecret, 'other-chain', alice.address, alice.blsKey), // copied from another chain
    new Uint8Array(96), // not a signature at all
  ];
  for (const blsPop of wrong) assert.deepEqual(verdicts(stake({ blsPop })), ['STAKE_POP_INVALID', 'STAKE_POP_INVALID', 'BLOCK_INVALID: STAKE_POP_INVALID']);
  // the stake encoding before the proof (four fields), correctly signed: refused by name
  const body = [TEST_CHAIN, 0n, 1n, [2, alice.publicKey, alice.blsKey, 500n]];
  const legacy = encode([1, body, alice.publicKey, sign(alice.seed, encode(['polchain/tx/v1', body]))]);
  assert.deepEqual(verdicts(legacy), ['STAKE_POP_MISSING', 'STAKE_POP_MISSING', 'BLOCK_INVALID: STAKE_POP_MISSING']);
});
