// A node runs its BLS work on mcl-wasm from the first block: PolchainNode.start awaits blsReady(),
// so the noble fallback (same verdicts, ~4x the CPU) never answers on a started node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { PolchainNode } from '../node/index.ts';
import { devGenesis } from '../genesis/index.ts';
import { blsPublicKey, blsSecretFromSeed } from '../consensus/index.ts';
import { addressFromPublicKey, publicKeyFromSeed, blsBackend } from '../primitives/index.ts';

test('a started node verifies and signs BLS on mcl-wasm', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bls-startup-'));
  const seed = new Uint8Array(32).fill(5);
  const pk = publicKeyFromSeed(seed);
  const genesis = devGenesis({ validators: [{ address: addressFromPublicKey(pk), consensusKey: pk, blsKey: blsPublicKey(blsSecretFromSeed(seed)) }], genesisTimeMs: 1_000n, devAccounts: 1 });
  const node = await PolchainNode.start({
    dataDir: join(dir, 'node'), genesis, validatorSeed: seed, logger: pino({ level: 'silent' }), rpc: { enabled: false, host: '127.0.0.1', port: 0 }, blockIntervalMs: 1_000, emptyBlocks: false,
  });
  try {
    assert.equal(blsBackend(), 'mcl');
  } finally {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
