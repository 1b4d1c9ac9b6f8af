// BLS12-381 randomness beacon.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { beaconPrepare, beaconSign, beaconVerify, blsPublicKey, blsSecretFromSeed, genesisBeacon, nextBeacon, verifyBlockBeacon, BLS_PUBLIC_KEY_LENGTH, BLS_SIGNATURE_LENGTH } from './beacon.ts';
import { makeValidatorSet } from './validator-set.ts';
import { bytesToHex, sha256 } from '../primitives/index.ts';

const seed = (s: string) => sha256(new TextEncoder().encode(s));

test('beacon: deterministic keys and signatures, verification, chained values; wrong key, height, chain or previous beacon fail', () => {
  const sk = blsSecretFromSeed(seed('a'));
  assert.equal(bytesToHex(sk), bytesToHex(blsSecretFromSeed(seed('a'))));
  const pk = blsPublicKey(sk);
  assert.equal(pk.length, BLS_PUBLIC_KEY_LENGTH);
  const other = blsPublicKey(blsSecretFromSeed(seed('b')));
  const b0 = genesisBeacon('polchain-test');
  assert.notEqual(bytesToHex(b0), bytesToHex(genesisBeacon('polchain-other')));
  const sig = beaconSign(sk, 'polchain-test', 1n, b0);
  assert.equal(sig.length, BLS_SIGNATURE_LENGTH);
  assert.equal(bytesToHex(beaconSign(sk, 'polchain-test', 1n, b0)), bytesToHex(sig), 'unique signature: same inputs, same bytes');
  assert.equal(beaconVerify(pk, 'polchain-test', 1n, b0, sig), true);
  const b1 = nextBeacon(b0, sig);
  assert.equal(bytesToHex(b1), bytesToHex(sha256(b0, sig)));
  assert.equal(bytesToHex(nextBeacon(b0, beaconSign(sk, 'polchain-test', 1n, b0))), bytesToHex(b1));
  assert.equal(beaconVerify(other, 'polchain-test', 1n, b0, sig), false);
  assert.equal(beaconVerify(pk, 'polchain-test', 2n, b0, sig), false);
  assert.equal(beaconVerify(pk, 'polchain-other', 1n, b0, sig), false);
  assert.equal(beaconVerify(pk, 'polchain-test', 1n, b1, sig), false);
  assert.equal(beaconVerify(pk, 'polchain-test', 1n, b0, new Uint8Array(96)), false);
  assert.equal(beaconVerify(pk, 'polchain-test', 1n, b0, sig.slice(1)), false);
  assert.equal(beaconVerify(new Uint8Array(48), 'polchain-test', 1n, b0, sig), false);
  assert.throws(() => blsSecretFromSeed(new Uint8Array(31)), (e: any) => e.code === 'BEACON_INVALID');
});

test('verifyBlockBeacon: the proposer\'s key from the validator set; another validator, no key or a stranger fail', () => {
  const keys = [0, 1].map((i) => ({ seed: seed(`v${i}`), address: sha256(seed(`a${i}`)).slice(0, 20) }));
  const set = makeValidatorSet([
    { address: keys[0]!.address, consensusKey: new Uint8Array(32).fill(1), power: 1n, blsKey: blsPublicKey(blsSecretFromSeed(keys[0]!.seed)) },
    { address: keys[1]!.address, consensusKey: new Uint8Array(32).fill(2), power: 1n },
  ]);
  const prev = genesisBeacon('c');
  const sig = beaconSign(blsSecretFromSeed(keys[0]!.seed), 'c', 5n, prev);
  assert.equal(bytesToHex(verifyBlockBeacon(set, keys[0]!.address, 'c', 5n, prev, sig)), bytesToHex(nextBeacon(prev, sig)));
  for (const [addr, h] of [[keys[1]!.address, 5n], [new Uint8Array(20), 5n], [keys[0]!.address, 6n]] as const) {
    assert.throws(() => verifyBlockBeacon(set, addr, 'c', h, prev, sig), (e: any) => e.code === 'BEACON_INVALID');
  }
});

test('beaconVerifyMany: a range verifies at once; a bad signature, or two that only cancel out in a plain sum, is found one by one', async () => {
  const { beaconVerifyMany } = await import('./beacon.ts');
  const { bls12_381 } = await import('@noble/curves/bls12-381.js');
  const keys = [0, 1, 2].map((i) => blsSecretFromSeed(sha256(Uint8Array.of(40 + i))));
  const checks = Array.from({ length: 6 }, (_, i) => {
    const prevBeacon = sha256(Uint8Array.of(i));
    const k = keys[i % 3]!;
    return { blsKey: blsPublicKey(k), chainId: 'c', height: BigInt(i + 1), prevBeacon, signature: beaconSign(k, 'c', BigInt(i + 1), prevBeacon) };
  });
  assert.deepEqual(beaconVerifyMany(checks), checks.map(() => true));
  assert.deepEqual(beaconVerifyMany(checks.map((c, i) => (i === 4 ? { ...c, height: 99n } : c))), [true, true, true, true, false, true]);
  // σ1 + Δ and σ2 − Δ: neither verifies, but their plain sum is the sum of two valid signatures
  const Sig = bls12_381.longSignatures.Signature;
  const delta = bls12_381.G2.Point.BASE.multiply(12345n);
  const shifted = checks.map((c, i) => i === 1 ? { ...c, signature: Sig.toBytes(Sig.fromBytes(c.signature).add(delta)) }
    : i === 2 ? { ...c, signature: Sig.toBytes(Sig.fromBytes(c.signature).subtract(delta)) } : c);
  assert.deepEqual(beaconVerifyMany(shifted), [true, false, false, true, true, true]);
  assert.equal(beaconVerify(shifted[1]!.blsKey, 'c', 2n, shifted[1]!.prevBeacon, shifted[1]!.signature), false);
});

test('blsVerifyMany: two signatures of one key swapped between their messages fail the merged per-key term', async () => {
  const { beaconVerifyMany, beaconMessage, BEACON_DST } = await import('./beacon.ts');
  const { blsVerifyMany } = await import('../primitives/index.ts');
  const k = blsSecretFromSeed(sha256(Uint8Array.of(77)));
  const other = blsSecretFromSeed(sha256(Uint8Array.of(78)));
  const checks = [k, other, k, k].map((key, i) => {
    const prevBeacon = sha256(Uint8Array.of(90 + i));
    return { blsKey: blsPublicKey(key), chainId: 'c', height: BigInt(i + 1), prevBeacon, signature: beaconSign(key, 'c', BigInt(i + 1), prevBeacon) };
  });
  const items = (cs: typeof checks) => cs.map((c) => ({ publicKey: c.blsKey, message: beaconMessage(c.chainId, c.height, c.prevBeacon), signature: c.signature }));
  assert.equal(blsVerifyMany(items(checks), BEACON_DST), true);
  // e(pk, H(m0) + H(m2)) = e(G, σ0 + σ2) holds either way round: only the per-signature randomizers catch the swap
  const swapped = checks.map((c, i) => (i === 0 ? { ...c, signature: checks[2]!.signature } : i === 2 ? { ...c, signature: checks[0]!.signature } : c));
  assert.equal(blsVerifyMany(items(swapped), BEACON_DST), false);
  assert.deepEqual(beaconVerifyMany(swapped), [false, true, false, true]);
});

test('beacon: a prepared message signs and verifies exactly as an unprepared one, and stands for no other message', () => {
  const sk = blsSecretFromSeed(seed('prep'));
  const pk = blsPublicKey(sk);
  const prev = seed('prev');
  const plain = beaconSign(sk, 'c', 9n, prev);
  const otherPrev = seed('other');
  const otherSig = beaconSign(sk, 'c', 9n, otherPrev);
  beaconPrepare('c', 9n, prev);
  assert.equal(bytesToHex(beaconSign(sk, 'c', 9n, prev)), bytesToHex(plain), 'the same signature from the prepared hash');
  assert.equal(beaconVerify(pk, 'c', 9n, prev, plain), true);
  // with (c, 9, prev) prepared, every other message is still hashed itself: a signature over one is no signature over another
  assert.equal(beaconVerify(pk, 'c', 9n, prev, otherSig), false);
  assert.equal(beaconVerify(pk, 'c', 9n, otherPrev, plain), false);
  assert.equal(beaconVerify(pk, 'c', 10n, prev, plain), false);
  assert.equal(beaconVerify(pk, 'c', 9n, otherPrev, otherSig), true);
  for (let h = 100n; h < 120n; h++) beaconPrepare('c', h, prev); // more than the memo holds: the oldest leave
  assert.equal(beaconVerify(pk, 'c', 9n, prev, plain), true);
});

test('beacon keys are decoded once: an unusable key is refused every time it comes back, a known key still verifies only its own signatures', () => {
  const sk = blsSecretFromSeed(seed('cached key'));
  const pk = blsPublicKey(sk);
  const b0 = genesisBeacon('polchain-test');
  const sig = beaconSign(sk, 'polchain-test', 1n, b0);
  const identity = new Uint8Array(BLS_PUBLIC_KEY_LENGTH);
  identity[0] = 0xc0; // the compressed point at infinity: "signatures" under it verify for every message
  const infinitySig = new Uint8Array(BLS_SIGNATURE_LENGTH);
  infinitySig[0] = 0xc0;
  const offCurve = pk.slice();
  offCurve[BLS_PUBLIC_KEY_LENGTH - 1] ^= 1;
  for (let i = 0; i < 3; i++) {
    assert.equal(beaconVerify(pk, 'polchain-test', 1n, b0, sig), true, `valid, pass ${i}`);
    assert.equal(beaconVerify(pk, 'polchain-test', 2n, b0, sig), false, `another message, pass ${i}`);
    assert.equal(beaconVerify(identity, 'polchain-test', 1n, b0, infinitySig), false, `identity, pass ${i}`);
    assert.equal(beaconVerify(offCurve, 'polchain-test', 1n, b0, sig), false, `damaged key, pass ${i}`);
  }
});
