// The vm re-implements the beacon formulas (it may not import consensus): both must agree exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beaconAfter, beaconAtGenesis, buildBlock } from '../vm/index.ts';
import { beaconSign, genesisBeacon, nextBeacon, validatorSetFromVm, verifyBlockBeacon } from '../consensus/index.ts';
import { alice, val, testState, TEST_CHAIN } from './helpers/chain-fixtures.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

test('vm and consensus agree on the genesis beacon and the next-beacon function', () => {
  for (const chainId of [TEST_CHAIN, 'polchain-dev', 'a', 'x'.repeat(63)]) {
    assert.equal(bytesToHex(beaconAtGenesis(chainId)), bytesToHex(genesisBeacon(chainId)), chainId);
  }
  assert.notEqual(bytesToHex(beaconAtGenesis('a')), bytesToHex(beaconAtGenesis('b')));
  let prev = genesisBeacon(TEST_CHAIN);
  for (let h = 1n; h <= 3n; h++) {
    const sig = beaconSign(val.blsSecret, TEST_CHAIN, h, prev);
    assert.equal(bytesToHex(beaconAfter(prev, sig)), bytesToHex(nextBeacon(prev, sig)));
    prev = nextBeacon(prev, sig);
  }
  const junk = sha256(Uint8Array.of(1));
  assert.equal(bytesToHex(beaconAfter(junk, new Uint8Array(96))), bytesToHex(nextBeacon(junk, new Uint8Array(96))));
});

test('a vm block built with the producer beacon signature passes consensus verifyBlockBeacon with the vm keys', () => {
  const s = testState(1_000_000n, [val, alice]);
  const sig = beaconSign(val.blsSecret, s.chainId, 1n, s.beacon);
  const r = buildBlock(s, { height: 1n, timestampMs: 2_000n, proposer: val.address, beaconSig: sig }, []);
  const vals = s.validatorList();
  const set = validatorSetFromVm(vals, new Map(vals.map((v) => [bytesToHex(v.address), v.blsKey])));
  const next = verifyBlockBeacon(set, r.block.header.proposer, s.chainId, 1n, s.beacon, r.block.beaconSig);
  assert.equal(bytesToHex(next), bytesToHex(r.block.header.beacon));
  assert.throws(() => verifyBlockBeacon(set, alice.address, s.chainId, 1n, s.beacon, r.block.beaconSig), /BEACON_INVALID|bad signature/);
});
