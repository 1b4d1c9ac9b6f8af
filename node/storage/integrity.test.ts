// Damage in a real LevelDB is reported as STORE_CORRUPT / STORE_BEHIND, never as a decode stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { buildBlock, encodeReceipt, type Commit } from '../../vm/index.ts';
import { devGenesis } from '../../genesis/index.ts';
import { NodeError } from '../util/index.ts';
import { ChainStore } from './chain-store.ts';
import { KEY } from './keys.ts';
import { checkStoredChain, checkRecentChain, checkHeadAgainstMarker } from './integrity.ts';
import { readHeadMarker } from './head-marker.ts';
import { alice, bob, val, beaconSigFor, tx } from '../../test/helpers/chain-fixtures.ts';
import { sha256 } from '../../primitives/index.ts';

const isCode = (code: string) => (e: unknown) => e instanceof NodeError && e.code === code;

/** A store with `n` committed blocks; block 2 carries one transfer. Returns the tx hash. */
async function chain(dir: string, n: number): Promise<{ txHash: Uint8Array; genesis: ReturnType<typeof devGenesis> }> {
  const genesis = devGenesis({ validators: [{ address: val.address, consensusKey: val.publicKey, blsKey: val.blsKey }], genesisTimeMs: 1_000n, devAccounts: 2 });
  const store = await ChainStore.open(join(dir, 'db'), { headMarker: join(dir, 'head.marker') });
  const state = await store.initState(genesis);
  const raw = tx(alice, 0n, { kind: 'transfer', to: bob.address, amount: 5n }, 1n, genesis.chainId);
  for (let h = 1n; h <= BigInt(n); h++) {
    const r = buildBlock(state, { height: h, timestampMs: 1_000n + h * 1_000n, proposer: val.address, beaconSig: beaconSigFor(val, state), evidence: [] }, h === 2n ? [raw] : []);
    const commit: Commit = { height: h, blockHash: r.hash, signatures: [] };
    await store.commit(state, r, commit);
  }
  await store.close();
  return { txHash: sha256(raw), genesis };
}

test('a value damaged inside the database reads back as STORE_CORRUPT and the chain check names the block', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-integrity-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { txHash } = await chain(dir, 4);
  let store = await ChainStore.open(join(dir, 'db'));
  const sound = await checkStoredChain(store, { receipts: true });
  assert.deepEqual(sound.problems, []);
  assert.equal(sound.blocks, 4);
  assert.equal(sound.receipts, 1);
  const receipt = (await store.getReceipt(txHash))!;
  await store.close();

  // A receipt that reads back as another valid receipt (a fee off by one) is caught by the header's receiptsRoot.
  let raw = new Level<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
  await raw.put(KEY.receipt(txHash), encodeReceipt({ ...receipt, fee: receipt.fee + 1n }));
  await raw.close();
  store = await ChainStore.open(join(dir, 'db'));
  assert.deepEqual((await checkStoredChain(store, { receipts: true })).problems, ['block 2: its stored receipts do not hash to the header\'s receiptsRoot']);
  await store.close();

  // What a damaged table hands back when its checksums are not verified: bytes that do not decode.
  raw = new Level<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
  await raw.put(KEY.receipt(txHash), Uint8Array.of(0xc1, 0xff, 0x00));
  await raw.put(KEY.block(3n), Uint8Array.of(0x93, 0x01));
  await raw.close();

  store = await ChainStore.open(join(dir, 'db'));
  t.after(() => store.close());
  await assert.rejects(store.getReceipt(txHash), (e: unknown) => isCode('STORE_CORRUPT')(e) && /receipt of tx/.test((e as Error).message));
  await assert.rejects(store.getBlock(3n), isCode('STORE_CORRUPT'));
  const report = await checkStoredChain(store, { receipts: true });
  assert.ok(report.problems.some((p) => /^block 3: /.test(p)), report.problems.join('\n'));
  assert.ok(report.problems.some((p) => /^block 2: .*receipt/.test(p)), report.problems.join('\n'));
  await assert.rejects(checkRecentChain(store, dir), (e: unknown) => isCode('STORE_CORRUPT')(e) && /polchain db check/.test((e as Error).message));
});

test('the head marker catches a database that went backwards and survives a torn slot', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-marker-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await chain(dir, 5);
  const marker = join(dir, 'head.marker');
  assert.equal(readHeadMarker(marker)!.height, 5n);
  const store = await ChainStore.open(join(dir, 'db'));
  t.after(() => store.close());
  assert.equal(await checkHeadAgainstMarker(store, marker, dir), true);
  // the database "loses" its newest block: the applied height points one lower
  await (store as unknown as { db: Level<Uint8Array, Uint8Array> }).db.put(KEY.height, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 4]));
  await assert.rejects(checkHeadAgainstMarker(store, marker, dir), (e: unknown) => isCode('STORE_BEHIND')(e) && /ends at block 4, but this data dir committed block 5/.test((e as Error).message));
  // a torn write damages one slot: the other still holds the height before
  const { readFile } = await import('node:fs/promises');
  const b = await readFile(marker);
  b[48 + 3] ^= 0xff; // slot 1 holds odd heights (5)
  await writeFile(marker, b);
  assert.equal(readHeadMarker(marker)!.height, 4n);
  b[3] ^= 0xff;
  await writeFile(marker, b);
  assert.throws(() => readHeadMarker(marker), isCode('STATE_FILE_DAMAGED'));
});
