import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beaconSign, blsSecretFromSeed, genesisBeacon } from '../../consensus/index.ts';
import { bytesToHex } from '../../primitives/index.ts';
import { BeaconSigner } from './beacon-signer.ts';

const secret = blsSecretFromSeed(new Uint8Array(32).fill(3));
const prev = genesisBeacon('c');
const other = new Uint8Array(prev.length).fill(7);
const hex = (b: Uint8Array) => bytesToHex(b);
const onThread = (height: bigint, p: Uint8Array) => hex(beaconSign(secret, 'c', height, p));

test('the worker signs the same bytes as beaconSign on the main thread', async () => {
  const s = new BeaconSigner(secret);
  try {
    assert.equal(hex(await s.sign({ chainId: 'c', height: 1n, prevBeacon: prev })), onThread(1n, prev));
    s.prepare({ chainId: 'c', height: 2n, prevBeacon: other });
    assert.equal(hex(await s.sign({ chainId: 'c', height: 2n, prevBeacon: other })), onThread(2n, other));
  } finally {
    await s.close();
  }
});

test('a prepared signature is used only for exactly its input', async () => {
  const s = new BeaconSigner(secret);
  try {
    s.prepare({ chainId: 'c', height: 5n, prevBeacon: prev });
    // same height, another previous beacon (the state moved on): never the prepared bytes
    assert.equal(hex(await s.sign({ chainId: 'c', height: 5n, prevBeacon: other })), onThread(5n, other));
    s.prepare({ chainId: 'c', height: 6n, prevBeacon: prev });
    assert.equal(hex(await s.sign({ chainId: 'c', height: 7n, prevBeacon: prev })), onThread(7n, prev));
    s.prepare({ chainId: 'c', height: 8n, prevBeacon: prev });
    assert.equal(hex(await s.sign({ chainId: 'd', height: 8n, prevBeacon: prev })), hex(beaconSign(secret, 'd', 8n, prev)));
  } finally {
    await s.close();
  }
});

test('a closed signer, or one told not to use a worker, signs on the calling thread with the same bytes', async () => {
  const s = new BeaconSigner(secret);
  s.prepare({ chainId: 'c', height: 3n, prevBeacon: prev });
  await s.close();
  assert.equal(hex(await s.sign({ chainId: 'c', height: 3n, prevBeacon: prev })), onThread(3n, prev));
  const t = new BeaconSigner(secret, false);
  assert.equal(hex(await t.sign({ chainId: 'c', height: 4n, prevBeacon: prev })), onThread(4n, prev));
  await t.close();
});
