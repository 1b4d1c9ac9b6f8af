// Chain protocol v2 rules: randomness beacon, last commit / evidence / validators hashes in the
// header, injected consensus checks, slashing and jailing, and when validator set changes apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyBlock, buildBlock, commitBlock, decodeBlock, encodeBlock, isVmError, verifySmtProof, validatorsHash, beaconAfter, beaconAtGenesis, encodeBeacon, BEACON_TREE_KEY, EventKind, evidenceHash as evidenceRoot, type Block, type BlockContext, type ChainState, type ConsensusHooks } from '../index.ts';
import {
  alice, bob, val, testState, transfer, tx, beaconSigFor, trackedHooks, equivocation, signedCommit, TEST_CHAIN, type TestAccount, stakePayload,
} from '../../test/helpers/chain-fixtures.ts';
import { bytesToHex, sha256, merkleRoot } from '../../primitives/index.ts';

const ctx = (s: ChainState, proposer: TestAccount = val, extra: Partial<BlockContext> = {}): BlockContext =>
  ({ height: s.height + 1n, timestampMs: s.lastTimestampMs + 1000n, proposer: proposer.address, beaconSig: beaconSigFor(proposer, s), ...extra });

function codeOf(f: () => unknown): string {
  try { f(); return 'accepted'; } catch (e) { if (isVmError(e)) return e.code; throw e; }
}

/** Why a block was rejected (the message), or 'accepted'. */
function reasonOf(f: () => unknown): string {
  try { f(); return 'accepted'; } catch (e) { if (isVmError(e)) return `${e.code}: ${e.message}`; throw e; }
}

const copy = (b: Block): Block => decodeBlock(encodeBlock(b));

function supply(s: ChainState): bigint {
  let t = 0n;
  for (const a of s.accounts.values()) t += a.balance;
  for (const v of s.validators.values()) t += v.stake;
  for (const e of s.unbonding) t += e.amount;
  return t;
}

// BLS signing is ~50 ms per block, so these tests share a few states and keep chains short.

test('the beacon: header value is sha256(prev || sig), committed into state and the state root', () => {
  const a = testState();
  const b = testState();
  assert.equal(bytesToHex(a.beacon), bytesToHex(beaconAtGenesis(TEST_CHAIN)));
  const { hooks, record } = trackedHooks();
  record(a);
  const built = buildBlock(a, ctx(a), [transfer(alice, bob, 5n, 0n)], undefined, hooks);
  assert.equal(built.block.beaconSig.length, 96);
  assert.equal(bytesToHex(built.block.header.beacon), bytesToHex(beaconAfter(a.beacon, built.block.beaconSig)));
  const applied = applyBlock(b, decodeBlock(encodeBlock(built.block)), undefined, hooks);
  assert.equal(bytesToHex(applied.hash), bytesToHex(built.hash));
  commitBlock(a, built);
  commitBlock(b, applied);
  assert.equal(bytesToHex(a.beacon), bytesToHex(built.block.header.beacon));
  assert.equal(bytesToHex(b.beacon), bytesToHex(a.beacon));
  // the state root covers the beacon: a proof for the beacon entry verifies against the header's root
  const proof = a.tree.prove(BEACON_TREE_KEY);
  assert.ok(verifySmtProof(built.block.header.stateRoot, BEACON_TREE_KEY, sha256(encodeBeacon(a.beacon)), proof));
  assert.ok(!verifySmtProof(built.block.header.stateRoot, BEACON_TREE_KEY, sha256(encodeBeacon(beaconAtGenesis(TEST_CHAIN))), proof));
  // two empty blocks with different beacon signatures end in different state roots
  const c1 = testState();
  const c2 = testState();
  const r1 = buildBlock(c1, ctx(c1, val, { beaconSig: new Uint8Array(96).fill(1) }), []);
  const r2 = buildBlock(c2, ctx(c2, val, { beaconSig: new Uint8Array(96).fill(2) }), []);
  assert.notEqual(bytesToHex(r1.block.header.stateRoot), bytesToHex(r2.block.header.stateRoot));
  assert.equal(r1.writes.filter((w) => w.kind === 'beacon').length, 1, 'the new beacon is a state write the store persists');
});

test('beacon mismatches are BLOCK_INVALID; the BLS check runs only through the hooks', () => {
  const s = testState();
  const { hooks, record } = trackedHooks();
  record(s);
  const good = buildBlock(s, ctx(s), []).block;
  const tamper = (f: (b: Block) => void, h?: ConsensusHooks) => { const b = copy(good); f(b); return reasonOf(() => applyBlock(s, b, undefined, h)); };
  assert.match(tamper((b) => { b.header.beacon = new Uint8Array(32).fill(9); }), /BLOCK_INVALID: beacon mismatch/);
  assert.match(tamper((b) => { b.beaconSig = new Uint8Array(96).fill(9); }), /BLOCK_INVALID: beacon mismatch/);
  // a signature by someone other than the proposer, with a consistent header beacon
  const forged = (b: Block) => { b.beaconSig = beaconSigFor(alice, s); b.header.beacon = beaconAfter(s.beacon, b.beaconSig); };
  assert.match(tamper(forged, hooks), /BLOCK_INVALID: beacon signature of proposer .* does not verify/);
  // without hooks the vm cannot verify BLS; this forgery still fails because the beacon is part of the
  // state, so the stateRoot the header committed to (with the original beacon) no longer matches
  assert.match(tamper(forged), /BLOCK_INVALID: stateRoot mismatch/);
  assert.equal(codeOf(() => applyBlock(s, good, undefined, hooks)), 'accepted');
  assert.equal(s.height, 0n);
});

test('lastCommitHash, evidenceHash and validatorsHash must match the body and the pre-block state', () => {
  const s = testState();
  const good = buildBlock(s, ctx(s), [transfer(alice, bob, 1n, 0n)]).block;
  assert.equal(bytesToHex(good.header.lastCommitHash), bytesToHex(new Uint8Array(32)), 'no last commit: zero hash');
  assert.equal(bytesToHex(good.header.validatorsHash), bytesToHex(validatorsHash(s.validatorList())));
  const tamper = (f: (b: Block) => void) => { const b = copy(good); f(b); return reasonOf(() => applyBlock(s, b)); };
  assert.match(tamper((b) => { b.header.lastCommitHash = new Uint8Array(32).fill(1); }), /lastCommitHash mismatch/);
  assert.match(tamper((b) => { b.lastCommit = Uint8Array.of(1, 2, 3); }), /lastCommitHash mismatch/);
  assert.match(tamper((b) => { b.header.evidenceHash = new Uint8Array(32).fill(1); }), /evidenceHash mismatch/);
  assert.match(tamper((b) => { b.evidence = [Uint8Array.of(1)]; }), /evidenceHash mismatch/);
  assert.match(tamper((b) => { b.header.validatorsHash = new Uint8Array(32).fill(1); }), /validatorsHash mismatch/);
  // consistent header, but block 1 may not carry a last commit
  assert.match(tamper((b) => { b.lastCommit = Uint8Array.of(1); b.header.lastCommitHash = sha256(Uint8Array.of(1)); }), /block 1 cannot carry a last commit/);
  // consistent header, evidence without hooks is invalid
  assert.match(tamper((b) => { b.evidence = [Uint8Array.of(1)]; b.header.evidenceHash = evidenceRoot([Uint8Array.of(1)]); }), /evidence 0: no consensus hooks/);
  assert.equal(codeOf(() => applyBlock(s, good)), 'accepted');
});


test('evidenceHash is the binary Merkle root over sha256 of each item', () => {
  const items = [Uint8Array.of(1), Uint8Array.of(2, 3)];
  assert.equal(bytesToHex(evidenceRoot(items)), bytesToHex(merkleRoot(items.map((i) => sha256(i)))));
  assert.equal(bytesToHex(evidenceRoot([])), bytesToHex(sha256(Uint8Array.of(2))), 'empty list: SHA-256(0x02)');
});

test('with hooks, the last commit of block h is verified against the set of height h', () => {
  const a = testState();
  const { hooks, record } = trackedHooks();
  record(a);
  const r1 = buildBlock(a, ctx(a), [], undefined, hooks);
  commitBlock(a, r1);
  record(a);
  const commit = signedCommit([val], 1n, r1.hash);
  const r2 = buildBlock(a, ctx(a, val, { lastCommit: commit }), [], undefined, hooks);
  assert.equal(bytesToHex(r2.block.header.lastCommitHash), bytesToHex(sha256(commit)));
  assert.equal(codeOf(() => applyBlock(a, copy(r2.block), undefined, hooks)), 'accepted');
  // the same block with its commit removed, a commit for another block, or a commit by a non-validator
  const variant = (c: Uint8Array | null) => buildBlock(a, ctx(a, val, { lastCommit: c }), []).block;
  assert.match(reasonOf(() => applyBlock(a, variant(null), undefined, hooks)), /BLOCK_INVALID: last commit: .*carries no commit/);
  assert.match(reasonOf(() => applyBlock(a, variant(signedCommit([val], 1n, new Uint8Array(32).fill(4))), undefined, hooks)), /last commit: COMMIT_INVALID/);
  assert.match(reasonOf(() => applyBlock(a, variant(signedCommit([alice], 1n, r1.hash)), undefined, hooks)), /last commit: COMMIT_INVALID.*not a validator/);
  assert.throws(() => buildBlock(a, ctx(a, val, { lastCommit: null }), [], undefined, hooks), /last commit/);
  // without hooks the vm cannot judge a commit (solo mode carries none)
  assert.equal(codeOf(() => applyBlock(a, variant(null))), 'accepted');
});

test('evidence slashes slashFractionBps of the stake (burned) and jails the offender from the next height', () => {
  const a = testState(1_000_000n, [val, alice]);
  const b = testState(1_000_000n, [val, alice]);
  const { hooks, record } = trackedHooks();
  const before = supply(a);
  const setBefore = bytesToHex(a.validatorsHash());
  record(a);
  const ev = equivocation(alice, 1n);
  const built = buildBlock(a, ctx(a, val, { evidence: [ev] }), [transfer(bob, val, 3n, 0n)], undefined, hooks);
  assert.deepEqual(built.rejectedEvidence, []);
  assert.equal(built.block.evidence.length, 1);
  assert.equal(bytesToHex(built.block.header.validatorsHash), setBefore, 'the header names the set that votes on this block');
  assert.deepEqual(built.blockEvents.map((e) => [e.kind, bytesToHex(e.address), e.amount]), [[EventKind.Slash, bytesToHex(alice.address), 50n]]);
  // another node applies the same block with the same hooks
  const applied = applyBlock(b, decodeBlock(encodeBlock(built.block)), undefined, hooks);
  assert.equal(bytesToHex(applied.hash), bytesToHex(built.hash));
  assert.equal(codeOf(() => applyBlock(b, copy(built.block))), 'BLOCK_INVALID', 'evidence without hooks is invalid');
  commitBlock(a, built);
  commitBlock(b, applied);
  const jailed = a.getValidator(alice.address)!;
  assert.equal(jailed.stake, 950n, '5% of 1000 burned');
  assert.equal(jailed.jailed, true);
  assert.equal(supply(a), before - 50n, 'total supply shrinks by the slashed amount');
  assert.deepEqual(a.validatorList().map((v) => bytesToHex(v.address)), [bytesToHex(val.address)]);
  assert.equal(bytesToHex(a.stateRoot), bytesToHex(b.stateRoot));
  assert.notEqual(bytesToHex(a.validatorsHash()), setBefore);

  // height 2: the jailed validator cannot propose; the header must carry the new (smaller) set.
  // Block 1 was voted on by {val, alice}: both precommits are needed for +2/3.
  record(a);
  const lastCommit = signedCommit([val, alice], 1n, built.hash);
  assert.match(reasonOf(() => buildBlock(a, ctx(a, alice), [])), /proposer .* is not an active validator/);
  assert.match(reasonOf(() => buildBlock(a, ctx(a, val, { lastCommit: signedCommit([val], 1n, built.hash) }), [], undefined, hooks)), /not more than 2\/3/);
  const r2 = buildBlock(a, ctx(a, val, { lastCommit }), [tx(alice, 0n, stakePayload(alice, 500n))], undefined, hooks);
  assert.equal(bytesToHex(r2.block.header.validatorsHash), bytesToHex(validatorsHash([{ address: val.address, consensusKey: val.publicKey, blsKey: val.blsKey, stake: 1000n }])));
  assert.equal(r2.rejected[0]!.error.code, 'STAKE_JAILED', 'a jailed validator cannot stake again');
  // evidence against an already jailed validator is invalid
  const again = buildBlock(a, ctx(a, val, { lastCommit, evidence: [equivocation(alice, 1n)] }), [], undefined, hooks);
  assert.equal(again.block.evidence.length, 0);
  assert.match(again.rejectedEvidence[0]!.error.message, /already jailed/);
  const forced = copy(again.block);
  forced.evidence = [equivocation(alice, 1n)];
  forced.header.evidenceHash = evidenceRoot(forced.evidence);
  assert.match(reasonOf(() => applyBlock(a, forced, undefined, hooks)), /BLOCK_INVALID: evidence 0: .*already jailed/);
  commitBlock(a, r2);

  // the jailed validator unbonds what is left; its record stays jailed so it can never stake again
  record(a);
  const r3 = buildBlock(a, ctx(a, val, { lastCommit: signedCommit([val], 2n, r2.hash) }), [tx(alice, 0n, { kind: 'unbond', amount: 950n })], undefined, hooks);
  assert.deepEqual(r3.rejected.map((x) => x.error.code), []);
  commitBlock(a, r3);
  assert.equal(a.getValidator(alice.address)!.stake, 0n);
  assert.equal(a.getValidator(alice.address)!.jailed, true);
  assert.equal(a.unbonding.at(-1)!.amount, 950n);
  const r4 = buildBlock(a, ctx(a), [tx(alice, 1n, stakePayload(alice, 500n))]);
  assert.equal(r4.rejected[0]!.error.code, 'STAKE_JAILED');
});

test('stake unbonded at or after the offence height is slashed with the rest; stake unbonded before it is not', () => {
  // unbondingPeriod 3: alice unbonds 200 in block 1 and her last 800 in block 2, then equivocation
  // evidence for height 2 lands in block 3. The 800 was still in the set that voted at height 2.
  const a = testState(1_000_000n, [val, alice]);
  const { hooks, record } = trackedHooks();
  const before = supply(a);
  record(a);
  const r1 = buildBlock(a, ctx(a), [tx(alice, 0n, { kind: 'unbond', amount: 200n })], undefined, hooks);
  assert.deepEqual(r1.rejected, []);
  commitBlock(a, r1);
  record(a);
  const r2 = buildBlock(a, ctx(a, val, { lastCommit: signedCommit([val, alice], 1n, r1.hash) }), [tx(alice, 1n, { kind: 'unbond', amount: 800n })], undefined, hooks);
  assert.deepEqual(r2.rejected, []);
  commitBlock(a, r2);
  assert.equal(a.getValidator(alice.address)!.stake, 0n, 'nothing left bonded');
  assert.deepEqual(a.unbonding.map((e) => [e.amount, e.completionHeight]), [[200n, 4n], [800n, 5n]]);

  record(a);
  const lastCommit = signedCommit([val, alice], 2n, r2.hash);
  // an offence after her stake left the set has nothing to answer with: not includable
  const late = buildBlock(a, ctx(a, val, { lastCommit, evidence: [equivocation(alice, 3n)] }), [], undefined, hooks);
  assert.equal(late.block.evidence.length, 0);
  assert.match(late.rejectedEvidence[0]!.error.message, /has no stake that backed height 3/);

  const r3 = buildBlock(a, ctx(a, val, { lastCommit, evidence: [equivocation(alice, 2n)] }), [], undefined, hooks);
  assert.deepEqual(r3.rejectedEvidence, []);
  assert.deepEqual(r3.blockEvents.map((e) => [e.kind, bytesToHex(e.address), e.amount]), [[EventKind.Slash, bytesToHex(alice.address), 40n]], '5% of the 800 only');
  commitBlock(a, r3);
  assert.deepEqual(a.unbonding.map((e) => [e.amount, e.completionHeight]), [[200n, 4n], [760n, 5n]]);
  assert.equal(a.getValidator(alice.address)!.jailed, true);
  assert.equal(supply(a), before - 40n, 'the slash is burned; fees only move to the proposer');
  // once released, she gets back what was not slashed
  record(a);
  const r4 = buildBlock(a, ctx(a, val, { lastCommit: signedCommit([val], 3n, r3.hash) }), [], undefined, hooks);
  record(a);
  const r5 = buildBlock((commitBlock(a, r4), a), ctx(a, val, { lastCommit: signedCommit([val], 4n, r4.hash) }), [], undefined, hooks);
  assert.deepEqual([...r4.blockEvents, ...r5.blockEvents].filter((e) => e.kind === EventKind.UnbondComplete).map((e) => e.amount), [200n, 760n]);
});

test('a validator that unbonded everything keeps its record (stake 0) until its unbonding matures, then is forgotten', () => {
  const a = testState(1_000_000n, [val, alice]);
  const r1 = buildBlock(a, ctx(a), [tx(alice, 0n, { kind: 'unbond', amount: 1000n })]);
  assert.deepEqual(r1.rejected, []);
  commitBlock(a, r1);
  for (const h of [2n, 3n]) {
    assert.deepEqual([a.getValidator(alice.address)?.stake, a.getValidator(alice.address)?.jailed], [0n, undefined], `record kept before height ${h}`);
    assert.deepEqual(a.validatorList().map((v) => bytesToHex(v.address)), [bytesToHex(val.address)], 'but not in the active set');
    // re-staking with other keys must wait: the old keys still answer for the unbonding stake
    const restake = buildBlock(a, ctx(a), [tx(alice, 1n, stakePayload(alice, 500n, { consensus: bob, bls: bob }))]);
    assert.equal(restake.rejected[0]?.error.code, 'STAKE_KEY_MISMATCH');
    commitBlock(a, buildBlock(a, ctx(a), []));
  }
  const r4 = buildBlock(a, ctx(a), []);
  assert.deepEqual(r4.blockEvents.map((e) => [e.kind, e.amount]), [[EventKind.UnbondComplete, 1000n]]);
  commitBlock(a, r4);
  assert.equal(a.getValidator(alice.address), undefined, 'forgotten with its last unbonding entry');
  assert.equal(a.unbonding.length, 0);
  const r5 = buildBlock(a, ctx(a), [tx(alice, 1n, stakePayload(alice, 500n, { consensus: bob, bls: bob }))]);
  assert.deepEqual(r5.rejected, [], 'a fresh start with new keys');
});

test('invalid or duplicate evidence: dropped when building, BLOCK_INVALID when applying', () => {
  const s = testState(1_000_000n, [val, alice, bob]);
  const { hooks, record } = trackedHooks();
  record(s);
  const ev = equivocation(alice, 1n);
  const forgedSig = ev.slice();
  forgedSig[forgedSig.length - 1] ^= 1; // last byte of voteB's signature
  const wrongChain = equivocation(alice, 1n, 'other-chain');
  const built = buildBlock(s, ctx(s, val, { evidence: [forgedSig, wrongChain, ev, ev, Uint8Array.of(0x90)] }), [], undefined, hooks);
  assert.equal(built.block.evidence.length, 1, 'only the valid item once');
  assert.deepEqual(built.rejectedEvidence.map((r) => r.error.code), ['BLOCK_INVALID', 'BLOCK_INVALID', 'BLOCK_INVALID', 'BLOCK_INVALID']);
  assert.match(built.rejectedEvidence[2]!.error.message, /second evidence against/);
  assert.equal(built.blockEvents.length, 1);
  // the same items forced into a block with a consistent header
  const force = (items: Uint8Array[]) => {
    const b = copy(built.block);
    b.evidence = items;
    b.header.evidenceHash = evidenceRoot(items);
    return reasonOf(() => applyBlock(s, b, undefined, hooks));
  };
  assert.match(force([forgedSig]), /BLOCK_INVALID: evidence 0: invalid: EVIDENCE_INVALID/);
  assert.match(force([wrongChain]), /BLOCK_INVALID: evidence 0: invalid: EVIDENCE_INVALID/);
  assert.match(force([ev, ev]), /BLOCK_INVALID: evidence 1: second evidence against/);
  assert.match(force([Uint8Array.of(0x90)]), /BLOCK_INVALID: evidence 0: invalid/);
  // evidence against an account that is not a validator (e.g. left the set) cannot slash
  const t = testState(1_000_000n, [val]);
  const gone = buildBlock(t, ctx(t, val, { evidence: [ev] }), [], undefined, hooks);
  assert.match(gone.rejectedEvidence[0]!.error.message, /was not a validator|is not a validator/);
  assert.equal(s.height, 0n);
});

test('validator set changes take effect at the next height (the state after H is the set for H + 1)', () => {
  const s = testState();
  const { hooks, record } = trackedHooks();
  record(s);
  const before = bytesToHex(s.validatorsHash());
  const stake = tx(alice, 0n, stakePayload(alice, 500n));
  const r1 = buildBlock(s, ctx(s), [stake], undefined, hooks);
  assert.deepEqual(r1.rejected, []);
  assert.equal(bytesToHex(r1.block.header.validatorsHash), before, 'block 1 is voted on by the old set');
  // alice staked in block 1, so it cannot propose block 1 itself
  assert.match(reasonOf(() => buildBlock(s, ctx(s, alice), [stake])), /not an active validator/);
  commitBlock(s, r1);
  assert.equal(s.validatorList().length, 2);
  assert.notEqual(bytesToHex(s.validatorsHash()), before);
  // block 2: the new set, and alice may propose (its BLS key from the stake verifies its beacon)
  record(s);
  const r2 = buildBlock(s, ctx(s, alice, { lastCommit: signedCommit([val], 1n, r1.hash) }), [], undefined, hooks);
  assert.equal(bytesToHex(r2.block.header.validatorsHash), bytesToHex(validatorsHash(s.validatorList())));
  assert.equal(codeOf(() => applyBlock(s, copy(r2.block), undefined, hooks)), 'accepted');
  const stale = copy(r2.block);
  stale.header.validatorsHash = decodeBlock(encodeBlock(r1.block)).header.validatorsHash;
  assert.match(reasonOf(() => applyBlock(s, stale, undefined, hooks)), /validatorsHash mismatch/);
});

test('block encoding v2 round-trips lastCommit, evidence and beaconSig and rejects malformed bodies', () => {
  const s = testState();
  const r = buildBlock(s, ctx(s), []);
  const b = copy(r.block);
  b.lastCommit = Uint8Array.of(7);
  b.evidence = [Uint8Array.of(1), Uint8Array.of(2)];
  const back = decodeBlock(encodeBlock(b));
  assert.equal(back.header.version, 2);
  assert.deepEqual([...back.lastCommit!], [7]);
  assert.deepEqual(back.evidence.map((e) => [...e]), [[1], [2]]);
  assert.equal(bytesToHex(back.beaconSig), bytesToHex(r.block.beaconSig));
  const short = copy(r.block);
  short.beaconSig = new Uint8Array(95);
  assert.throws(() => decodeBlock(encodeBlock(short)), (e: unknown) => isVmError(e) && e.code === 'BLOCK_INVALID' && /beaconSig/.test(e.message));
  assert.throws(() => buildBlock(s, ctx(s, val, { beaconSig: new Uint8Array(95) }), []), /beacon signature must be 96 bytes/);
});
