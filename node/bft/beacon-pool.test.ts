import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beaconSign, beaconVerify, blsPublicKey, blsSecretFromSeed } from '../../consensus/index.ts';
import type { ConsensusHooks, Validator } from '../../vm/index.ts';
import { sha256 } from '../../primitives/index.ts';
import { BeaconPool, type BeaconCheck } from './beacon-pool.ts';

const secret = blsSecretFromSeed(sha256(Uint8Array.of(7)));
const v = { address: new Uint8Array(20), consensusKey: new Uint8Array(32), blsKey: blsPublicKey(secret), stake: 1n } as Validator;
const prev = sha256(Uint8Array.of(1));
const check = (height: bigint, signature = beaconSign(secret, 'c', height, prev)): BeaconCheck => ({ blsKey: v.blsKey, chainId: 'c', height, prevBeacon: prev, signature });

test('the pool records only tuples that verify, each used once; anything else is verified by the hooks themselves', { timeout: 60_000 }, async (t) => {
  const pool = new BeaconPool(2);
  t.after(() => pool.close());
  let inline = 0;
  const base = { verifyBeacon: (...a: Parameters<ConsensusHooks['verifyBeacon']>) => { inline++; return beaconVerify(a[0].blsKey, a[1], a[2], a[3], a[4]); } } as ConsensusHooks;
  const hooks = pool.hooks(base);
  const good = check(5n);
  const forged = check(6n, beaconSign(secret, 'c', 7n, prev)); // a signature over another height
  await pool.verify([good, forged]);
  assert.equal(hooks.verifyBeacon(v, 'c', 5n, prev, good.signature), true);
  assert.equal(inline, 0, 'the worker-verified tuple is not verified again');
  assert.equal(hooks.verifyBeacon(v, 'c', 5n, prev, good.signature), true);
  assert.equal(inline, 1, 'a recorded tuple is used once');
  assert.equal(hooks.verifyBeacon(v, 'c', 6n, prev, forged.signature), false, 'a tuple the workers refused is refused inline');
  assert.equal(hooks.verifyBeacon(v, 'c', 5n, sha256(Uint8Array.of(2)), good.signature), false, 'another previous beacon is not the recorded tuple');
  assert.equal(inline, 3);
});
