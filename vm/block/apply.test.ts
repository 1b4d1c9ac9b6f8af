import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyBlock, buildBlock, commitBlock, decodeBlock, encodeBlock, accountTreeKey, encodeAccount, verifySmtProof, isVmError, U64_MAX, type ChainState } from '../index.ts';
import { alice, bob, carol, val, testState, transfer, tx, TEST_PARAMS, stakePayload } from '../../test/helpers/chain-fixtures.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

const ctx = (s: ChainState, extra = {}) => ({ height: s.height + 1n, timestampMs: s.lastTimestampMs + 1000n, proposer: val.address, ...extra });

function codeOf(f: () => unknown): string {
  try { f(); return 'accepted'; } catch (e) { if (isVmError(e)) return e.code; throw e; }
}

/** Runs one tx through block building and returns the rejection code (or 'ok'). */
function judge(s: ChainState, raw: Uint8Array): string {
  const r = buildBlock(s, ctx(s), [raw]);
  return r.rejected.length ? r.rejected[0]!.error.code : 'ok';
}

test('a block built by one node validates on another and both reach the same state root', () => {
  const a = testState();
  const b = testState();
  const txs = [transfer(alice, bob, 100n, 0n), transfer(alice, carol, 50n, 1n, 3n), transfer(bob, alice, 7n, 0n)];
  const built = buildBlock(a, ctx(a), txs);
  assert.equal(built.rejected.length, 0);
  const wire = encodeBlock(built.block);
  const applied = applyBlock(b, decodeBlock(wire));
  assert.equal(bytesToHex(applied.hash), bytesToHex(built.hash));
  assert.equal(bytesToHex(applied.block.header.stateRoot), bytesToHex(built.block.header.stateRoot));
  commitBlock(a, built);
  commitBlock(b, applied);
  assert.equal(a.getAccount(alice.address)!.balance, 1_000_000n - 100n - 1n - 50n - 3n + 7n);
  assert.equal(a.getAccount(alice.address)!.nonce, 2n);
  assert.equal(a.getAccount(bob.address)!.balance, 1_000_000n + 100n - 7n - 1n);
  assert.equal(a.getAccount(val.address)!.balance, 1_000_000n + 5n, 'fees go to the proposer');
  assert.equal(bytesToHex(a.stateRoot), bytesToHex(b.stateRoot));
  assert.equal(a.height, 1n);
  assert.equal(built.receipts[1]!.fee, 3n);
  assert.equal(built.receipts[2]!.index, 2);
});

test('each invalid transaction gets its own typed rejection and changes nothing', () => {
  const s = testState();
  const root = bytesToHex(s.stateRoot);
  assert.equal(judge(s, transfer(alice, bob, 1n, 1n)), 'TX_NONCE_FUTURE');
  assert.equal(judge(s, transfer(alice, bob, 2_000_000n, 0n)), 'TX_INSUFFICIENT_BALANCE');
  assert.equal(judge(s, transfer(alice, bob, 1n, 0n, 0n)), 'TX_FEE_TOO_LOW');
  assert.equal(judge(s, transfer(alice, bob, U64_MAX, 0n)), 'TX_OVERFLOW');
  assert.equal(judge(s, transfer(alice, bob, 0n, 0n)), 'TX_ZERO_AMOUNT');
  assert.equal(judge(s, tx(alice, 0n, { kind: 'transfer', to: bob.address, amount: 1n }, 1n, 'other-chain')), 'TX_WRONG_CHAIN');
  const forged = transfer(alice, bob, 1n, 0n);
  forged[forged.length - 1] ^= 1;
  assert.equal(judge(s, forged), 'TX_BAD_SIGNATURE');
  assert.equal(judge(s, tx(alice, 0n, { kind: 'unbond', amount: 5n })), 'UNBOND_NOT_VALIDATOR');
  assert.equal(judge(s, tx(alice, 0n, stakePayload(alice, 5n))), 'STAKE_BELOW_MINIMUM');
  assert.equal(judge(s, tx(val, 0n, stakePayload(val, 500n, { consensus: alice }))), 'STAKE_KEY_MISMATCH');
  assert.equal(judge(s, tx(val, 0n, stakePayload(val, 500n, { bls: alice }))), 'STAKE_KEY_MISMATCH');
  assert.equal(judge(s, tx(val, 0n, stakePayload(val, 500n))), 'ok');
  assert.equal(judge(s, tx(val, 0n, { kind: 'unbond', amount: 5000n })), 'UNBOND_EXCEEDS_STAKE');
  assert.equal(judge(s, tx(val, 0n, { kind: 'unbond', amount: 1000n })), 'UNBOND_LAST_VALIDATOR');
  assert.equal(bytesToHex(s.stateRoot), root);
  assert.equal(s.height, 0n);
});

test('replaying a committed transaction is rejected as a stale nonce', () => {
  const s = testState();
  const t = transfer(alice, bob, 10n, 0n);
  commitBlock(s, buildBlock(s, ctx(s), [t]));
  assert.equal(judge(s, t), 'TX_NONCE_STALE');
  // within one block, the second copy is the replay
  const s2 = testState();
  const r = buildBlock(s2, ctx(s2), [t, t]);
  assert.equal(r.block.txs.length, 1);
  assert.equal(r.rejected[0]!.error.code, 'TX_NONCE_STALE');
});

test('stake creates a validator; unbond returns funds only after the unbonding period', () => {
  const s = testState();
  const step = (txs: Uint8Array[]) => { const r = buildBlock(s, ctx(s), txs); assert.deepEqual(r.rejected.map((x) => x.error.code), []); commitBlock(s, r); return r; };
  step([tx(alice, 0n, stakePayload(alice, 500n))]);
  assert.equal(s.getValidator(alice.address)!.stake, 500n);
  assert.equal(s.validatorList().length, 2);
  const before = s.getAccount(alice.address)!.balance;
  step([tx(alice, 1n, { kind: 'unbond', amount: 500n })]);
  const unbondHeight = s.height;
  assert.equal(s.getValidator(alice.address)!.stake, 0n, 'kept at stake 0 while its unbonding is slashable');
  assert.equal(s.validatorList().length, 1);
  assert.equal(s.unbonding.length, 1);
  assert.equal(s.getAccount(alice.address)!.balance, before - 1n);
  while (s.height < unbondHeight + TEST_PARAMS.unbondingPeriod - 1n) step([]);
  assert.equal(s.getAccount(alice.address)!.balance, before - 1n, 'not released early');
  const r = step([]);
  assert.equal(s.getAccount(alice.address)!.balance, before - 1n + 500n);
  assert.equal(s.unbonding.length, 0);
  assert.equal(r.blockEvents.length, 1);
  assert.equal(s.getValidator(alice.address), undefined, 'forgotten once released');
});

test('applyBlock rejects tampered blocks and leaves state untouched', () => {
  const s = testState();
  const good = buildBlock(s, ctx(s), [transfer(alice, bob, 10n, 0n)]).block;
  const root = bytesToHex(s.stateRoot);
  const tamper = (f: (b: typeof good) => void) => { const b = decodeBlock(encodeBlock(good)); f(b); return codeOf(() => applyBlock(s, b)); };
  assert.equal(tamper((b) => { b.header.stateRoot = new Uint8Array(32); }), 'BLOCK_INVALID');
  assert.equal(tamper((b) => { b.header.txRoot = new Uint8Array(32); }), 'BLOCK_INVALID');
  assert.equal(tamper((b) => { b.header.receiptsRoot = new Uint8Array(32); }), 'BLOCK_INVALID');
  assert.equal(tamper((b) => { b.header.prevHash = new Uint8Array(32).fill(1); }), 'BLOCK_INVALID');
  assert.equal(tamper((b) => { b.header.height = 5n; }), 'BLOCK_INVALID');
  assert.equal(tamper((b) => { b.header.timestampMs = 0n; }), 'BLOCK_INVALID');
  assert.equal(tamper((b) => { b.header.proposer = alice.address; }), 'BLOCK_INVALID');
  assert.equal(tamper((b) => { b.txs.push(transfer(alice, bob, 10n, 0n)); }), 'BLOCK_INVALID');
  assert.equal(bytesToHex(s.stateRoot), root);
  assert.equal(codeOf(() => applyBlock(s, good)), 'accepted');
});

test('account proofs verify against the header state root', () => {
  const s = testState();
  const r = buildBlock(s, ctx(s), [transfer(alice, bob, 10n, 0n)]);
  commitBlock(s, r);
  const acct = s.getAccount(bob.address)!;
  const key = accountTreeKey(bob.address);
  const proof = s.tree.prove(key);
  assert.ok(verifySmtProof(r.block.header.stateRoot, key, sha256(encodeAccount(acct)), proof));
  assert.ok(!verifySmtProof(r.block.header.stateRoot, key, sha256(encodeAccount({ ...acct, balance: acct.balance + 1n })), proof));
  const nobody = accountTreeKey(new Uint8Array(20).fill(7));
  assert.ok(verifySmtProof(r.block.header.stateRoot, nobody, null, s.tree.prove(nobody)), 'non-inclusion');
});

test('block limits: the builder stops at maxBlockTxs; an oversized block is invalid', () => {
  const s = testState();
  (s.params as { maxBlockTxs: number }).maxBlockTxs = 2;
  const txs = [0n, 1n, 2n].map((n) => transfer(alice, bob, 1n, n));
  const r = buildBlock(s, ctx(s), txs);
  assert.equal(r.block.txs.length, 2);
  const over = { ...r.block, txs };
  const fresh = testState();
  (fresh.params as { maxBlockTxs: number }).maxBlockTxs = 2;
  assert.match(codeOf(() => applyBlock(fresh, over)), /BLOCK_TOO_LARGE|BLOCK_INVALID/);
});
