// The proposer's own block is not executed and BLS-verified a second time when the engine
// validates it before prevoting; anything else (other bytes, a beacon key the chain does not hold,
// a transaction whose exact bytes admission never verified) is verified as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { buildBlock, commitBlock, decodeBlock, encodeBlock, type ConsensusHooks, type VerifiedTx } from '../../vm/index.ts';
import { beaconSign } from '../../consensus/index.ts';
import { Mempool } from '../mempool/index.ts';
import { EvidencePool } from './evidence-pool.ts';
import { ProposalApp } from './proposal-app.ts';
import { alice, bob, val, testState, transfer, beaconSigFor, consensusHooks, signedCommit, type TestAccount } from '../../test/helpers/chain-fixtures.ts';
import { bytesToHex, sha256 } from '../../primitives/index.ts';

function setup(blsOf: TestAccount = val, lastCommit: () => Uint8Array | null = () => null) {
  const state = testState();
  let decodes = 0;
  const mempool = new Mempool(state);
  let beaconChecks = 0;
  const base = consensusHooks(state.chainId, () => state.validatorList());
  const hooks: ConsensusHooks = { ...base, verifyBeacon: (...a) => { beaconChecks++; return base.verifyBeacon(...a); } };
  const app = new ProposalApp({
    state, mempool, evidence: new EvidencePool(() => { throw new Error('no evidence here'); }), hooks, clock: () => 5_000n,
    logger: pino({ level: 'silent' }), proposer: { address: val.address, blsSecret: blsOf.blsSecret }, lastCommit,
    decode: (b) => { decodes++; return decodeBlock(b); },
  });
  return { state, mempool, app, beaconChecks: () => beaconChecks, decodes: () => decodes };
}

test('a block this node built is valid without a second execution or beacon check; other bytes are checked', () => {
  const { state, mempool, app, beaconChecks } = setup();
  mempool.add(transfer(alice, bob, 5n, 0n));
  const own = app.buildBlock(1n);
  assert.equal(app.validateBlock(1n, own), true);
  assert.equal(app.validateBlock(1n, new Uint8Array(own)), true, 'the same bytes in another buffer');
  assert.equal(beaconChecks(), 0, 'the own proposal is not BLS-verified again');
  const other = encodeBlock(buildBlock(state, { height: 1n, timestampMs: 6_000n, proposer: val.address, beaconSig: beaconSigFor(val, state) }, []).block);
  assert.equal(app.validateBlock(1n, other), true);
  assert.equal(beaconChecks(), 1, 'a block this node did not build is verified');
  app.clear();
  assert.equal(app.validateBlock(1n, own), true);
  assert.equal(beaconChecks(), 2, 'after a commit (clear) nothing built earlier is taken on trust');
});

test('a block built with a BLS key the chain does not hold for the proposer is still verified, and refused', () => {
  const { app, beaconChecks } = setup(alice);
  const own = app.buildBlock(1n);
  assert.equal(app.validateBlock(1n, own), false);
  assert.equal(beaconChecks(), 1);
});

test('a transaction admission verified is taken from the mempool by the hash of its exact bytes; other bytes are verified and refused', () => {
  const { state, mempool, app } = setup();
  const good = transfer(alice, bob, 5n, 0n);
  const vtx = mempool.add(good) as VerifiedTx;
  const forged = new Uint8Array(good);
  forged[forged.length - 1]! ^= 1; // the signature's last byte
  // a builder that claims `forged` was verified: the block is well formed, its transaction's signature is not
  const lie = new Map([[bytesToHex(sha256(forged)), { ...vtx, hash: sha256(forged) }]]);
  const bad = encodeBlock(buildBlock(state, { height: 1n, timestampMs: 6_000n, proposer: val.address, beaconSig: beaconSigFor(val, state) }, [forged], lie).block);
  assert.equal(app.validateBlock(1n, bad), false);
  const ok = encodeBlock(buildBlock(state, { height: 1n, timestampMs: 6_000n, proposer: val.address, beaconSig: beaconSigFor(val, state) }, [good]).block);
  assert.equal(app.validateBlock(1n, ok), true);
});

test('a beacon signed ahead (prepareNext) is used only for the height and previous beacon it was signed for', async () => {
  let last: Uint8Array | null = null;
  const { state, app } = setup(val, () => last);
  const tick = () => new Promise((r) => setImmediate(r));
  app.prepareNext(true);
  await tick();
  const sig1 = decodeBlock(app.buildBlock(1n)).beaconSig;
  assert.deepEqual(sig1, beaconSign(val.blsSecret, state.chainId, 1n, state.beacon));
  app.prepareNext(true); // signed for height 1 on this state ...
  await tick();
  const other = buildBlock(state, { height: 1n, timestampMs: 6_000n, proposer: val.address, beaconSig: beaconSigFor(val, state) }, []);
  commitBlock(state, other);
  last = signedCommit([val], 1n, other.hash, 0, state.chainId);
  app.clear();
  // ... but the chain moved on: the block for height 2 carries a signature over the new beacon
  const sig2 = decodeBlock(app.buildBlock(2n)).beaconSig;
  assert.deepEqual(sig2, beaconSign(val.blsSecret, state.chainId, 2n, state.beacon));
});

test('a proposal is decoded once for its two hashings and its validation; other bytes and a commit start afresh', () => {
  const { state, mempool, app, decodes } = setup();
  const block = (ts: bigint) => buildBlock(state, { height: 1n, timestampMs: ts, proposer: val.address, beaconSig: beaconSigFor(val, state) }, [transfer(alice, bob, 5n, 0n)]);
  const peer = block(6_000n);
  const bytes = encodeBlock(peer.block);
  assert.equal(bytesToHex(app.hashBlock(bytes)), bytesToHex(peer.hash)); // the inbound check
  assert.equal(bytesToHex(app.hashBlock(new Uint8Array(bytes))), bytesToHex(peer.hash)); // admission, the same bytes elsewhere
  assert.equal(app.validateBlock(1n, bytes), true);
  assert.equal(decodes(), 1);
  assert.equal(app.resultFor(peer.hash, bytes).encoded, bytes, 'the store writes the proposal\'s bytes, not a second encoding');
  const other = encodeBlock(block(7_000n).block);
  assert.notEqual(bytesToHex(app.hashBlock(other)), bytesToHex(peer.hash), 'other bytes are decoded, not taken for the last ones');
  assert.equal(decodes(), 2);
  const changed = new Uint8Array(bytes);
  changed[changed.length - 1]! ^= 1; // the beacon signature's last byte
  assert.equal(app.validateBlock(1n, changed), false);
  assert.equal(decodes(), 3);
  mempool.add(transfer(alice, bob, 5n, 0n));
  const own = app.buildBlock(1n);
  app.hashBlock(own); // the proposer signs its proposal over this hash
  assert.equal(app.resultFor(app.hashBlock(own), own).encoded, own);
  assert.equal(decodes(), 3, 'the block this node built is known without decoding it');
  app.clear();
  app.hashBlock(bytes);
  assert.equal(decodes(), 4, 'after a commit nothing decoded earlier is kept');
});
